"""Issue 15 item 4: a digest worth reading. Stories ranked by a stated significance score (a table of
signals → score), money totals only per programme or territory and per currency, a length budget (top
stories in full, the rest as one-line links), the region map as a PNG, and the e-mail form (inline
styles, no scripts, no external resources, the map as a cid: part) in Russian and Kazakh."""

from __future__ import annotations

import email
import email.policy
import json
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from digest_support import DEMO_WATCHLIST, FACTS, SAMPLE, add_fact
from sqlmodel import select
from typer.testing import CliRunner

from newsmon.cli import app
from newsmon.digest import (
    Signals,
    build_digest,
    email_message,
    map_png,
    render,
    render_email,
    significance,
)
from newsmon.digest.build import money_points
from newsmon.digest.labels import LABELS
from newsmon.digest.render import MAP_CID
from newsmon.ingest.importer import import_jsonl
from newsmon.store.db import open_session
from newsmon.store.models import Article
from newsmon.watchlist import load_watchlist

DAY = date(2024, 11, 20)
NOW = datetime(2024, 11, 21, 8, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


def load(url: str, tmp_path: Path, source: str | None = None) -> str:
    """The demo sample (only `source`'s articles when given) with its hand-written facts."""
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line]
    if source:
        rows = [r for r in rows if r.get("source") == source]
    path = tmp_path / "sample.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    assert import_jsonl(path, database_url=url).ok
    with open_session(url) as session:
        arts = session.exec(select(Article)).all()
        for suffix, kind, text, keys in FACTS:
            art = next((a for a in arts if a.url.endswith(suffix)), None)
            if art is not None:
                add_fact(session, art, kind, text, keys)
        session.commit()
    return url


# ---------------------------------------------------------------- the score, as a table
@pytest.mark.parametrize(
    "signals, score",
    [
        (Signals(), 0.0),  # one outlet, nothing extracted
        (Signals(outlets=3), 2.0),  # a reprinted report without facts
        (Signals(akim_changes=1), 3.0),  # an appointment in one outlet outranks it
        (Signals(akims=2), 3.0),  # two known akims or deputies
        (Signals(programs=1, money=1.5e9), 4.18),  # a 1,5 bn programme item
        (Signals(watch_hits=1), 2.0),
        (Signals(watch_hits=5), 4.0),  # watchlist hits count up to two entities
        (Signals(territories=2), 1.0),
        (Signals(territories=7), 1.5),  # up to three units
        (Signals(money=999_999), 0.0),  # below a million tenge: nothing
        (Signals(money=1e7), 1.0),
        (Signals(money=1e13), 4.0),  # at most 4
        (
            Signals(
                outlets=2,
                akim_changes=1,
                akims=1,
                programs=1,
                watch_hits=1,
                money=1e8,
                territories=1,
            ),
            1 + 3 + 1.5 + 1 + 2 + 2 + 0.5,
        ),
    ],
)
def test_significance_table(signals: Signals, score: float) -> None:
    assert significance(signals) == pytest.approx(score)


@pytest.mark.parametrize("tenge, points", [(0, 0), (5e5, 0), (1e6, 0), (1e9, 3), (5e10, 4)])
def test_money_points(tenge: float, points: float) -> None:
    assert money_points(tenge) == pytest.approx(points)


def test_one_outlet_feed_leads_with_the_appointment_not_a_minor_item(
    db_url: str, tmp_path: Path
) -> None:
    """Before: on a one-outlet feed every story had one outlet and the order said little. Now the
    akim's appointment leads and the party's reception without facts comes last."""
    load(db_url, tmp_path, "vostok-vesti.example")
    d = build_digest(DAY, database_url=db_url, now=NOW, full=3, top=10)
    ranked = d.stories + d.brief
    assert len(ranked) == 5 and d.more_stories == 0
    assert "Асет Жумабаев" in ranked[0].title and ranked[0].signals.akim_changes == 1
    assert "AMANAT" in ranked[-1].title and ranked[-1].score == 0
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    assert all(s.score == significance(s.signals) for s in ranked)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_length_budget_full_then_one_line_links(db_url: str, tmp_path: Path, lang: str) -> None:
    load(db_url, tmp_path)
    wl = load_watchlist(DEMO_WATCHLIST)
    d = build_digest(DAY, lang=lang, watchlist=wl, database_url=db_url, now=NOW, full=2, top=4)
    assert len(d.stories) == 2 and len(d.brief) == 2 and d.more_stories > 0
    page = render(d, "html")
    assert page.count('class="card story"') == 2
    brief = re.search(r'<ul class="links brief">(.*?)</ul>', page, re.S)
    assert brief and brief.group(1).count("<li>") == 2
    assert f"{LABELS[lang]['more_stories']}: {d.more_stories}" in page
    md = render(d, "md")
    assert f"### {LABELS[lang]['brief']}" in md and md.count("\n### 1. ") == 1


def test_no_total_over_unrelated_amounts(db_url: str, tmp_path: Path) -> None:
    """Amounts with neither a programme nor a territory get no «итого»; a programme's or a
    territory's amounts keep theirs, per currency."""
    load(db_url, tmp_path)
    with open_session(db_url) as session:
        arts = session.exec(select(Article)).all()
        art = next(a for a in arts if a.url.endswith("ust-kamenogorsk-teploseti-3-2-mlrd"))
        for text, value, unit in (("3,2 млрд тенге", 7e6, "KZT"), ("3,2 млрд тенге", 5e6, "USD")):
            add_fact(session, art, "amount", text, {"value": value, "unit": unit})
        session.commit()
    d = build_digest(DAY, database_url=db_url, now=NOW)
    groups = {(g.program, g.region): g for g in d.amounts}
    loose = groups[(None, None)]
    assert len(loose.items) == 2 and loose.totals == []
    assert groups[("Ауыл аманаты", "Восточно-Казахстанская область")].totals == ["1,5 млрд тенге"]
    page = render(d, "md")
    assert "без программы · регион не указан\n" in page.replace("\\", "")


# ---------------------------------------------------------------- the map and the e-mail
class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_email_html_is_inline_styled_and_self_contained(
    db_url: str, tmp_path: Path, lang: str
) -> None:
    load(db_url, tmp_path)
    wl = load_watchlist(DEMO_WATCHLIST)
    d = build_digest(DAY, lang=lang, watchlist=wl, database_url=db_url, now=NOW)
    mail = render_email(d)
    parser = Tags()
    parser.feed(mail.html)
    assert "script" not in parser.tags and "style" not in parser.tags and "link" not in parser.tags
    assert not [k for k, _ in parser.attrs if k.startswith("on") or k == "class"]
    assert [v for k, v in parser.attrs if k == "src"] == [f"cid:{MAP_CID}"]
    assert "<mark style=" in mail.html and 'style="' in mail.html
    assert LABELS[lang]["stories"] in mail.html and mail.subject.startswith(LABELS[lang]["title"])
    assert mail.images[MAP_CID].startswith(PNG)
    # the MIME message: text, then HTML with the map as its related part, named by the same cid
    raw = bytes(email_message(mail, to="press@example.kz"))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    html_part = msg.get_body(("html",))
    assert html_part is not None and "cid:" + MAP_CID in html_part.get_content()  # type: ignore[union-attr]
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == f"<{MAP_CID}>"
    assert images[0].get_payload(decode=True) == mail.images[MAP_CID]


def test_html_digest_embeds_the_map_and_counts_regions(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path)
    d = build_digest(DAY, database_url=db_url, now=NOW)
    # East Kazakhstan: every ВКО article of the day names one of its units; Pavlodar: two reports
    assert d.region_counts["630000000"] >= 8 and d.region_counts["550000000"] == 2
    assert set(d.region_counts) <= {"630000000", "550000000", "100000000"}
    png = map_png(d)
    assert png.startswith(PNG)
    page = render(d, "html")
    assert page.count('<img class="map" src="data:image/png;base64,') == 1


def test_digest_command_writes_an_email(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path)
    out = tmp_path / "digest.eml"
    run = CliRunner().invoke(
        app,
        ["digest", "--date", DAY.isoformat(), "--format", "email", "--lang", "kk", "-o", str(out)],
    )
    assert run.exit_code == 0, run.output
    msg = email.message_from_bytes(out.read_bytes(), policy=email.policy.default)
    assert LABELS["kk"]["title"] in str(msg["Subject"])
    html_part = msg.get_body(("html",))
    assert html_part is not None and LABELS["kk"]["stories"] in html_part.get_content()  # type: ignore[union-attr]
    bad = CliRunner().invoke(app, ["digest", "--date", DAY.isoformat(), "--format", "pdf"])
    assert bad.exit_code != 0 and "md, html, email" in bad.output


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_other_sections_keep_to_their_budget_and_name_every_item(
    db_url: str, tmp_path: Path, lang: str
) -> None:
    """Past `section_limit` entries an akim, amount group or programme is one line, still named."""
    load(db_url, tmp_path)
    d = build_digest(DAY, lang=lang, database_url=db_url, now=NOW)
    d.section_limit = 1
    page = render(d, "html")
    assert len(d.akims) > 1 and page.count('class="card akim"') == 1
    assert len(d.amounts) > 1 and page.count('class="card amount-group"') == 1
    assert page.count('class="card program"') == min(1, len(d.programs))
    for a in d.akims:
        assert a.label in page
    for g in d.amounts:
        for it in g.items:
            assert it.label in page
    for p in d.programs:
        assert f"«{p.label}»" in page


def test_run_writes_the_email_form_as_eml(db_url: str, tmp_path: Path) -> None:
    from newsmon.pipeline_run import digest_path, write_digests

    load(db_url, tmp_path)
    paths = write_digests(
        DAY, tmp_path / "out", langs=("ru", "kk"), formats=("email",), database_url=db_url
    )
    assert paths == [digest_path(tmp_path / "out", DAY, lg, "email") for lg in ("ru", "kk")]
    assert all(p.suffix == ".eml" for p in paths)
    msg = email.message_from_bytes(paths[1].read_bytes(), policy=email.policy.default)
    assert LABELS["kk"]["title"] in str(msg["Subject"])
