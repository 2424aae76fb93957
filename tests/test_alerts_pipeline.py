"""Alerts inside the pipeline: `newsmon run` sends them after extraction (exit 1 and hits kept while a
channel is down), the schedule's alerts job, and `newsmon digest --send` through the channels."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alert_support import WebhookReceiver, channel_env, channel_servers, free_port
from digest_support import SAMPLE, SHEM, add_fact, load_sample
from sqlmodel import select
from typer.testing import CliRunner

from newsmon.alerts.deliver import delivery_counts
from newsmon.cli import app
from newsmon.ingest.importer import import_jsonl
from newsmon.pipeline_run import ScheduleOptions, Service, run_once
from newsmon.settings import get_settings
from newsmon.store.db import open_session
from newsmon.store.models import Article

RULE = """alerts:
  - name: шқо-әкімдері
    kind: akim
    territory: ШҚО
    since: 2024-11-01
    channels: [webhook]
"""


@pytest.fixture
def servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with channel_servers(tmp_path, monkeypatch) as running:
        yield running


def test_run_sends_alerts_after_extraction_and_keeps_them_while_the_webhook_is_down(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert import_jsonl(SAMPLE, database_url=sqlite_url).ok
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(RULE, encoding="utf-8")
    for k, v in channel_env(webhook=f"http://127.0.0.1:{free_port()}").items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    said: list[str] = []
    report = run_once(
        out_dir=tmp_path / "digests",
        watchlist_path=watchlist,
        fetch=False,
        database_url=sqlite_url,
        say=said.append,
    )
    assert report.extract.facts > 0 and report.digests  # extraction and digest happened
    assert report.alerts_failed and report.alerts.batches[0].error
    assert any("шқо-әкімдері → webhook: FAILED" in line for line in said)
    with open_session(sqlite_url) as s:
        pending = delivery_counts(s)[("шқо-әкімдері", "webhook", "pending")]
    assert pending >= 3  # the extracted akims of the region and its districts

    hook = WebhookReceiver().start()
    try:
        monkeypatch.setenv("NEWSMON_WEBHOOK_URL", hook.url + "/hook")
        get_settings.cache_clear()
        args = [
            "run",
            "--no-fetch",
            "--watchlist",
            str(watchlist),
            "--out-dir",
            str(tmp_path / "d"),
        ]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        assert f"шқо-әкімдері → webhook: {pending} hits sent (0 new)" in result.output
        assert [p["count"] for p in hook.payloads] == [pending]
        assert all(h["kind"] == "akim" for h in hook.payloads[0]["hits"])

        # the schedule's alerts job: nothing new, nothing sent, nothing said
        said.clear()
        opts = ScheduleOptions(watchlist_path=watchlist, database_url=sqlite_url)
        Service(opts, say=said.append).alerts_job()
        assert len(hook.payloads) == 1 and said == []
    finally:
        hook.stop()

    # the webhook down again while `newsmon run` has new hits: exit status 1
    with open_session(sqlite_url) as s:
        art = s.exec(select(Article).where(Article.url.endswith("zhylu-mausymy"))).one()  # type: ignore[attr-defined]
        add_fact(s, art, "akim", art.title[:10], {"person": "Тест Тестов", "territory": SHEM})
        s.commit()
    monkeypatch.setenv("NEWSMON_WEBHOOK_URL", f"http://127.0.0.1:{free_port()}/hook")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "FAILED, 1 hits stay pending for the next run" in result.output


@pytest.mark.parametrize(
    ("lang", "subject"),
    [("ru", "Дайджест newsmon за 2024-11-20"), ("kk", "newsmon дайджесті, 2024-11-20")],
)
def test_digest_send_delivers_the_html_by_email_and_a_note_elsewhere(
    sqlite_url: str, servers: dict[str, Any], lang: str, subject: str
) -> None:
    load_sample(sqlite_url)
    result = CliRunner().invoke(app, ["digest", "--date", "2024-11-20", "--lang", lang, "--send"])
    assert result.exit_code == 0, result.output
    assert "digest sent by email" in result.output and "digest sent by telegram" in result.output
    mail = servers["smtp"].messages[0]
    assert mail["Subject"] == subject
    html_part = mail.get_body(("html",))
    assert html_part is not None
    page = html_part.get_content()
    assert "<html" in page and "<script" not in page and "Шемонаих" in page
    # the e-mail form of the digest: inline styles, and its one image (the map) travels with it
    assert "<style" not in page and 'src="cid:regionmap@newsmon"' in page
    images = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<regionmap@newsmon>"
    link = f"https://newsmon.example/digest?date=2024-11-20&amp;ui={lang}"
    assert subject in servers["tg"].texts[0] and link in servers["tg"].texts[0]
    hook = servers["hook"].payloads[0]
    assert hook["kind"] == "digest" and hook["subject"] == subject and hook["lang"] == lang


def test_digest_send_with_no_channel_says_what_to_set(sqlite_url: str) -> None:
    load_sample(sqlite_url, facts=False)
    result = CliRunner().invoke(app, ["digest", "--date", "2024-11-20", "--send"])
    assert result.exit_code == 2
    assert "no alert channel is configured: set NEWSMON_SMTP_HOST" in result.output
