"""OpenAPI at /docs: Swagger UI 5 (reads OpenAPI 3.1), vendored from the npm package swagger-ui-dist and
served by this app (no CDN, no inline script).

The files under web/static/swagger-ui/ are swagger-ui-dist SWAGGER_UI_VERSION, unchanged, under the
Apache License 2.0 (LICENSE and NOTICE beside them). To update: `npm pack swagger-ui-dist@X`, copy
swagger-ui-bundle.js (with its .LICENSE.txt), swagger-ui.css, LICENSE and NOTICE, change the version here.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

router = APIRouter(include_in_schema=False)

SWAGGER = Path(__file__).resolve().parent / "static" / "swagger-ui"
SWAGGER_UI_VERSION = "5.35.0"
_ASSETS = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript"}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>newsmon API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"><p><a href="/openapi.json">/openapi.json</a></p></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script></body></html>
"""


@router.get("/docs")
def docs_page() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/docs/assets/{name}")
def docs_asset(name: str) -> FileResponse:
    if name not in _ASSETS:
        raise HTTPException(404, f"no asset {name!r}")
    return FileResponse(SWAGGER / name, media_type=_ASSETS[name])
