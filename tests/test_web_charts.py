"""Issue 14, finding 6: /coverage.png is drawn once per query (until the stored data change), off the
request threads, with at most settings.web_chart_workers renders at once and a bounded queue."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from digest_support import add_fact
from fastapi.testclient import TestClient
from feedserver import set_env
from sqlmodel import select
from web_support import DAY, KATON, WATCHLIST, web_db  # noqa: F401 - web_db is a fixture

from newsmon.ingest.importer import import_jsonl
from newsmon.store.db import open_session
from newsmon.store.models import Article
from newsmon.web import charts, create_app

CHART = {"since": "2024-11-14", "until": DAY, "by": "day"}


@pytest.fixture
def client(web_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    set_env(monkeypatch, web_chart_workers=2, web_chart_queue=4)
    app = create_app(web_db, watchlist=WATCHLIST)
    app.state.charts.fingerprint_seconds = 0  # see a change at once (the default waits up to 1 s)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


class Spy:
    """Wraps render_chart: records the threads it ran on and the most renders at once; `gate` holds
    every render until set."""

    def __init__(self) -> None:
        self.real = charts.render_chart
        self.threads: list[str] = []
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, report: Any, **kwargs: Any) -> bytes:
        with self.lock:
            self.threads.append(threading.current_thread().name)
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            self.gate.wait(30)
            return self.real(report, **kwargs)
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    s = Spy()
    monkeypatch.setattr(charts, "render_chart", s)
    return s


def test_a_chart_is_drawn_once_per_query(client: TestClient, spy: Spy) -> None:
    """Finding 6: every request redrew the chart; now the second is served from the cache."""
    first = client.get("/coverage.png", params=CHART)
    second = client.get("/coverage.png", params=CHART)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and first.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(spy.threads) == 1
    assert client.get("/coverage.png", params={**CHART, "by": "source"}).status_code == 200
    assert len(spy.threads) == 2
    etag = first.headers["etag"]
    again = client.get("/coverage.png", params=CHART, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag
    assert again.headers["x-content-type-options"] == "nosniff"


def test_charts_are_drawn_off_the_request_threads(client: TestClient, spy: Spy) -> None:
    """Finding 6: the chart pool draws, not the server's request threads."""
    assert client.get("/coverage.png", params={**CHART, "by": "region"}).status_code == 200
    assert spy.threads and all(name.startswith("chart") for name in spy.threads), spy.threads


def test_concurrent_renders_are_bounded(client: TestClient, spy: Spy) -> None:
    """Finding 6: the same chart asked for by five clients at once is drawn once; 2 renders at most
    run at once and 4 charts at most are in the pool (web_chart_queue); more is a 503 with Retry-After."""
    spy.gate.clear()
    queries = [{**CHART, "since": f"2024-11-{day:02d}"} for day in range(1, 11)]
    with ThreadPoolExecutor(max_workers=len(queries) + 5) as pool:
        same = [pool.submit(client.get, "/coverage.png", params=queries[0]) for _ in range(5)]
        _wait_for(lambda: spy.running == 1)
        others = [pool.submit(client.get, "/coverage.png", params=p) for p in queries[1:]]
        _wait_for(lambda: sum(f.done() for f in others) >= len(others) - 3)
        early = [f.result() for f in others if f.done()]
        spy.gate.set()
        answers = [f.result(timeout=60) for f in same + others]
    assert len(early) == len(others) - 3 and all(r.status_code == 503 for r in early)
    assert all(r.headers["retry-after"].isdigit() and "ask again" in r.text for r in early)
    assert [r.status_code for r in answers].count(200) == 5 + 3
    assert len({r.content for r in answers[:5]}) == 1
    assert spy.most <= 2
    assert len(spy.threads) == 4  # one for the five identical requests, three for the others


def _wait_for(condition: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_a_waiter_going_away_does_not_cancel_the_shared_render(
    client: TestClient, spy: Spy
) -> None:
    """Finding 6: two requests share one render; the first client disconnecting (its asyncio
    wrap_future cancelled) must not cancel the render the second one waits for."""
    import asyncio
    from datetime import date

    from newsmon.watchlist import load_watchlist

    cache = client.app.state.charts  # type: ignore[attr-defined]
    watchlist = load_watchlist(WATCHLIST)
    spy.gate.clear()
    first = cache.chart(watchlist, date(2024, 11, 14), date(2024, 11, 20), "day", None)
    second = cache.chart(watchlist, date(2024, 11, 14), date(2024, 11, 20), "day", None)
    assert first is second  # one render for both

    async def leave_early() -> None:
        waiter = asyncio.ensure_future(asyncio.wrap_future(first))
        await asyncio.sleep(0.05)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter

    asyncio.run(leave_early())
    spy.gate.set()
    png, etag = second.result(timeout=60)
    assert png.startswith(b"\x89PNG") and etag and not second.cancelled()


def test_the_cache_follows_the_stored_data(
    client: TestClient,
    spy: Spy,
    web_db: str,
    tmp_path: Path,
) -> None:
    """Finding 6: a new article (or new facts) invalidates reports and charts."""
    before = client.get("/api/v1/coverage", params=CHART).json()
    png = client.get("/coverage.png", params=CHART)
    assert len(spy.threads) == 1
    with open_session(web_db) as session:
        title = session.exec(select(Article.title)).first()
    lines = tmp_path / "new.jsonl"
    new = {
        "url": "https://cache.example/1",
        "title": "Новость",
        "text": f"{title} и снова.",
        "published": "2024-11-19T10:00:00+05:00",
        "lang": "ru",
    }
    lines.write_text(json.dumps(new, ensure_ascii=False) + "\n", encoding="utf-8")
    assert import_jsonl(lines, database_url=web_db).new == 1
    after = client.get("/api/v1/coverage", params=CHART).json()
    assert after["articles"] == before["articles"] + 1
    redrawn = client.get("/coverage.png", params=CHART)
    assert len(spy.threads) == 2 and redrawn.headers["etag"] != png.headers["etag"]
    # new facts (an extraction run) too: the region of an article comes from its facts
    with open_session(web_db) as session:
        art = session.exec(select(Article).where(Article.url == new["url"])).one()
        add_fact(session, art, "territory", "Новость", {"territory": KATON})
        session.commit()
    assert client.get("/coverage.png", params=CHART).status_code == 200
    assert len(spy.threads) == 3


# ---------------------------------------------------------------- issue 15 item 5: the chart's language
@pytest.mark.parametrize(
    "lang, words", [("ru", ["упоминания", "по дням", "упоминаний"]), ("kk", ["аталымдар", "күн"])]
)
def test_chart_words_follow_the_interface_language(
    web_db: str, lang: str, words: list[str]
) -> None:
    from datetime import date

    from newsmon.coverage import chart_figure, coverage
    from newsmon.watchlist import load_watchlist

    wl = load_watchlist(WATCHLIST)
    report = coverage(wl, date(2024, 11, 14), date(2024, 11, 20), "day", database_url=web_db)
    ax = chart_figure(report, lang=lang).axes[0]
    shown = f"{ax.get_title()} {ax.get_ylabel()}"
    assert all(w in shown for w in words), shown
    assert "mentions" not in shown and "Watchlist" not in shown
    english = chart_figure(report).axes[0]
    assert "mentions" in english.get_title()  # the CLI's chart stays English


def test_coverage_page_asks_for_its_chart_in_its_language(client: TestClient, spy: Spy) -> None:
    tags = {}
    for ui in ("ru", "kk"):
        page = client.get("/coverage", params={**CHART, "ui": ui})
        assert page.status_code == 200 and f"lang={ui}" in page.text
        png = client.get("/coverage.png", params={**CHART, "lang": ui})
        assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
        tags[ui] = png.headers["etag"]
    assert tags["ru"] != tags["kk"] and len(spy.threads) == 2  # one drawing per language
