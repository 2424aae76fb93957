"""The FastAPI application: pages and /api/v1 over the same library API as the CLI; read-only, GET only.

Every response carries security headers; library errors become 4xx (InputError → 400, NotFoundError → 404)
as JSON under /api and as a page elsewhere; bad parameters are 4xx too, never a 500.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsmon import __version__
from newsmon.errors import DateRangeError, InputError, NewsmonError, NotFoundError, StorageError
from newsmon.web import api, docs, pages
from newsmon.web.charts import ChartCache

STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger("newsmon.web")

# pages: scripts and styles from this server only; no inline scripts, no framing by other sites
CSP_PAGES = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-src 'self'; frame-ancestors 'self'"
)
# the digest is the self-contained HTML file of `newsmon digest` (inline <style>, no scripts at all)
CSP_DIGEST = (
    "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
# Swagger UI (vendored, served from here) sets inline styles
CSP_DOCS = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def _csp(path: str) -> bytes:
    if path.startswith("/digest/view"):
        return CSP_DIGEST.encode()
    if path.startswith("/docs"):
        return CSP_DOCS.encode()
    return CSP_PAGES.encode()


class SecurityHeaders:
    """Pure ASGI middleware (streams pass through untouched): security headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = _csp(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != b"content-security-policy"
                ]
                headers += [(b"content-security-policy", csp), *SECURITY_HEADERS]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """Pure ASGI middleware: HEAD is answered as GET would be (status, headers), without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _error(request: Request, status: int, message: str, detail: Any = None) -> Response:
    if _wants_json(request):
        body: dict[str, Any] = {"error": message, "status": status}
        if detail is not None:
            body["detail"] = detail
        return JSONResponse(body, status_code=status)
    return pages.render_error(request, status, message)


def _validation_message(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    detail = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path"))
        detail.append({"parameter": where, "message": err.get("msg", "invalid")})
    first = detail[0] if detail else {"parameter": "?", "message": "invalid"}
    return f"parameter {first['parameter']!r}: {first['message']}", detail


class _App(FastAPI):
    """FastAPI with SecurityHeaders outside Starlette's ServerErrorMiddleware, so an unexpected 500 carries
    the headers too (middleware added with add_middleware sits inside it)."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def create_app(database_url: str | None = None, *, watchlist: Path | str | None = None) -> FastAPI:
    """The web application over `database_url` (default: NEWSMON_DATABASE_URL) and the watchlist file
    (default ./watchlist.yaml; coverage pages need one)."""
    charts = ChartCache(database_url, Path(watchlist) if watchlist else None)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        charts.close()

    app = _App(
        lifespan=lifespan,
        title="newsmon API",
        version=__version__,
        description="Read-only access to newsmon's articles and facts (CONTRACT §2). Every endpoint is GET.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.database_url = database_url
    app.state.watchlist = Path(watchlist) if watchlist else None
    app.state.charts = charts
    app.add_middleware(HeadAsGet)

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> Response:
        return _error(request, 404, str(exc))

    @app.exception_handler(DateRangeError)
    async def _date_range(request: Request, exc: DateRangeError) -> Response:
        return _error(request, 422, str(exc))

    @app.exception_handler(InputError)
    async def _bad_input(request: Request, exc: InputError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(StorageError)
    async def _storage(request: Request, exc: StorageError) -> Response:
        log.error("storage: %s", exc)
        return _error(request, 503, "the database is not available")

    @app.exception_handler(NewsmonError)
    async def _other(request: Request, exc: NewsmonError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        message, detail = _validation_message(exc)
        return _error(request, 422 if _wants_json(request) else 400, message, detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        response = _error(request, exc.status_code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Starlette's ServerErrorMiddleware calls this, then re-raises `exc` so the server logs it
        message = "internal error: the server could not answer this request"
        try:
            return _error(request, 500, message)
        except Exception:
            log.exception("rendering the error page failed")
            return PlainTextResponse(message, status_code=500)

    app.include_router(api.router)
    app.include_router(docs.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
