"""Local stand-ins for the alert channels: a webhook receiver that checks the signature, a fake of the
Telegram Bot API (429 with retry_after on demand) and an SMTP server (aiosmtpd) that requires
STARTTLS and a login. Each records what it received."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from newsmon.settings import get_settings

SECRET = "test-webhook-secret"
TOKEN = "123456:TEST-token-for-the-fake-telegram-api-xyz"
CHAT = "-100200300"
SMTP_USER, SMTP_PASSWORD = "newsmon", "smtp-pass-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Server:
    """An http.server in a thread; `respond(received) -> (status, json)` decides each answer."""

    respond: Callable[[Received], tuple[int, Any] | None]
    received: list[Received] = field(default_factory=list)
    bad_signatures: int = 0
    httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> _Server:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                rec = Received(dict(self.headers.items()), body)
                answer = server.respond(rec)
                if answer is None:  # hang up without an answer
                    self.close_connection = True
                    return
                status, data = answer
                out = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *_args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()


class WebhookReceiver(_Server):
    """Accepts a POST only with a valid X-Newsmon-Signature; `fail` answers the next N with 503;
    `on_receive(payload)` runs on each accepted body before the answer (None: hang up)."""

    def __init__(self, secret: str = SECRET) -> None:
        super().__init__(self._respond)
        self.secret = secret
        self.fail = 0
        self.on_receive: Callable[[dict[str, Any]], bool] | None = None

    def _respond(self, rec: Received) -> tuple[int, Any] | None:
        expected = "sha256=" + hmac.new(self.secret.encode(), rec.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(rec.headers.get("X-Newsmon-Signature", ""), expected):
            self.bad_signatures += 1
            return 401, {"error": "bad signature"}
        if self.fail > 0:
            self.fail -= 1
            return 503, {"error": "try later"}
        self.received.append(rec)
        if self.on_receive is not None and not self.on_receive(rec.json):
            return None
        return 200, {"ok": True}

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [r.json for r in self.received]


class FakeTelegram(_Server):
    """POST /bot<TOKEN>/sendMessage; the first `limit` answers are 429 with retry_after."""

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__(self._respond)
        self.limit = 0
        self.retry_after = retry_after
        self.requests = 0

    def _respond(self, rec: Received) -> tuple[int, Any]:
        self.requests += 1
        if self.limit > 0:
            self.limit -= 1
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {self.retry_after}",
                "parameters": {"retry_after": self.retry_after},
            }
        data = rec.json
        if data.get("chat_id") != CHAT:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: chat not found",
            }
        self.received.append(rec)
        return 200, {"ok": True, "result": {"message_id": len(self.received), "text": data["text"]}}

    @property
    def texts(self) -> list[str]:
        return [r.json["text"] for r in self.received]


@dataclass
class SmtpServer:
    port: int
    ca_file: Path
    messages: list[EmailMessage]
    logins: list[str]


@contextlib.contextmanager
def smtp_server(tmp: Path) -> Iterator[SmtpServer]:
    """aiosmtpd on 127.0.0.1 with a certificate of a test CA (trustme): STARTTLS and AUTH required."""
    import trustme
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    ca_file = tmp / "smtp-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    messages: list[EmailMessage] = []
    logins: list[str] = []

    class Handler:
        async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
            msg = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(msg, EmailMessage)
            messages.append(msg)
            return "250 OK"

    def authenticator(
        _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == SMTP_USER.encode()
            and data.password == SMTP_PASSWORD.encode()
        )
        if ok:
            logins.append(SMTP_USER)
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

    port = free_port()
    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=port,
        tls_context=ctx,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield SmtpServer(port, ca_file, messages, logins)
    finally:
        controller.stop()


def channel_env(
    *,
    webhook: str | None = None,
    telegram: str | None = None,
    smtp: SmtpServer | None = None,
    smtp_port: int | None = None,
) -> dict[str, str]:
    """NEWSMON_* variables that configure the given channels (fast retries for tests)."""
    env = {
        "NEWSMON_ALERTS_BACKOFF": "0.01",
        "NEWSMON_ALERTS_RETRIES": "2",
        "NEWSMON_ALERTS_TIMEOUT": "10",
        "NEWSMON_PUBLIC_URL": "https://newsmon.example",
    }
    if webhook:
        env |= {"NEWSMON_WEBHOOK_URL": webhook + "/hook", "NEWSMON_WEBHOOK_SECRET": SECRET}
    if telegram:
        env |= {
            "NEWSMON_TELEGRAM_API_URL": telegram,
            "NEWSMON_TELEGRAM_TOKEN": TOKEN,
            "NEWSMON_TELEGRAM_CHAT_ID": CHAT,
        }
    if smtp is not None or smtp_port is not None:
        env |= {
            "NEWSMON_SMTP_HOST": "127.0.0.1",
            "NEWSMON_SMTP_PORT": str(smtp.port if smtp else smtp_port),
            "NEWSMON_SMTP_USER": SMTP_USER,
            "NEWSMON_SMTP_PASSWORD": SMTP_PASSWORD,
            "NEWSMON_SMTP_FROM": "newsmon@example.org",
            "NEWSMON_SMTP_TO": "press@example.org, duty@example.org",
        }
        if smtp is not None:
            env["NEWSMON_SMTP_CA_FILE"] = str(smtp.ca_file)
    return env


@contextlib.contextmanager
def channel_servers(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A webhook receiver, a fake Telegram API and an SMTP server, with the settings pointing at
    them (environment, settings cache cleared); yields them as hook, tg and smtp."""
    hook, tg = WebhookReceiver().start(), FakeTelegram().start()
    try:
        with smtp_server(tmp) as smtp:
            for k, v in channel_env(webhook=hook.url, telegram=tg.url, smtp=smtp).items():
                monkeypatch.setenv(k, v)
            get_settings.cache_clear()
            yield {"hook": hook, "tg": tg, "smtp": smtp}
    finally:
        hook.stop()
        tg.stop()
