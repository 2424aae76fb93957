"""Alert channels against local servers: a webhook receiver checking the HMAC signature, a fake
Telegram Bot API (429 with retry_after), an SMTP server requiring STARTTLS and a login (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alert_support import (
    CHAT,
    SECRET,
    TOKEN,
    FakeTelegram,
    WebhookReceiver,
    channel_env,
    free_port,
    smtp_server,
)

from newsmon.alerts.channels import (
    DeliveryError,
    EmailChannel,
    Message,
    TelegramChannel,
    WebhookChannel,
    send_message,
    sign,
)
from newsmon.errors import ConfigError
from newsmon.settings import Settings

MSG = Message(
    subject="newsmon: «ВКО» — жаңа сәйкестіктер: 2",
    text="Шемонаиха ауданының әкімі [Асет Жұмабаев]\nhttps://newsmon.example/articles/1",
    html="<p>Шемонаиха ауданының әкімі <mark>Асет Жұмабаев</mark></p>",
    data={"rule": "vko", "count": 2},
    delivery_id="abc123",
)


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    server = FakeTelegram().start()
    yield server
    server.stop()


def test_webhook_posts_signed_json_and_retries_with_backoff(hook: WebhookReceiver) -> None:
    sleeps: list[float] = []
    hook.fail = 2  # two 503s, then accepted
    WebhookChannel(hook.url, SECRET, retries=3, backoff=0.5, sleep=sleeps.append).send(MSG)
    assert sleeps == [0.5, 1.0]  # exponential backoff
    assert hook.bad_signatures == 0 and len(hook.received) == 1
    got = hook.received[0]
    assert got.json == {
        "subject": MSG.subject,
        "text": MSG.text,
        "rule": "vko",
        "count": 2,
    }  # UTF-8 JSON, Kazakh letters as they are
    assert "жаңа сәйкестіктер".encode() in got.body
    assert got.headers["X-Newsmon-Signature"] == sign(got.body, SECRET)
    assert got.headers["X-Newsmon-Delivery"] == "abc123"


def test_webhook_with_a_wrong_secret_is_refused_and_the_error_says_so(
    hook: WebhookReceiver,
) -> None:
    sleeps: list[float] = []
    with pytest.raises(DeliveryError, match="HTTP 401"):
        WebhookChannel(hook.url, "wrong", retries=3, sleep=sleeps.append).send(MSG)
    assert hook.bad_signatures == 1 and sleeps == []  # a 4xx is not retried
    assert hook.received == []


def test_webhook_unreachable_fails_after_its_retries() -> None:
    sleeps: list[float] = []
    port = free_port()
    url = f"http://127.0.0.1:{port}/hooks/T0KEN-SECRET-PART?key=s3cr3t"
    with pytest.raises(DeliveryError, match="ConnectError") as err:
        WebhookChannel(url, SECRET, retries=2, backoff=0.01, sleep=sleeps.append).send(MSG)
    assert sleeps == [0.01, 0.02]
    # the error is printed and stored: it names the host, never the path or query (tokens)
    assert f"http://127.0.0.1:{port}" in str(err.value)
    assert "T0KEN" not in str(err.value) and "s3cr3t" not in str(err.value)


def test_telegram_waits_retry_after_on_429_then_sends(tg: FakeTelegram) -> None:
    sleeps: list[float] = []
    tg.limit, tg.retry_after = 2, 3
    TelegramChannel(tg.url, TOKEN, CHAT, retries=3, sleep=sleeps.append).send(MSG)
    assert sleeps == [3.0, 3.0]  # retry_after honoured, each time
    assert tg.requests == 3 and len(tg.received) == 1
    body = tg.received[0].json
    assert body["chat_id"] == CHAT and body["parse_mode"] == "HTML"
    assert "Асет Жұмабаев" in body["text"]


def test_telegram_retry_after_beyond_the_limit_leaves_it_to_the_next_run(
    tg: FakeTelegram,
) -> None:
    sleeps: list[float] = []
    tg.limit, tg.retry_after = 1, 600
    with pytest.raises(DeliveryError, match="retry after 600 s") as err:
        TelegramChannel(tg.url, TOKEN, CHAT, max_wait=60, sleep=sleeps.append).send(MSG)
    assert sleeps == [] and tg.received == []
    assert TOKEN not in str(err.value)


def test_telegram_error_never_shows_the_token(tg: FakeTelegram) -> None:
    with pytest.raises(DeliveryError, match="chat not found") as err:
        TelegramChannel(tg.url, TOKEN, "wrong-chat", sleep=lambda _s: None).send(MSG)
    assert TOKEN not in str(err.value)


def test_email_uses_starttls_and_login(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as smtp:
        EmailChannel(
            "127.0.0.1",
            smtp.port,
            "newsmon@example.org",
            ["press@example.org"],
            user="newsmon",
            password="smtp-pass-1",
            ca_file=smtp.ca_file,
        ).send(MSG)
        assert smtp.logins == ["newsmon"] and len(smtp.messages) == 1
        mail = smtp.messages[0]
        assert mail["Subject"] == MSG.subject and mail["To"] == "press@example.org"
        assert mail["Message-ID"] == "<abc123@example.org>"  # the batch's delivery id
        html_part = mail.get_body(("html",))
        text_part = mail.get_body(("plain",))
        assert html_part is not None and text_part is not None
        assert "<mark>Асет Жұмабаев</mark>" in html_part.get_content()
        assert "[Асет Жұмабаев]" in text_part.get_content()


def test_email_wrong_password_or_no_tls_trust_is_a_delivery_error(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as smtp:
        common = {"user": "newsmon", "ca_file": smtp.ca_file}
        with pytest.raises(DeliveryError, match="SMTPAuthenticationError"):
            EmailChannel(
                "127.0.0.1", smtp.port, "a@example.org", ["b@example.org"], password="bad", **common
            ).send(MSG)
        # without the test CA the server's certificate is not trusted: nothing is sent in clear
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            EmailChannel(
                "127.0.0.1", smtp.port, "a@example.org", ["b@example.org"], password="smtp-pass-1"
            ).send(MSG)
        assert smtp.messages == []


def test_email_server_down_is_a_delivery_error() -> None:
    with pytest.raises(DeliveryError, match=r"email via 127\.0\.0\.1"):
        EmailChannel("127.0.0.1", free_port(), "a@example.org", ["b@example.org"]).send(MSG)


def test_send_message_goes_through_every_configured_channel(
    tmp_path: Path, hook: WebhookReceiver, tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server(tmp_path) as smtp:
        for k, v in channel_env(webhook=hook.url, telegram=tg.url, smtp=smtp).items():
            monkeypatch.setenv(k, v)
        results = send_message(MSG, Settings())
        assert results == {"email": None, "telegram": None, "webhook": None}
        assert len(smtp.messages) == 1 and len(tg.received) == 1 and len(hook.received) == 1
        assert smtp.messages[0]["To"] == "press@example.org, duty@example.org"


def test_send_message_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="no alert channel is configured"):
        send_message(MSG, Settings())
    with pytest.raises(ConfigError, match="NEWSMON_TELEGRAM_TOKEN, NEWSMON_TELEGRAM_CHAT_ID"):
        send_message(MSG, Settings(), ["telegram"])
