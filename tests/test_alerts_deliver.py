"""Alert delivery on SQLite and PostgreSQL: each hit once per rule and channel, batched into one message
a run, kept pending while a channel is down, rules in Russian and Kazakh; `newsmon alerts`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alert_support import WebhookReceiver, channel_env, channel_servers, free_port
from digest_support import UKA, add_fact, load_sample
from sqlmodel import select
from typer.testing import CliRunner

from newsmon.alerts import deliver_alerts, load_alerts
from newsmon.alerts.deliver import delivery_counts
from newsmon.cli import app
from newsmon.query.facts import FactFilter, iter_facts
from newsmon.settings import Settings, get_settings
from newsmon.store.db import open_session
from newsmon.store.models import AlertDelivery, Article, Fact, Source
from newsmon.store.summary import rebuild

DAY = date(2024, 11, 21)  # the demo sample is of 19 and 20 November 2024

RULES = """
parties:
  - name: AMANAT
    variants: [AMANAT, АМАНАТ]
alerts:
  - name: шқо-әкімдері
    kind: akim
    territory: Шығыс Қазақстан облысы
    channels: [webhook]
  - name: жол-карталары
    program: Бизнестің жол картасы
    channels: [telegram]
  - name: занятость-kk
    kind: program
    program: Жұмыспен қамтудың жол картасы
    channels: [webhook]
  - name: крупные-суммы
    min_amount: 1000000000
    channels: [email]
  - name: amanat-kk
    entity: AMANAT
    lang: kk
    channels: [webhook]
"""


def _extra_facts(url: str) -> None:
    """Facts the sample lacks for these rules: programmes named in Kazakh and Russian, AMANAT's city."""
    with open_session(url) as session:
        arts = {a.url.rsplit("/", 1)[-1]: a for a in session.exec(select(Article)).all()}
        add_fact(
            session,
            arts["2024-11-20-glubokoe-zanyatost"],
            "program",
            "«Дорожной карте занятости»",
            {"program": "Дорожная карта занятости"},
        )
        zaisan = arts["zaisan-biznes-zhol-kartasy"]
        add_fact(
            session,
            zaisan,
            "program",
            "«Бизнестің жол картасы»",
            {"program": "Дорожная карта бизнеса 2025"},
        )
        add_fact(
            session,
            zaisan,
            "amount",
            "1,2 млрд теңге",
            {"value": 1.2e9, "unit": "KZT", "program": "Дорожная карта бизнеса 2025"},
        )
        add_fact(
            session, arts["amanat-qabyldau-oskemen"], "territory", "Өскеменде", {"territory": UKA}
        )
        session.flush()
        rebuild(session.connection())  # facts written here, not by extract: the summaries
        session.commit()


@pytest.fixture
def servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with channel_servers(tmp_path, monkeypatch) as running:
        yield running


def _config(tmp_path: Path, text: str = RULES) -> Any:
    path = tmp_path / "watchlist.yaml"
    path.write_text(text, encoding="utf-8")
    return load_alerts(path)


def _ids(url: str, flt: FactFilter) -> list[int]:
    return sorted(f["id"] for f in iter_facts(flt, database_url=url))


def test_rules_in_russian_and_kazakh_send_each_hit_once(
    db_url: str, tmp_path: Path, servers: dict[str, Any]
) -> None:
    load_sample(db_url)
    _extra_facts(db_url)
    config = _config(tmp_path)
    hook, tg, smtp = servers["hook"], servers["tg"], servers["smtp"]
    report = deliver_alerts(config, Settings(), today=DAY)
    assert not report.failed, report.summary()

    # the Kazakh region name takes in its districts (KATO prefix): the same facts as `--territory ВКО`
    akims = _ids(db_url, FactFilter(kind="akim", territory="ВКО", since=date(2024, 11, 18)))
    with open_session(db_url) as s:
        shem = s.exec(
            select(Fact.id).where(Fact.territory_kato == "634800000", Fact.kind == "akim")
        ).all()
    assert set(shem) <= set(akims) and len(shem) >= 4
    by_rule = {p["rule"]: p for p in hook.payloads}
    assert sorted(by_rule) == ["amanat-kk", "занятость-kk", "шқо-әкімдері"]
    vko = by_rule["шқо-әкімдері"]
    assert vko["count"] == len(akims) and [h["fact_id"] for h in vko["hits"]] == akims
    kk_hit = next(h for h in vko["hits"] if h["text"] == "Шемонаиха ауданының әкімі Асет Жұмабаев")
    a, b = kk_hit["mark"]
    assert kk_hit["sentence"][a:b] == kk_hit["text"]  # the fact marked in its evidence sentence
    assert kk_hit["link"].startswith("https://newsmon.example/articles/")
    assert vko["link"].startswith("https://newsmon.example/facts?kind=akim&territory=%D0%A8")
    assert "[Шемонаиха ауданының әкімі Асет Жұмабаев]" in vko["text"]

    # a Kazakh programme name finds the facts stored under the catalogue's (Russian) name
    zan = by_rule["занятость-kk"]
    assert [h["text"] for h in zan["hits"]] == ["«Дорожной карте занятости»"]
    assert len(tg.texts) == 1
    assert "<b>«Бизнестің жол картасы»</b>" in tg.texts[0] and "1,2 млрд теңге" in tg.texts[0]
    assert "жол-карталары" in tg.texts[0] and "новых совпадений 2." in tg.texts[0]
    # an entity in the evidence sentence, Kazakh articles only
    amanat = by_rule["amanat-kk"]
    assert [h["text"] for h in amanat["hits"]] == ["Өскеменде"]
    assert amanat["hits"][0]["article"]["lang"] == "kk"

    # amounts of at least 1 bn, in both languages, one email
    big = _ids(db_url, FactFilter(kind="amount", min_value=1e9, unit="KZT"))
    assert len(big) == 6 and len(smtp.messages) == 1
    mail = smtp.messages[0]
    html_part = mail.get_body(("html",))
    assert html_part is not None
    body = html_part.get_content()
    assert "новых совпадений: 6" in mail["Subject"]
    assert body.count("<mark") == 6 and "1,5 млрд теңге</mark>" in body

    # recorded: every hit sent once per rule and channel
    with open_session(db_url) as s:
        counts = delivery_counts(s)
    assert counts[("шқо-әкімдері", "webhook", "sent")] == len(akims)
    assert counts[("крупные-суммы", "email", "sent")] == 6
    assert all(status == "sent" for (_r, _c, status) in counts)

    # a rerun sends nothing
    again = deliver_alerts(config, Settings(), today=DAY)
    assert [b.pending for b in again.batches] == [0] * 5 and not again.failed
    assert len(hook.received) == 3 and len(tg.received) == 1 and len(smtp.messages) == 1

    # a new fact: the next run sends it alone
    with open_session(db_url) as s:
        art = s.exec(
            select(Article).where(Article.url.endswith("pavlodar-aul-amanaty-900-mln"))
        ).one()  # type: ignore[attr-defined]
        new = add_fact(s, art, "amount", "900 млн тенге", {"value": 9e9, "unit": "KZT"})
        s.commit()
        new_id = new.id
    third = deliver_alerts(config, Settings(), today=DAY)
    assert [(b.rule, b.sent) for b in third.batches if b.sent] == [("крупные-суммы", 1)]
    assert len(smtp.messages) == 2 and "новых совпадений: 1" in smtp.messages[1]["Subject"]
    assert f"#fact-{new_id}" in smtp.messages[1].get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_an_unreachable_channel_keeps_the_hits_pending_for_the_next_run(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_sample(db_url)
    config = _config(tmp_path, RULES.split("  - name: жол-карталары")[0])
    down = f"http://127.0.0.1:{free_port()}"
    for k, v in channel_env(webhook=down).items():
        monkeypatch.setenv(k, v)
    report = deliver_alerts(config, Settings(), today=DAY)
    assert report.failed and report.batches[0].error and "ConnectError" in report.batches[0].error
    assert "FAILED" in report.summary()[0] and "stay pending" in report.summary()[0]
    with open_session(db_url) as s:
        rows = s.exec(select(AlertDelivery)).all()
    n = len(rows)
    assert n >= 5 and {r.status for r in rows} == {"pending"}
    assert {r.attempts for r in rows} == {1} and all(
        "ConnectError" in (r.last_error or "") for r in rows
    )

    hook = WebhookReceiver().start()
    try:
        monkeypatch.setenv("NEWSMON_WEBHOOK_URL", hook.url + "/hook")
        report = deliver_alerts(config, Settings(), today=DAY)
        assert not report.failed and report.batches[0].sent == n and report.batches[0].new == 0
        assert len(hook.payloads) == 1 and hook.payloads[0]["count"] == n
    finally:
        hook.stop()
    with open_session(db_url) as s:
        rows = s.exec(select(AlertDelivery)).all()
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {2}
    assert all(r.sent_at is not None and r.last_error is None for r in rows)


def test_ten_thousand_hits_make_one_message_with_a_count_and_a_link(
    db_url: str, tmp_path: Path, servers: dict[str, Any]
) -> None:
    with open_session(db_url) as s:
        src = Source(name="big.example", kind="import")
        s.add(src)
        s.flush()
        when = datetime(2024, 11, 20, 6, 0, tzinfo=UTC)
        text = "Бюджет выделил 5 млн тенге на ремонт дорог."
        art = Article(
            source_id=src.id, url="https://big.example/1", url_norm="big.example/1", title="Бюджет",
            title_key="бюджет", text=text, published=when, fetched=when, lang="ru", content_hash="x",
        )  # fmt: skip
        s.add(art)
        s.flush()
        base = {
            "article_id": art.id, "kind": "amount", "text": "5 млн тенге", "sentence": text,
            "confidence": 0.9, "extractor": "test", "published": when, "source_id": src.id,
            "lang": "ru", "value": 5e6, "unit": "KZT", "raw": "5 млн тенге",
        }  # fmt: skip
        s.execute(
            sa.insert(Fact),
            [{**base, "start": 100 + i, "end": 111 + i} for i in range(10_000)],
        )
        rebuild(s.connection())
        s.commit()
    config = _config(
        tmp_path, "alerts:\n  - name: всё\n    min_amount: 1\n    channels: [webhook, telegram]\n"
    )
    hook, tg = servers["hook"], servers["tg"]
    tg.limit = 1  # Telegram first answers 429, retry_after 1 s: waited, then sent
    report = deliver_alerts(config, Settings(), today=DAY)
    assert not report.failed
    assert tg.requests == 2
    assert len(hook.payloads) == 1 and len(tg.texts) == 1  # one message per channel, not 10,000
    payload = hook.payloads[0]
    assert payload["count"] == 10_000 and len(payload["hits"]) == 20
    assert "Ещё 9980 — все совпадения: https://newsmon.example/facts?kind=amount" in payload["text"]
    assert "<mark" in json.dumps(payload) or payload["hits"][0]["mark"] == [15, 26]
    assert len(tg.texts[0]) <= 4096 and "новых совпадений 10000." in tg.texts[0]
    assert "все совпадения: https://newsmon.example/facts?" in tg.texts[0]
    with open_session(db_url) as s:
        counts = delivery_counts(s)
    assert counts == {("всё", "webhook", "sent"): 10_000, ("всё", "telegram", "sent"): 10_000}
    assert deliver_alerts(config, Settings(), today=DAY).batches[0].pending == 0


def test_alerts_command_dry_run_then_send_then_smtp_down(
    sqlite_url: str, tmp_path: Path, servers: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    load_sample(sqlite_url)
    path = tmp_path / "watchlist.yaml"
    path.write_text(
        "alerts:\n  - name: суммы\n    min_amount: 1000000000\n    since: 2024-11-01\n"
        "    channels: [email]\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    dry = runner.invoke(app, ["alerts", "--watchlist", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "суммы → email: would send 5 hits (5 new)" in dry.output
    assert "[1,5 млрд теңге]" in dry.output  # the message it would send
    assert servers["smtp"].messages == []
    with open_session(sqlite_url) as s:
        assert s.exec(select(AlertDelivery)).all() == []

    sent = runner.invoke(app, ["alerts", "--watchlist", str(path), "--json"])
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.stdout)["batches"][0]["sent"] == 5 and len(servers["smtp"].messages) == 1

    # a new hit while the SMTP server is down: exit 1, the hit stays pending
    with open_session(sqlite_url) as s:
        art = s.exec(select(Article)).first()
        assert art is not None
        add_fact(s, art, "amount", art.title[:5], {"value": 2e9, "unit": "KZT"})
        s.commit()
    monkeypatch.setenv("NEWSMON_SMTP_PORT", str(free_port()))
    get_settings.cache_clear()
    down = runner.invoke(app, ["alerts", "--watchlist", str(path)])
    assert down.exit_code == 1
    assert "суммы → email: FAILED, 1 hits stay pending for the next run" in down.output
    with open_session(sqlite_url) as s:
        assert delivery_counts(s) == {
            ("суммы", "email", "sent"): 5,
            ("суммы", "email", "pending"): 1,
        }


def test_alerts_command_names_an_unconfigured_channel(sqlite_url: str, tmp_path: Path) -> None:
    load_sample(sqlite_url)
    path = tmp_path / "watchlist.yaml"
    path.write_text(
        "alerts:\n  - name: a\n    kind: akim\n    since: 2024-11-01\n    channels: [telegram]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["alerts", "--watchlist", str(path)])
    assert result.exit_code == 2
    assert "channel 'telegram' is not configured: set NEWSMON_TELEGRAM_TOKEN" in result.output
    assert "(rules 'a')" in result.output
    # a dry run shows the message all the same, and names the missing settings
    dry = CliRunner().invoke(app, ["alerts", "--watchlist", str(path), "--dry-run"])
    assert dry.exit_code == 1
    assert (
        "a → telegram: 6 hits, NOT sendable: channel 'telegram' is not configured: set NEWSMON_TELEGRAM_TOKEN"
        in dry.output
    )
    assert "[Шемонаиха ауданының әкімі Асет Жұмабаев]" in dry.output
    with open_session(sqlite_url) as s:
        assert s.exec(select(AlertDelivery)).all() == []


def test_a_rule_that_cannot_match_is_reported_and_the_others_still_go(
    db_url: str, tmp_path: Path, servers: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    load_sample(db_url)
    monkeypatch.setenv("NEWSMON_ALERTS_LANG", "kk")
    config = _config(
        tmp_path,
        "alerts:\n  - name: нарния\n    territory: Нарния облысы\n    channels: [telegram]\n"
        "  - name: шемонаиха\n    kind: akim\n    territory: Шемонаихинский район\n"
        "    channels: [telegram]\n",
    )
    report = deliver_alerts(config, Settings(), today=DAY)
    assert report.failed and len(report.errors) == 1
    assert report.errors[0].startswith("rule 'нарния': unknown territory 'Нарния облысы'")
    assert [(b.rule, b.sent) for b in report.batches] == [("шемонаиха", 4)]
    text = servers["tg"].texts[0]
    assert text.startswith("«шемонаиха» ережесі: жаңа сәйкестіктер саны 4.")  # Kazakh messages
    assert "Барлық сәйкестіктер: https://newsmon.example/facts?kind=akim" in text


def test_one_sending_run_at_a_time(db_url: str, tmp_path: Path, servers: dict[str, Any]) -> None:
    from newsmon.alerts.deliver import sending_lock

    load_sample(db_url)
    config = _config(tmp_path, "alerts:\n  - name: a\n    kind: akim\n    channels: [webhook]\n")
    with sending_lock(db_url) as got:
        assert got
        busy = deliver_alerts(config, Settings(), today=DAY)
        assert busy.busy and not busy.failed and busy.batches == []
        assert "another run is sending alerts now" in busy.summary()[0]
    assert servers["hook"].payloads == []
    done = deliver_alerts(config, Settings(), today=DAY)
    assert not done.busy and done.batches[0].sent > 0 and len(servers["hook"].payloads) == 1
