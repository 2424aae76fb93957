"""A local HTTP server for the ingestion tests (127.0.0.1, a thread per request).

Each test registers routes: a path mapped to a function that writes the response, so a route can
answer 304 on a matching ETag, stall, trickle bytes, redirect or send a gzip bomb. Every request is
recorded (path and headers) for assertions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsmon.settings import get_settings

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "feeds"
RSS = "application/rss+xml"
Handler = Callable[[BaseHTTPRequestHandler], None]


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def send(
    h: BaseHTTPRequestHandler,
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> None:
    """A complete response with Content-Length."""
    h.send_response(status)
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if body and h.command != "HEAD":
        h.wfile.write(body)


def static(
    body: bytes, status: int = 200, content_type: str | None = RSS, **headers: str
) -> Handler:
    """A route that always answers the same (header names from keyword arguments, '_' for '-')."""
    hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
    if content_type:
        hdrs["Content-Type"] = content_type
    return lambda h: send(h, status, body, hdrs)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: clients that give up early (timeouts, size caps) are what the tests are about."""


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stop = threading.Event()  # stalling routes wait on this, so teardown ends them
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    send(self, 404, b"not found", {"Content-Type": "text/plain"})
                else:
                    route(self)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p.split("?", 1)[0] == path)

    def headers_of(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if p.split("?", 1)[0] == path]

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


NET_ENV = {
    "NEWSMON_ALLOW_PRIVATE_NETWORKS": "1",
    "NEWSMON_PER_HOST_DELAY": "0",
    "NEWSMON_CONNECT_TIMEOUT": "2",
    "NEWSMON_READ_TIMEOUT": "2",
    "NEWSMON_TOTAL_TIMEOUT": "5",
}


def use_local_net(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings for the loopback server: private addresses allowed, no politeness delay, short
    timeouts."""
    for key, value in NET_ENV.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()


def set_env(monkeypatch: pytest.MonkeyPatch, **values: object) -> None:
    """NEWSMON_<KEY>=value for each keyword, then settings read again."""
    for key, value in values.items():
        monkeypatch.setenv(f"NEWSMON_{key.upper()}", str(value))
    get_settings.cache_clear()
