"""`newsmon fetch` against the hostile feeds of tests/hostile (issue 14, finding 15): a feed the XML
parser refused is a failed fetch with the parser's reason, nothing stored, on SQLite and
PostgreSQL; the other feeds of the run are not affected."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from feedserver import FeedServer, fixture_bytes, static, use_local_net
from hostile import BAD_FEEDS, FEEDS, ODD_FEEDS
from sqlmodel import select
from typer.testing import CliRunner

from newsmon.cli import app
from newsmon.ingest.feeds import load_feeds
from newsmon.ingest.fetch import fetch_feeds
from newsmon.store.db import open_session
from newsmon.store.models import Article, FeedState, FetchLog, Source


@pytest.fixture(autouse=True)
def _local_net(monkeypatch: pytest.MonkeyPatch) -> None:
    use_local_net(monkeypatch)


def _feeds_file(tmp_path: Path, urls: dict[str, str]) -> Path:
    feeds = [{"name": n, "url": u, "lang": "ru", "fulltext": False} for n, u in urls.items()]
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml.safe_dump({"feeds": feeds}, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("name,reason", BAD_FEEDS)
def test_a_feed_the_parser_refused_is_a_failed_fetch(
    db_url: str, tmp_path: Path, name: str, reason: str
) -> None:
    """Finding 15: the billion-laughs feed was recorded as "ok" with the title "&lol9;"."""
    with FeedServer() as srv:
        urls = {
            "hostile": srv.route("/hostile", static((FEEDS / name).read_bytes())),
            "good": srv.route("/good", static(fixture_bytes("rss-ru.rss"))),
        }
        report = fetch_feeds(load_feeds(_feeds_file(tmp_path, urls)))
    rows = {r.name: r for r in report.rows}
    assert rows["hostile"].status == "error" and reason in (rows["hostile"].error or "")
    assert rows["good"].status == "ok" and rows["good"].new > 0
    with open_session() as s:
        source = s.exec(select(Source).where(Source.name == "hostile")).one()
        assert s.exec(select(Article).where(Article.source_id == source.id)).all() == []
        log = s.exec(select(FetchLog).where(FetchLog.source_id == source.id)).one()
        assert log.status == "error" and reason in (log.error or "")
        state = s.get(FeedState, source.id)
        assert state is not None and state.consecutive_failures == 1
        titles = s.exec(select(Article.title)).all()
    assert not [t for t in titles if "&lol" in t or "root:" in t]


def test_the_cli_reports_the_refused_feed_and_exits_1(sqlite_url: str, tmp_path: Path) -> None:
    """Finding 15, as the user sees it: one line naming the feed and the parser's reason."""
    with FeedServer() as srv:
        url = srv.route("/lol", static((FEEDS / "billion-laughs-title.rss").read_bytes()))
        result = CliRunner().invoke(
            app, ["fetch", "--feeds", str(_feeds_file(tmp_path, {"lol": url}))]
        )
    assert result.exit_code == 1
    assert "lol: error: XML entity declarations refused by the parser" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name,items,warning", ODD_FEEDS)
def test_odd_feeds_are_stored_with_a_warning(
    db_url: str, tmp_path: Path, name: str, items: int, warning: str
) -> None:
    """Kin of finding 2 on the fetch side: a reference to a lone surrogate (`&#xD800;`) made the
    parser raise, so the feed failed on every run; it is stored, the character read as U+FFFD."""
    with FeedServer() as srv:
        url = srv.route("/odd", static((FEEDS / name).read_bytes()))
        report = fetch_feeds(load_feeds(_feeds_file(tmp_path, {"odd": url})))
    row = report.rows[0]
    assert row.status == "ok" and row.new == items, row
    assert any(warning in w for w in row.warnings)
    with open_session() as s:
        titles = set(s.exec(select(Article.title)).all())
    assert "Аким \ufffd района" in titles and "Әкім жаңалығы \U0001f600" in titles
