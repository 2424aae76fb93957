"""Where alerts go: a webhook (signed JSON POST), email (SMTP) and Telegram (Bot API).

Each channel is configured from settings only (`NEWSMON_WEBHOOK_URL`, `NEWSMON_SMTP_HOST`,
`NEWSMON_TELEGRAM_TOKEN` …) and sends one `Message`; a failure raises DeliveryError with the reason,
after the retries a channel allows itself within the call. `send_message` sends any text or HTML
through every configured channel (the digest's `--send` uses it).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Protocol

import httpx

from newsmon import __version__
from newsmon.errors import ConfigError, NewsmonError
from newsmon.settings import Settings

SIGNATURE_HEADER = "X-Newsmon-Signature"
DELIVERY_HEADER = "X-Newsmon-Delivery"
TELEGRAM_LIMIT = 4096  # characters of one sendMessage text
Sleep = Callable[[float], None]


class DeliveryError(NewsmonError):
    """A channel could not deliver a message (the hits stay pending for the next run)."""


@dataclass
class Message:
    """One message in the forms the channels need."""

    subject: str
    text: str  # plain text: email body, webhook `text`
    html: str | None = None  # email's HTML part
    telegram_html: str | None = None  # Telegram's HTML subset (b, i, a); default: the escaped text
    data: dict[str, Any] = field(default_factory=dict)  # more webhook JSON keys
    delivery_id: str | None = None  # the same for a resent batch: receivers can drop the repeat
    images: dict[str, bytes] = field(default_factory=dict)  # PNGs the HTML names as cid:KEY

    def payload(self) -> dict[str, Any]:
        return {"subject": self.subject, "text": self.text, **self.data}


class Sender(Protocol):
    name: str

    def send(self, message: Message) -> None: ...


def sign(body: bytes, secret: str) -> str:
    """The X-Newsmon-Signature value: `sha256=` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _retry_delay(backoff: float, attempt: int) -> float:
    return float(backoff * 2**attempt)


class WebhookChannel:
    """JSON POST; 5xx, 429 and network errors are retried with exponential backoff."""

    name = "webhook"

    def __init__(
        self,
        url: str,
        secret: str | None,
        *,
        timeout: float = 15.0,
        retries: int = 3,
        backoff: float = 2.0,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.url, self.secret = url, secret
        self.timeout, self.retries, self.backoff, self.sleep = timeout, retries, backoff, sleep

    def send(self, message: Message) -> None:
        body = json.dumps(message.payload(), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"newsmon/{__version__}",
        }
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(body, self.secret)
        if message.delivery_id:
            headers[DELIVERY_HEADER] = message.delivery_id
        error = ""
        with httpx.Client(timeout=self.timeout, trust_env=False) as client:
            for attempt in range(self.retries + 1):
                if attempt:
                    self.sleep(_retry_delay(self.backoff, attempt - 1))
                try:
                    resp = client.post(self.url, content=body, headers=headers)
                except httpx.HTTPError as exc:
                    error = type(exc).__name__  # its text may carry the URL, and so a token
                    continue
                if resp.is_success:
                    return
                error = f"HTTP {resp.status_code}"
                if resp.status_code < 500 and resp.status_code != 429:
                    break  # the receiver refuses this message: retrying will not change that
        raise DeliveryError(f"webhook {_site(self.url)}: {error}")


def _site(url: str) -> str:
    """Scheme and host of a webhook URL: its path and query often hold a token (Slack, Discord)."""
    try:
        u = httpx.URL(url)
    except httpx.InvalidURL:
        return "(invalid URL)"
    return f"{u.scheme}://{u.host}" + (f":{u.port}" if u.port else "")


class TelegramChannel:
    """Bot API sendMessage; a 429 waits its `parameters.retry_after` (up to `max_wait`)."""

    name = "telegram"

    def __init__(
        self,
        api_url: str,
        token: str,
        chat_id: str,
        *,
        timeout: float = 15.0,
        retries: int = 3,
        backoff: float = 2.0,
        max_wait: float = 60.0,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.url = f"{api_url.rstrip('/')}/bot{token}/sendMessage"
        self.token, self.chat_id = token, chat_id
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.max_wait, self.sleep = max_wait, sleep

    def _redact(self, text: str) -> str:
        return text.replace(self.token, "***")

    def send(self, message: Message) -> None:
        text = message.telegram_html or html.escape(message.text)
        if len(text) > TELEGRAM_LIMIT:
            text = html.escape(message.text[: TELEGRAM_LIMIT - 200]) + "\n…"
        body = {
            "chat_id": self.chat_id,
            "text": text,
            "parse_mode": "HTML",
            "disable_web_page_preview": True,
        }
        error = ""
        failures = 0
        with httpx.Client(timeout=self.timeout, trust_env=False) as client:
            while failures <= self.retries:
                try:
                    resp = client.post(self.url, json=body)
                except httpx.HTTPError as exc:
                    error = self._redact(f"{type(exc).__name__}: {exc}")
                else:
                    if resp.is_success:
                        return
                    answer = _json(resp)
                    error = f"HTTP {resp.status_code}: {answer.get('description', '')}".rstrip(": ")
                    if resp.status_code == 429:
                        wait = float((answer.get("parameters") or {}).get("retry_after") or 1)
                        if wait > self.max_wait:
                            raise DeliveryError(
                                f"telegram: too many requests, retry after {wait:g} s "
                                f"(over NEWSMON_TELEGRAM_MAX_WAIT={self.max_wait:g}); the next run retries"
                            )
                        self.sleep(wait)
                        failures += 1
                        continue
                    if resp.status_code < 500:
                        break
                failures += 1
                if failures <= self.retries:
                    self.sleep(_retry_delay(self.backoff, failures - 1))
        raise DeliveryError(f"telegram: {error}")


def _json(resp: httpx.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class EmailChannel:
    """SMTP with STARTTLS (or implicit TLS) and login; HTML with a plain-text alternative."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipients: Sequence[str],
        *,
        security: str = "starttls",
        user: str | None = None,
        password: str | None = None,
        ca_file: Path | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.host, self.port, self.sender, self.recipients = host, port, sender, list(recipients)
        self.security, self.user, self.password = security, user, password
        self.ca_file, self.timeout = ca_file, timeout

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)

    def send(self, message: Message) -> None:
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.recipients)
        domain = self.sender.rpartition("@")[2] or "newsmon.local"
        # a batch resent after a crash keeps its Message-ID: mail clients show it once
        mail["Message-ID"] = (
            f"<{message.delivery_id}@{domain}>"
            if message.delivery_id
            else make_msgid(domain=domain)
        )
        mail.set_content(message.text)
        if message.html:
            mail.add_alternative(message.html, subtype="html")
            html_part = mail.get_body(("html",))
            for cid, png in message.images.items():
                if isinstance(html_part, EmailMessage):  # always: the part just added
                    html_part.add_related(png, "image", "png", cid=f"<{cid}>")
        try:
            smtp: smtplib.SMTP
            if self.security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self._context()
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                smtp.ehlo()
                if self.security == "starttls":
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(
                f"email via {self.host}:{self.port}: {type(exc).__name__}: {exc}"
            ) from None


# ---- configuration --------------------------------------------------------------------------------

REQUIRED = {
    "webhook": ("NEWSMON_WEBHOOK_URL",),
    "email": ("NEWSMON_SMTP_HOST", "NEWSMON_SMTP_FROM", "NEWSMON_SMTP_TO"),
    "telegram": ("NEWSMON_TELEGRAM_TOKEN", "NEWSMON_TELEGRAM_CHAT_ID"),
}


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def channel_from_settings(name: str, settings: Settings, *, sleep: Sleep = time.sleep) -> Sender:
    """The channel `name` configured by `settings`; ConfigError names the missing variables."""
    s = settings
    if name == "webhook" and s.webhook_url:
        return WebhookChannel(
            s.webhook_url,
            _secret(s.webhook_secret),
            timeout=s.alerts_timeout,
            retries=s.alerts_retries,
            backoff=s.alerts_backoff,
            sleep=sleep,
        )
    if name == "email" and s.smtp_host and s.smtp_from and s.smtp_to:
        return EmailChannel(
            s.smtp_host,
            s.smtp_port,
            s.smtp_from,
            [a.strip() for a in s.smtp_to.split(",") if a.strip()],
            security=s.smtp_security,
            user=s.smtp_user,
            password=_secret(s.smtp_password),
            ca_file=s.smtp_ca_file,
            timeout=s.alerts_timeout,
        )
    token = _secret(s.telegram_token)
    if name == "telegram" and token and s.telegram_chat_id:
        return TelegramChannel(
            s.telegram_api_url,
            token,
            s.telegram_chat_id,
            timeout=s.alerts_timeout,
            retries=s.alerts_retries,
            backoff=s.alerts_backoff,
            max_wait=s.telegram_max_wait,
            sleep=sleep,
        )
    if name not in REQUIRED:
        raise ConfigError(f"unknown channel {name!r}: use one of {', '.join(REQUIRED)}")
    raise ConfigError(f"channel {name!r} is not configured: set {', '.join(REQUIRED[name])}")


def configured(settings: Settings) -> list[str]:
    """The channels `settings` configure, in REQUIRED's order."""
    out = []
    for name in REQUIRED:
        try:
            channel_from_settings(name, settings)
        except ConfigError:
            continue
        out.append(name)
    return out


def send_message(
    message: Message,
    settings: Settings,
    channels: Sequence[str] | None = None,
    *,
    sleep: Sleep = time.sleep,
) -> dict[str, str | None]:
    """Send `message` through `channels` (default: every configured one): channel → None or the error.

    ConfigError when a named channel is not configured or none is.
    """
    names = list(channels) if channels is not None else configured(settings)
    if not names:
        raise ConfigError(
            "no alert channel is configured: set NEWSMON_SMTP_HOST (email), "
            "NEWSMON_TELEGRAM_TOKEN (telegram) or NEWSMON_WEBHOOK_URL (webhook); README 'Alerts'"
        )
    senders = [channel_from_settings(n, settings, sleep=sleep) for n in names]
    results: dict[str, str | None] = {}
    for sender in senders:
        try:
            sender.send(message)
            results[sender.name] = None
        except DeliveryError as exc:
            results[sender.name] = str(exc)
    return results
