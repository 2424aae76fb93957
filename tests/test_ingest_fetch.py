"""The fetch stage end to end against a local server, on SQLite and PostgreSQL: storing once, feed
state and backoff, every kind of bad feed, full text, concurrency, the CLI, and SIGKILL safety."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from feedserver import FeedServer, fixture_bytes, send, set_env, static, use_local_net
from sqlmodel import select
from typer.testing import CliRunner

from newsmon.cli import app
from newsmon.errors import NotFoundError
from newsmon.ingest.feeds import load_feeds
from newsmon.ingest.fetch import FetchReport, feed_health, fetch_feeds, retry_delay
from newsmon.settings import get_settings
from newsmon.store.db import normalize_url as db_url_normalize
from newsmon.store.db import open_session
from newsmon.store.models import Article, FeedState, FetchLog, Source

runner = CliRunner()
HTML = "text/html; charset=utf-8"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def _local_net(monkeypatch: pytest.MonkeyPatch) -> None:
    use_local_net(monkeypatch)


def feeds_file(tmp_path: Path, *entries: dict[str, Any]) -> Path:
    """A feeds.yaml for these entries (lang ru, fulltext off and poll 15 min unless given)."""
    feeds = [{"lang": "ru", "fulltext": False, **e} for e in entries]
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml.safe_dump({"feeds": feeds}, allow_unicode=True), encoding="utf-8")
    return path


def run(path: Path, **kwargs: Any) -> FetchReport:
    return fetch_feeds(load_feeds(path), **kwargs)


def articles(source: str | None = None) -> list[Article]:
    with open_session() as session:
        query = select(Article).join(Source, Source.id == Article.source_id)  # type: ignore[arg-type]
        if source:
            query = query.where(Source.name == source)
        return list(session.exec(query.order_by(Article.id)).all())  # type: ignore[arg-type]


def state(name: str) -> FeedState:
    with open_session() as session:
        source = session.exec(select(Source).where(Source.name == name)).one()
        found = session.get(FeedState, source.id)
        assert found is not None
        return found


def statuses(name: str) -> list[str]:
    with open_session() as session:
        source = session.exec(select(Source).where(Source.name == name)).one()
        logs = session.exec(
            select(FetchLog).where(FetchLog.source_id == source.id).order_by(FetchLog.id)
        ).all()
        return [log.status for log in logs]


GOOD = [
    ("ru-rss", "rss-ru.rss", "ru", 3),
    ("kk-rss", "rss-kk.rss", "kk", 3),
    ("ru-atom", "atom-ru.atom", "ru", 2),
    ("kk-atom", "atom-kk.atom", "kk", 2),
]


def test_good_feeds_are_stored_once(db_url: str, server: FeedServer, tmp_path: Path) -> None:
    entries = []
    for name, fixture, lang, _ in GOOD:
        entries.append(
            {
                "name": name,
                "url": server.route(f"/{fixture}", static(fixture_bytes(fixture))),
                "lang": lang,
            }
        )
    path = feeds_file(tmp_path, *entries)

    first = run(path)
    assert (first.feeds_ok, first.feeds_failed, first.new, first.duplicates) == (4, 0, 10, 0)
    for name, _, lang, count in GOOD:
        stored = articles(name)
        assert len(stored) == count and {a.lang for a in stored} == {lang}
        assert all(a.published is not None and a.text for a in stored)
    utm = articles("ru-rss")[0]
    assert "utm_source" in utm.url and "utm_" not in utm.url_norm

    # the same bytes again: recognised by the content hash, nothing parsed
    again = run(path, force=True)
    assert again.new == 0 and {r.status for r in again.rows} == {"unchanged"}
    # the same items in a different body: parsed, every one a duplicate
    for _, fixture, _, _ in GOOD:
        server.route(f"/{fixture}", static(fixture_bytes(fixture) + b"\n<!-- regenerated -->\n"))
    third = run(path, force=True)
    assert (third.new, third.duplicates, third.feeds_ok) == (0, 10, 4)
    assert len(articles()) == 10
    assert statuses("ru-rss") == ["ok", "unchanged", "ok"]
    assert state("kk-rss").items_total == 3 and state("kk-rss").last_items == 3


def test_conditional_get_304(db_url: str, server: FeedServer, tmp_path: Path) -> None:
    body = fixture_bytes("rss-kk.rss")

    def etagged(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"kk-1"':
            send(h, 304, headers={"ETag": '"kk-1"'})
        else:
            send(h, 200, body, {"ETag": '"kk-1"', "Last-Modified": "Mon, 15 Apr 2024 09:00:00 GMT"})

    path = feeds_file(
        tmp_path, {"name": "kk", "url": server.route("/kk.rss", etagged), "lang": "kk"}
    )
    assert run(path).new == 3
    assert (state("kk").etag, state("kk").last_modified) == (
        '"kk-1"',
        "Mon, 15 Apr 2024 09:00:00 GMT",
    )
    second = run(path, force=True)
    assert (
        second.rows[0].status == "not_modified" and second.rows[0].http_status == 304 and second.ok
    )
    assert server.headers_of("/kk.rss")[1]["if-none-match"] == '"kk-1"'
    assert state("kk").etag == '"kk-1"' and state("kk").last_success is not None
    assert statuses("kk") == ["ok", "not_modified"]


def _stall(server: FeedServer) -> Callable[[BaseHTTPRequestHandler], None]:
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "5000")
        h.end_headers()
        server.stop.wait(30)

    return handler


BAD = [
    # (name, route factory, error pattern, http status)
    (
        "not-found",
        lambda s: static(b"nope", status=404, content_type="text/plain"),
        "HTTP 404",
        404,
    ),
    (
        "server-error",
        lambda s: static(b"oops", status=500, content_type="text/plain"),
        "HTTP 500",
        500,
    ),
    ("malformed", lambda s: static(fixture_bytes("malformed.xml")), "malformed XML", 200),
    (
        "html-page",
        lambda s: static(fixture_bytes("page.html"), content_type=HTML),
        "HTML page, not a feed",
        200,
    ),
    (
        "not-a-feed",
        lambda s: static(fixture_bytes("not-a-feed.xml")),
        "not an RSS or Atom feed",
        200,
    ),
    ("stalls", _stall, "timed out", None),
    (
        "loops",
        lambda s: static(b"", status=302, content_type=None, Location="/bad/loops"),
        "redirect loop",
        None,
    ),
    ("too-big", lambda s: static(b"<rss>" + b" " * 300_000 + b"</rss>"), "max_body_bytes", None),
]


def test_bad_feeds_are_recorded_and_never_stop_the_others(
    db_url: str, server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(
        monkeypatch, read_timeout=0.5, total_timeout=1, max_body_bytes=200_000, backoff_base=300
    )
    entries = [
        {"name": name, "url": server.route(f"/bad/{name}", make(server))}
        for name, make, _, _ in BAD
    ]
    entries.insert(
        3, {"name": "good", "url": server.route("/good.rss", static(fixture_bytes("rss-ru.rss")))}
    )
    path = feeds_file(tmp_path, *entries)
    t0 = datetime.now(UTC)
    report = run(path)
    rows = {r.name: r for r in report.rows}
    assert (report.feeds_ok, report.feeds_failed, report.new) == (1, len(BAD), 3)
    assert rows["good"].status == "ok" and len(articles("good")) == 3
    for name, _, pattern, http_status in BAD:
        row = rows[name]
        assert row.status == "error" and pattern in (row.error or ""), (name, row.error)
        assert row.http_status == http_status
        st = state(name)
        assert (
            st.consecutive_failures == 1 and st.last_error == row.error and st.last_success is None
        )
        assert st.next_attempt is not None
        assert abs((st.next_attempt - t0).total_seconds() - 300) < 60  # backoff_base
        assert statuses(name) == ["error"]
    # the good feed breaks later: what it stored stays
    server.route("/good.rss", static(b"oops", status=500, content_type="text/plain"))
    later = run(path, only="good")
    assert later.rows[0].status == "error" and len(articles("good")) == 3
    assert state("good").last_success is not None and state("good").consecutive_failures == 1


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        ("7200", 7200),  # longer than the backoff: the server's word
        (None, 300),  # no header: the backoff
        ("10", 300),  # shorter than the backoff: the backoff
        ("HTTPDATE+3h", 3 * 3600),
        ("999999", 24 * 3600),  # capped at backoff_max
    ],
)
def test_429_retry_after_sets_next_attempt(
    sqlite_url: str, server: FeedServer, tmp_path: Path, retry_after: str | None, expected: float
) -> None:
    headers = {}
    if retry_after == "HTTPDATE+3h":
        when = datetime.now(UTC) + timedelta(hours=3)
        headers["Retry_After"] = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    elif retry_after is not None:
        headers["Retry_After"] = retry_after
    url = server.route(
        "/busy", static(b"slow down", status=429, content_type="text/plain", **headers)
    )
    path = feeds_file(tmp_path, {"name": "busy", "url": url})
    t0 = datetime.now(UTC)
    report = run(path)
    assert report.rows[0].http_status == 429 and "HTTP 429" in (report.rows[0].error or "")
    assert abs((state("busy").next_attempt - t0).total_seconds() - expected) < 60  # type: ignore[operator]


def test_backoff_grows_and_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    s = get_settings()
    assert (s.backoff_base, s.backoff_max) == (300, 24 * 3600)
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays[:5] == [300, 600, 1200, 2400, 4800]
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert delays[-1] == 24 * 3600 and retry_delay(10_000) == 24 * 3600
    assert retry_delay(1, retry_after=10 * 24 * 3600) == 24 * 3600


def test_backoff_in_feed_state(
    sqlite_url: str, server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, backoff_base=60, backoff_max=200)
    path = feeds_file(
        tmp_path, {"name": "down", "url": server.route("/down", static(b"", status=503))}
    )
    gaps = []
    for _ in range(4):
        run(path, only="down")  # --feed forces a feed that is not due
        st = state("down")
        gaps.append(round((st.next_attempt - st.last_attempt).total_seconds()))  # type: ignore[operator]
    assert gaps == [60, 120, 200, 200] and state("down").consecutive_failures == 4
    # success resets the count
    server.route("/down", static(fixture_bytes("rss-ru.rss")))
    run(path, only="down")
    assert state("down").consecutive_failures == 0


def test_feeds_not_due_are_left_alone(sqlite_url: str, server: FeedServer, tmp_path: Path) -> None:
    url = server.route("/ru.rss", static(fixture_bytes("rss-ru.rss")))
    path = feeds_file(
        tmp_path,
        {"name": "ru", "url": url, "poll_minutes": 15},
        {"name": "every", "url": url, "poll_minutes": 0},
    )
    run(path)
    report = run(path)
    rows = {r.name: r for r in report.rows}
    assert rows["ru"].status == "not_due" and rows["every"].status == "unchanged"
    assert report.ok and report.feeds_not_due == 1 and server.hits("/ru.rss") == 3
    assert run(path, only="ru").rows[0].status == "unchanged"
    with pytest.raises(NotFoundError, match="did you mean ru"):
        run(path, only="ruu")


@pytest.mark.parametrize(
    ("fixture", "lang", "phrase"),
    [("cp1251-ru.rss", "ru", "Новости Жезказгана"), ("kz1048-kk.rss", "kk", "Ұлытау облысында")],
)
def test_one_byte_charsets_end_to_end(
    db_url: str, server: FeedServer, tmp_path: Path, fixture: str, lang: str, phrase: str
) -> None:
    url = server.route("/feed", static(fixture_bytes(fixture), content_type="application/rss+xml"))
    path = feeds_file(tmp_path, {"name": "old-cms", "url": url, "lang": lang})
    report = run(path)
    assert report.new == 2 and "charset repaired" in " ".join(report.rows[0].warnings)
    stored = articles()
    assert any(phrase in a.title for a in stored) and {a.lang for a in stored} == {lang}
    assert not any("Íîâîñòè" in a.title or "Ð" in a.text for a in stored)


def test_missing_fields_nul_bytes_and_empty_feed(
    db_url: str, server: FeedServer, tmp_path: Path
) -> None:
    path = feeds_file(
        tmp_path,
        {
            "name": "missing",
            "url": server.route("/missing.rss", static(fixture_bytes("missing-fields.rss"))),
        },
        {"name": "nul", "url": server.route("/nul.rss", static(fixture_bytes("nul-bytes.rss")))},
        {"name": "empty", "url": server.route("/empty.rss", static(fixture_bytes("empty.rss")))},
        {
            "name": "partial",
            "url": server.route("/partial.rss", static(fixture_bytes("partial.rss"))),
        },
    )
    report = run(path)
    rows = {r.name: r for r in report.rows}
    assert report.ok
    assert (rows["missing"].entries, rows["missing"].new, rows["missing"].skipped) == (5, 4, 1)
    assert {a.lang for a in articles("missing")} == {"ru", "kk"}
    assert any(a.published is None for a in articles("missing"))
    nul = articles("nul")
    assert len(nul) == 2 and rows["nul"].warnings
    assert all("\x00" not in a.text + a.title and "\x01" not in a.text for a in nul)
    assert nul[0].title == "Тараз: в городе открыли сквер"
    assert (rows["empty"].status, rows["empty"].entries, rows["empty"].new) == ("ok", 0, 0)
    assert (
        rows["partial"].new == 2 and "malformed feed, kept 2 entries" in rows["partial"].warnings[0]
    )


ARTICLE_PAGE = """<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>{title}</title></head>
<body><nav><a href="/">Главная</a> | <a href="/news">Новости</a> | <a href="/about">О нас</a></nav>
<article><h1>{title}</h1>
<p>В Бостандыкском районе Алматы открылась новая школа на 1200 мест. Здание построено за два года по
государственной программе, в нём есть бассейн, спортивный зал и современные лаборатории.</p>
<p>По словам акима района, в школе будут работать 90 учителей, а первые ученики придут уже в сентябре.
Ещё три школы в городе откроются до конца года, сообщили в управлении образования.</p>
<p>Жители соседних микрорайонов давно просили построить школу: старые здания переполнены, дети учатся
в три смены.</p>
</article><footer>© 2024 Новости. Все права защищены.</footer></body></html>"""


def test_fulltext_pages_and_fallback(db_url: str, server: FeedServer, tmp_path: Path) -> None:
    page = ARTICLE_PAGE.format(title="В Алматы открылась новая школа").encode()
    good = server.route("/news/school", static(page, content_type=HTML))
    broken = server.url("/news/gone")  # 404: keeps the summary
    feed = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Тест</title>
<item><title>В Алматы открылась новая школа</title><link>{good}</link><description>Коротко: новая школа.</description></item>
<item><title>Страница исчезла</title><link>{broken}</link><description>Только анонс этой новости.</description></item>
</channel></rss>""".encode()
    path = feeds_file(
        tmp_path, {"name": "full", "url": server.route("/full.rss", static(feed)), "fulltext": True}
    )
    report = run(path)
    row = report.rows[0]
    assert (row.new, row.fulltext_pages, row.fulltext_failed) == (2, 2, 1) and report.ok
    assert "1 of 2 pages kept the summary (first: HTTP 404" in row.warnings[0]
    school, gone = articles("full")
    assert "90 учителей" in school.text and "в три смены" in school.text
    assert "Главная" not in school.text and "Все права защищены" not in school.text
    assert school.summary == "Коротко: новая школа."
    assert gone.text == "Только анонс этой новости."
    # pages of articles already stored are not fetched again
    server.route("/full.rss", static(feed + b"\n"))
    assert run(path, force=True).rows[0].fulltext_pages == 0
    assert server.hits("/news/school") == 1


def test_concurrency_is_bounded(
    sqlite_url: str, server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, fetch_concurrency=2)
    lock = threading.Lock()
    active, peak = [0], [0]

    def slow(h: BaseHTTPRequestHandler) -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.15)
        with lock:
            active[0] -= 1
        send(h, 200, fixture_bytes("empty.rss"))

    path = feeds_file(
        tmp_path, *({"name": f"f{i}", "url": server.route(f"/f{i}", slow)} for i in range(6))
    )
    report = run(path)
    assert report.feeds_ok == 6 and peak[0] == 2


def test_health(sqlite_url: str, server: FeedServer, tmp_path: Path) -> None:
    path = feeds_file(
        tmp_path,
        {
            "name": "ok",
            "url": server.route("/ok", static(fixture_bytes("rss-kk.rss"))),
            "lang": "kk",
        },
        {"name": "bad", "url": server.route("/bad", static(b"", status=500))},
        {"name": "new", "url": server.url("/never")},
    )
    run(path, only="ok")
    run(path, only="bad")
    health = {h.name: h for h in feed_health(load_feeds(path))}
    assert (health["ok"].status, health["ok"].items_total, health["ok"].last_error) == (
        "ok",
        3,
        None,
    )
    assert health["bad"].status == "failing" and "HTTP 500" in (health["bad"].last_error or "")
    assert health["new"].status == "never fetched" and health["new"].next_attempt is None


# --- the commands ------------------------------------------------------------------------------


def test_fetch_and_feeds_commands(sqlite_url: str, server: FeedServer, tmp_path: Path) -> None:
    path = feeds_file(
        tmp_path,
        {
            "name": "kk",
            "url": server.route("/kk.rss", static(fixture_bytes("rss-kk.rss"))),
            "lang": "kk",
        },
        {"name": "gone", "url": server.route("/gone", static(b"", status=404))},
    )
    result = runner.invoke(app, ["fetch", "--feeds", str(path)])
    assert result.exit_code == 1, result.output
    assert "gone: error: HTTP 404" in result.stderr
    assert "fetch: 1 feeds ok, 1 failed; articles: 3 new, 0 duplicate" in result.stderr
    result = runner.invoke(app, ["fetch", "--feeds", str(path), "--feed", "kk", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["feeds_ok"], report["feeds_failed"], report["new"]) == (1, 0, 0)
    assert report["feeds"][0]["status"] == "unchanged"
    result = runner.invoke(app, ["feeds", "--feeds", str(path), "--json"])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(x["name"], x["status"], x["items_total"]) for x in lines] == [
        ("kk", "ok", 3),
        ("gone", "failing", 0),
    ]
    result = runner.invoke(app, ["feeds", "--feeds", str(path)])
    assert result.exit_code == 0 and "kk" in result.stdout and "failing" in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds:\n  - name: x\n    url: https://x.kz/rss\n    lang: de\n")
    result = runner.invoke(app, ["fetch", "--feeds", str(bad)])
    assert result.exit_code == 2 and "entry 1 ('x'): field 'lang'" in result.stderr


@pytest.mark.parametrize("command", ["fetch", "feeds"])
def test_help_shows_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and f"Example: newsmon {command}" in result.stdout


def test_no_network_finishes_without_a_traceback(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_env(monkeypatch, allow_private_networks=0, connect_timeout=1)
    path = feeds_file(
        tmp_path,
        {"name": "nowhere", "url": "https://no-such-outlet.invalid/rss"},
        {"name": "local", "url": "http://127.0.0.1:9/rss"},
        {"name": "kk", "url": "http://unreachable.invalid/kaz/rss", "lang": "kk"},
    )
    result = runner.invoke(app, ["fetch", "--feeds", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "nowhere: error: cannot resolve no-such-outlet.invalid" in result.stderr
    assert "local: error:" in result.stderr and "NEWSMON_ALLOW_PRIVATE_NETWORKS" in result.stderr
    assert "fetch: 0 feeds ok, 3 failed" in result.stderr


def test_feeds_failing_and_waiting_are_not_silent(
    sqlite_url: str, server: FeedServer, tmp_path: Path
) -> None:
    """Issue 15 item 7: a rerun while every feed waits out its backoff is no success (exit 1), and a
    feed put off by its failures is told apart from one that is simply not due."""
    down = server.route("/down", static(b"", status=503))
    path = feeds_file(
        tmp_path,
        {"name": "down-ru", "url": down},
        {"name": "down-kk", "url": server.route("/down-kk", static(b"", status=503)), "lang": "kk"},
    )
    first = runner.invoke(app, ["fetch", "--feeds", str(path)])
    assert first.exit_code == 1 and "fetch: 0 feeds ok, 2 failed" in first.stderr
    again = runner.invoke(app, ["fetch", "--feeds", str(path)])  # both wait out their backoff
    assert again.exit_code == 1, again.output
    assert "down-kk: not due: failed 1 times in a row" in again.stderr
    assert "last error: HTTP 503" in again.stderr
    assert "2 not due yet (--force fetches them now) of which 2 failing" in again.stderr
    report = json.loads(runner.invoke(app, ["fetch", "--feeds", str(path), "--json"]).stdout)
    assert [(f["status"], f["failures"]) for f in report["feeds"]] == [("not_due", 1)] * 2
    # a healthy feed that is merely not due, beside one that waits: the run is fine, and says so
    healthy = feeds_file(
        tmp_path,
        {"name": "ru", "url": server.route("/ru.rss", static(fixture_bytes("rss-ru.rss")))},
        {"name": "down-ru", "url": down},
    )
    assert runner.invoke(app, ["fetch", "--feeds", str(healthy), "--feed", "ru"]).exit_code == 0
    mixed = runner.invoke(app, ["fetch", "--feeds", str(healthy)])
    assert mixed.exit_code == 0, mixed.output
    assert "down-ru: not due: failed 1 times" in mixed.stderr
    assert "ru: not due" not in mixed.stderr.replace("down-ru: not due", "")
    assert "2 not due yet (--force fetches them now) of which 1 failing" in mixed.stderr


# --- SIGKILL at any moment, then rerun: every article exactly once --------------------------------

CLI = [sys.executable, "-c", "from newsmon.cli import main; main()"]


class _Counter:
    """Counts stored articles from outside the process under test (0 until its migrations ran)."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(db_url_normalize(url))

    def __call__(self) -> int:
        try:
            with self.engine.connect() as conn:
                return int(conn.execute(sa.text("SELECT count(*) FROM article")).scalar() or 0)
        except sa.exc.DBAPIError:
            return 0


def _kill_when(cmd: list[str], ready: Callable[[], bool], timeout: float = 60) -> bool:
    """Start `cmd`, SIGKILL it as soon as `ready()` holds; True if it was killed before finishing."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy()
    )
    end = time.monotonic() + timeout
    while proc.poll() is None and not ready() and time.monotonic() < end:
        time.sleep(0.01)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    return killed


def _crash_feed(n: int, items: int) -> bytes:
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Лента {n}</title>'
    ]
    for i in range(items):
        kk = i % 3 == 0
        title = (
            f"Жаңалық {n}-{i}: әкім тұрғындармен кездесті"
            if kk
            else f"Новость {n}-{i}: аким встретился с жителями"
        )
        text = (
            "Облыс әкімі ауыл тұрғындарымен кездесіп, жол жөндеу жұмыстары туралы айтты. "
            if kk
            else "Аким области встретился с жителями села и рассказал о ремонте дорог. "
        ) * 3
        parts.append(
            f"<item><title>{title}</title><link>https://crash.kz/{n}/{i}</link>"
            f"<guid>crash-{n}-{i}</guid><description>{text} №{i}</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def test_fetch_killed_at_any_moment_stores_each_article_once(
    db_url: str, server: FeedServer, tmp_path: Path
) -> None:
    feeds, items = 6, 120
    bodies = {n: _crash_feed(n, items) for n in range(feeds)}

    def slow_feed(n: int) -> Callable[[BaseHTTPRequestHandler], None]:
        def handler(h: BaseHTTPRequestHandler) -> None:
            time.sleep(0.05)  # spreads the run out, so kills land between and inside feeds
            send(h, 200, bodies[n], {"Content-Type": "application/rss+xml"})

        return handler

    path = feeds_file(
        tmp_path,
        *(
            {
                "name": f"crash-{n}",
                "url": server.route(f"/crash/{n}", slow_feed(n)),
                "poll_minutes": 0,
            }
            for n in range(feeds)
        ),
    )
    cmd = [*CLI, "fetch", "--feeds", str(path), "--quiet"]
    count = _Counter(db_url)
    killed = []
    base = len(server.requests)
    killed.append(
        _kill_when(cmd, lambda: len(server.requests) > base)
    )  # a feed on the wire, nothing stored
    killed.append(_kill_when(cmd, lambda: count() > 0))  # inside or right after the first commit
    base = len(server.requests)
    killed.append(
        _kill_when(cmd, lambda: len(server.requests) >= base + 4)
    )  # in the middle of a later run
    assert any(killed)
    partial = count()
    done = subprocess.run(cmd, capture_output=True, env=os.environ.copy(), timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    total = feeds * items
    with open_session(db_url) as session:
        urls = session.exec(select(Article.url)).all()
        logs = session.exec(select(FetchLog.status)).all()
    assert len(urls) == total and set(urls) == {
        f"https://crash.kz/{n}/{i}" for n in range(feeds) for i in range(items)
    }
    assert partial <= total and "error" not in logs
    again = run(path)
    assert (again.new, again.feeds_failed) == (0, 0) and count() == total


def test_import_killed_at_any_moment_stores_each_article_once(db_url: str, tmp_path: Path) -> None:
    total = 1500
    lines = []
    for i in range(total):
        kk = i % 4 == 0
        lines.append(
            json.dumps(
                {
                    "url": f"https://import.kz/{'kk' if kk else 'ru'}/{i}",
                    "title": (f"Әкім кездесуі №{i}" if kk else f"Встреча акима №{i}"),
                    "text": (
                        "Облыс әкімі тұрғындармен кездесті. "
                        if kk
                        else "Аким встретился с жителями. "
                    )
                    * 4,
                    "published": "2024-04-16T10:00:00+05:00",
                    "source": "import.kz",
                },
                ensure_ascii=False,
            )
        )
    data = tmp_path / "big.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cmd = [*CLI, "import", str(data), "--quiet"]
    count = _Counter(db_url)
    killed = [
        _kill_when(cmd, lambda: count() > 0),
        _kill_when(cmd, lambda: count() > total // 2),
    ]
    assert any(killed)
    done = subprocess.run(cmd, capture_output=True, env=os.environ.copy(), timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    with open_session(db_url) as session:
        urls = session.exec(select(Article.url)).all()
    assert len(urls) == total and len(set(urls)) == total


# ---------------------------------------------------------------- issue 14, finding 7: a full-text budget
def _fulltext_feed(server: FeedServer, n: int, page: Callable[[int], Any]) -> bytes:
    items = []
    for i in range(n):
        link = server.route(f"/slow/{i}", page(i))
        items.append(
            f"<item><title>Новость номер {i}</title><link>{link}</link>"
            f"<description>Анонс новости {i}.</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def _trickle(server: FeedServer) -> Callable[[BaseHTTPRequestHandler], None]:
    """A page that sends a byte every 0.3 s and never ends: only the total timeout stops it."""

    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", HTML)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        while not server.stop.wait(0.3):
            try:
                h.wfile.write(b" ")
                h.wfile.flush()
            except OSError:
                return

    return handler


def test_fulltext_budget_cuts_a_hostile_feed(
    db_url: str, server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 7: a feed of pages that trickle forever held `newsmon run` for total_timeout per page
    (days for a large feed); the feed's time budget now ends the page being fetched and leaves the
    rest for the next run, their items unstored (so they are fetched then)."""
    set_env(monkeypatch, total_timeout=30, fulltext_budget_seconds=1.5)
    feed = _fulltext_feed(server, 4, lambda i: _trickle(server))
    path = feeds_file(
        tmp_path, {"name": "slow", "url": server.route("/slow.rss", static(feed)), "fulltext": True}
    )
    row = run(path).rows[0]
    assert row.status == "ok" and row.new == 0 and row.entries == 4
    assert (row.fulltext_pages, row.fulltext_deferred) == (0, 4)
    assert "4 pages left for the next run" in row.warnings[-1]
    assert server.hits("/slow/0") == 1 and server.hits("/slow/1") == 0
    assert articles("slow") == []
    st = state("slow")
    assert st.content_hash is None and st.etag is None
    assert st.next_attempt is not None and st.next_attempt <= datetime.now(UTC)


def test_fulltext_entries_are_stored_as_they_arrive_and_the_rest_next_run(
    db_url: str, server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 7: each article is stored as its page arrives (was: nothing until the feed ended), at
    most fulltext_max_pages pages per run, the rest on the next runs: each article once, each page
    fetched once, the feed due again at once while pages are left."""
    set_env(monkeypatch, fulltext_max_pages=2)
    seen: list[int] = []  # articles of the feed stored when each page was asked for

    def page(i: int) -> Callable[[BaseHTTPRequestHandler], None]:
        body = ARTICLE_PAGE.format(title=f"Новость номер {i}").encode()

        def stored() -> int:
            with open_session(db_url) as session:
                query = select(Article.id).where(Article.url.like("%/slow/%"))  # type: ignore[attr-defined]
                return len(session.exec(query).all())

        def handler(h: BaseHTTPRequestHandler) -> None:
            # the main thread stores each page's article while the next page is asked for: give it
            # up to 3 s to catch up with the pages served so far
            deadline = time.monotonic() + 3
            while stored() < len(seen) and time.monotonic() < deadline:
                time.sleep(0.02)
            seen.append(stored())
            send(h, 200, body, {"Content-Type": HTML})

        return handler

    feed = _fulltext_feed(server, 5, page)
    url = server.route("/slow.rss", static(feed, ETag='"v1"'))
    path = feeds_file(tmp_path, {"name": "slow", "url": url, "fulltext": True})
    # not forced: the feed is due again at once while pages are left
    rows = [run(path).rows[0] for _ in range(3)]
    assert [(r.new, r.fulltext_pages, r.fulltext_deferred) for r in rows] == [
        (2, 2, 3),
        (2, 2, 1),
        (1, 1, 0),
    ]
    assert seen == [0, 1, 2, 3, 4]
    assert [server.hits(f"/slow/{i}") for i in range(5)] == [1] * 5
    stored = articles("slow")
    assert len(stored) == 5 and all("90 учителей" in a.text for a in stored)
    assert state("slow").etag == '"v1"'  # validators kept once nothing is left
    assert run(path).rows[0].status == "not_due"
    again = run(path, force=True).rows[0]
    assert again.new == 0 and again.fulltext_pages == 0 and len(articles("slow")) == 5
