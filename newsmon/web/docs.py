"""OpenAPI at /docs: Swagger UI from the swagger-ui-bundle package, served by this app (no CDN, no inline script)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

router = APIRouter(include_in_schema=False)

try:
    from swagger_ui_bundle import swagger_ui_path as _ui_path

    SWAGGER = Path(_ui_path)
except ImportError:  # the page then links the raw schema
    SWAGGER = None  # type: ignore[assignment]

_ASSETS = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript"}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>newsmon API</title>
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
    from fastapi import HTTPException

    if SWAGGER is None or name not in _ASSETS:
        raise HTTPException(404, f"no asset {name!r}")
    return FileResponse(SWAGGER / name, media_type=_ASSETS[name])
