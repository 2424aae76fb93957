"""Coverage reports and charts for the web, computed once per query and kept until the stored data
change. Charts are rendered off the request threads, in a pool of settings.web_chart_workers threads;
at most settings.web_chart_queue renders wait at once (more is a 503 with Retry-After), and concurrent
requests for one chart share one render.

Measured before (issue 14, finding 6): redrawing on every request, 20 clients asking for charts had a
median of 7 s and cut the API's throughput by two thirds.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from fastapi import HTTPException

from newsmon.coverage import CoverageReport, coverage, render_chart
from newsmon.settings import Settings, get_settings
from newsmon.store.db import open_session

T = TypeVar("T")
FINGERPRINT_SECONDS = (
    1.0  # the stored data are looked at at most this often (a change shows after it)
)
BUSY_RETRY_SECONDS = 5


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any:
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        return None

    def put(self, key: Hashable, value: Any) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


class ChartCache:
    """Coverage reports and PNG charts of one database and watchlist, keyed by query and by a fingerprint
    of the stored articles and facts and of the watchlist file."""

    def __init__(
        self,
        database_url: str | None,
        watchlist: Path | None,
        settings: Settings | None = None,
        *,
        fingerprint_seconds: float = FINGERPRINT_SECONDS,
    ) -> None:
        s = settings or get_settings()
        self.database_url = database_url
        self.watchlist = watchlist
        self.fingerprint_seconds = fingerprint_seconds
        self.queue_max = s.web_chart_queue
        self._reports = _LRU(s.web_chart_cache)
        self._pngs = _LRU(s.web_chart_cache)
        self._pending: dict[Hashable, Future[Any]] = {}
        self._renders = 0  # charts waiting for or in the pool
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=s.web_chart_workers, thread_name_prefix="chart")
        self._fingerprint: tuple[Any, ...] | None = None
        self._fingerprint_at = -1e9
        self.rendered = 0  # charts drawn (for tests and logs)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------ what the cache depends on
    def fingerprint(self) -> tuple[Any, ...]:
        """The newest article, extraction and fact, and the watchlist file's size and time: articles
        and facts are only added (a re-extraction deletes an article's facts and inserts new ones, and
        stamps extracted_at), so these change whenever a report could. Three index lookups."""
        now = time.monotonic()
        with self._lock:
            if (
                self._fingerprint is not None
                and now - self._fingerprint_at < self.fingerprint_seconds
            ):
                return self._fingerprint
        with open_session(self.database_url) as session:
            row = session.execute(
                sa.text(
                    "SELECT (SELECT max(id) FROM article), (SELECT max(extracted_at) FROM article), "
                    "(SELECT max(id) FROM fact)"
                )
            ).one()
        stat = self.watchlist.stat() if self.watchlist and self.watchlist.is_file() else None
        found = (*row, stat.st_mtime_ns if stat else None, stat.st_size if stat else None)
        with self._lock:
            if found != self._fingerprint:  # data changed: nothing cached still holds
                self._reports.items.clear()
                self._pngs.items.clear()
            self._fingerprint, self._fingerprint_at = found, now
        return found

    # ------------------------------------------------------------ single flight
    def _once(self, cache: _LRU, key: Hashable, compute: Callable[[], T], pool: bool) -> Future[T]:
        """The cached value of `key`, else the computation already under way, else a new one: on this
        thread, or in the chart pool when `pool` (bounded: a full queue is a 503)."""
        with self._lock:
            hit = cache.get(key)
            if hit is not None:
                done: Future[T] = Future()
                done.set_result(hit)
                return done
            if key in self._pending:
                return self._pending[key]
            if pool and self._renders >= self.queue_max:
                raise HTTPException(
                    503,
                    f"{self._renders} charts are being drawn; ask again in a few seconds",
                    headers={"Retry-After": str(BUSY_RETRY_SECONDS)},
                )
            future: Future[T] = Future()
            # running from now on: a waiter that goes away (a client disconnect cancels its
            # asyncio.wrap_future) cannot cancel the render every other waiter shares
            future.set_running_or_notify_cancel()
            self._pending[key] = future
            if pool:
                self._renders += 1

        def run() -> None:
            try:
                value = compute()
            except BaseException as exc:  # noqa: BLE001 - handed to every waiter, raised there
                with self._lock:
                    self._pending.pop(key, None)
                    self._renders -= pool
                future.set_exception(exc)
                return
            with self._lock:
                cache.put(key, value)
                self._pending.pop(key, None)
                self._renders -= pool
            future.set_result(value)

        if pool:
            self._pool.submit(run)
        else:
            run()
        return future

    # ------------------------------------------------------------ reports and charts
    def report(
        self, watchlist: Any, since: date, until: date, by: str, entity: str | None
    ) -> CoverageReport:
        """The coverage report of this query (computed on the calling thread when not cached)."""
        key = ("report", self.fingerprint(), since, until, by, entity)
        return self._once(
            self._reports,
            key,
            lambda: coverage(watchlist, since, until, by, entity, database_url=self.database_url),
            pool=False,
        ).result()

    def chart(
        self,
        watchlist: Any,
        since: date,
        until: date,
        by: str,
        entity: str | None,
        lang: str = "en",
    ) -> Future[tuple[bytes, str]]:
        """The PNG of this query and its ETag, drawn in the chart pool when not cached; its title
        and labels in `lang`."""
        key = ("png", self.fingerprint(), since, until, by, entity, lang)

        def draw() -> tuple[bytes, str]:
            png = render_chart(self.report(watchlist, since, until, by, entity), lang=lang)
            with self._lock:
                self.rendered += 1
            return png, '"' + hashlib.sha256(repr(key).encode() + png).hexdigest()[:32] + '"'

        return self._once(self._pngs, key, draw, pool=True)
