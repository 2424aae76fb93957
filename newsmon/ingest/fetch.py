"""The fetch stage: every due feed fetched, parsed and stored, one transaction per feed.

Feeds are fetched concurrently (settings.fetch_concurrency threads sharing one Fetcher, so the
per-host delay holds across them); the main thread stores each result as it arrives: the articles,
the feed's state and a fetch_log row commit together, so a run killed at any moment leaves each
feed either fully recorded or untouched, and the next run adds exactly what is missing.

Full-text feeds are the exception: each article is stored as soon as its page is fetched (a feed of
many slow pages must not hold everything back), within a time budget and a page cap per feed and run
(settings.fulltext_budget_seconds, fulltext_max_pages). Pages left over are fetched on the next run:
their items are not stored, the feed's validators are dropped so the next run reads the feed again,
and the feed is due at once. A run killed midway leaves some of a feed's articles stored and the feed
unrecorded; the next run stores the rest, never an article twice (articles are unique by URL).
"""

from __future__ import annotations

import difflib
import logging
import queue
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, or_, select

from newsmon.errors import FetchError, NotFoundError
from newsmon.ingest.articles import ArticleIn, StoreResult, get_or_create_source, store_articles
from newsmon.ingest.feeds import FeedsFile, FeedSpec
from newsmon.ingest.fulltext import FulltextReport, fetch_fulltext
from newsmon.ingest.http import Fetcher, HTTPStatusError, Response
from newsmon.ingest.parse import ParsedFeed, parse_feed
from newsmon.ingest.urls import normalize_url
from newsmon.settings import Settings, get_settings
from newsmon.store.db import open_session
from newsmon.store.models import Article, FeedState, FetchLog, Source, utcnow

log = logging.getLogger(__name__)

OK_STATUSES = ("ok", "not_modified", "unchanged")
MAX_BACKOFF_EXPONENT = 40  # 2**40 * any sane base is far past backoff_max; keeps the float finite


def retry_delay(
    failures: int, retry_after: float | None = None, settings: Settings | None = None
) -> float:
    """Seconds until the next attempt after `failures` failures in a row: backoff_base * 2^(n-1),
    at least the server's Retry-After, never more than backoff_max."""
    s = settings or get_settings()
    delay = s.backoff_base * 2.0 ** min(max(failures - 1, 0), MAX_BACKOFF_EXPONENT)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, s.backoff_max)


@dataclass
class FeedRow:
    """What happened to one feed in this run."""

    name: str
    url: str
    lang: str
    status: str  # ok | not_modified | unchanged | error | not_due
    http_status: int | None = None
    entries: int = 0  # entries in the feed body
    new: int = 0
    duplicates: int = 0
    skipped: int = 0  # entries without a usable link (or title and text)
    fulltext_pages: int = 0
    fulltext_failed: int = 0  # pages that fell back to the feed summary
    fulltext_deferred: int = 0  # pages left for the next run (time budget or page cap)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    next_attempt: datetime | None = None
    seconds: float = 0.0
    failures: int = 0  # a feed not due: the failed attempts in a row that put off its next one
    last_error: str | None = None  # ... and the last of them

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    @property
    def backing_off(self) -> bool:
        """Not due because it kept failing (waiting out its backoff), not because it is up to date."""
        return self.status == "not_due" and self.failures > 0


@dataclass
class FetchReport:
    rows: list[FeedRow] = field(default_factory=list)

    def _count(self, *statuses: str) -> int:
        return sum(1 for r in self.rows if r.status in statuses)

    @property
    def feeds_ok(self) -> int:
        return self._count(*OK_STATUSES)

    @property
    def feeds_failed(self) -> int:
        return self._count("error")

    @property
    def feeds_not_due(self) -> int:
        return self._count("not_due")

    @property
    def feeds_backing_off(self) -> int:
        return sum(1 for r in self.rows if r.backing_off)

    @property
    def new(self) -> int:
        return sum(r.new for r in self.rows)

    @property
    def duplicates(self) -> int:
        return sum(r.duplicates for r in self.rows)

    @property
    def ok(self) -> bool:
        """No feed failed in this run, and not every feed is failing: a run in which each feed was
        skipped while it waits out the backoff of its failures fetched nothing and is no success."""
        every_feed_failing = bool(self.rows) and all(
            r.status == "error" or r.backing_off for r in self.rows
        )
        return self.feeds_failed == 0 and not every_feed_failing

    def summary(self) -> str:
        line = f"fetch: {self.feeds_ok} feeds ok, {self.feeds_failed} failed"
        if self.feeds_not_due:
            line += f", {self.feeds_not_due} not due yet (--force fetches them now)"
            if self.feeds_backing_off:
                line += f" of which {self.feeds_backing_off} failing, waiting to retry"
        return line + f"; articles: {self.new} new, {self.duplicates} duplicate"

    def as_dict(self) -> dict[str, Any]:
        return {
            "feeds_ok": self.feeds_ok,
            "feeds_failed": self.feeds_failed,
            "feeds_not_due": self.feeds_not_due,
            "new": self.new,
            "duplicates": self.duplicates,
            "feeds": [
                {
                    **asdict(r),
                    "next_attempt": r.next_attempt.isoformat() if r.next_attempt else None,
                }
                for r in self.rows
            ],
        }


@dataclass
class _Outcome:
    """What a worker brings back from the network for one feed (nothing stored yet)."""

    spec: FeedSpec
    started: datetime
    status: str
    response: Response | None = None
    parsed: ParsedFeed | None = None
    items: list[ArticleIn] = field(default_factory=list)
    http_status: int | None = None
    error: str | None = None
    retry_after: float | None = None
    fulltext: FulltextReport | None = None
    seconds: float = 0.0


def _unknown_items(
    database_url: str | None, source_id: int, items: list[ArticleIn]
) -> list[ArticleIn]:
    """The items not stored yet (by normalized URL or guid): only their pages are worth fetching."""
    norms = {normalize_url(i.url) for i in items}
    guids = {i.guid for i in items if i.guid}
    with open_session(database_url) as session:
        rows = session.exec(
            select(Article.url_norm, Article.guid).where(
                or_(
                    Article.url_norm.in_(norms),  # type: ignore[attr-defined]
                    (Article.source_id == source_id) & Article.guid.in_(guids),  # type: ignore[union-attr]
                )
            )
        ).all()
    known_norms = {r[0] for r in rows}
    known_guids = {r[1] for r in rows if r[1]}
    return [
        i for i in items if normalize_url(i.url) not in known_norms and i.guid not in known_guids
    ]


def _work(
    fetcher: Fetcher,
    spec: FeedSpec,
    source_id: int,
    validators: tuple[str | None, str | None, str | None],
    database_url: str | None,
    deliver: Callable[[ArticleIn], None] | None = None,
) -> _Outcome:
    """Fetch, parse and (fulltext feeds) complete one feed; any failure becomes an error outcome.

    A fulltext feed's new items go to `deliver` one by one as their pages are fetched (the main thread
    stores them); the outcome keeps only the items already stored (counted as duplicates)."""
    etag, last_modified, old_hash = validators
    t0 = time.monotonic()
    out = _Outcome(spec=spec, started=utcnow(), status="error")
    try:
        response = fetcher.get(spec.url, etag=etag, last_modified=last_modified)
        out.response, out.http_status = response, response.status
        if response.not_modified:
            out.status = "not_modified"
        elif old_hash is not None and response.content_hash == old_hash:
            # a 200 with the body we already stored: the server ignored our validators
            out.status = "unchanged"
        else:
            out.parsed = parse_feed(response.content, response.headers, response.url)
            out.items = out.parsed.items
            if spec.fulltext and out.items:
                s = fetcher.settings
                fresh = _unknown_items(database_url, source_id, out.items)
                completed, out.fulltext = fetch_fulltext(
                    fetcher,
                    fresh,
                    deadline=time.monotonic() + s.fulltext_budget_seconds,
                    max_pages=s.fulltext_max_pages,
                    on_item=deliver,
                )
                handled = {id(i) for i in fresh}
                if deliver is None:  # nobody stores as they arrive: store them with the feed
                    out.items = [i for i in out.items if id(i) not in handled] + completed
                else:
                    out.items = [i for i in out.items if id(i) not in handled]
            out.status = "ok"
    except HTTPStatusError as exc:
        out.http_status, out.error, out.retry_after = exc.status, str(exc), exc.retry_after
    except FetchError as exc:
        out.error = str(exc)
    except Exception as exc:
        # one feed's unexpected failure must not stop the others
        log.exception("feed %s failed unexpectedly", spec.name)
        out.error = f"unexpected {type(exc).__name__}: {exc}"
    out.seconds = time.monotonic() - t0
    return out


def _store(
    session: Session,
    source: Source,
    state: FeedState,
    out: _Outcome,
    s: Settings,
    early: StoreResult | None = None,
) -> FeedRow:
    """Articles, feed state and the log row of one outcome, in one transaction (`early`: what was
    stored of this feed before, as full-text pages arrived)."""
    now = utcnow()
    spec = out.spec
    assert source.id is not None
    row = FeedRow(
        name=spec.name,
        url=spec.url,
        lang=spec.lang,
        status=out.status,
        http_status=out.http_status,
        error=out.error,
        seconds=round(out.seconds, 3),
    )
    state.last_attempt = now
    if out.status == "error":
        state.consecutive_failures += 1
        state.last_error, state.last_error_at = out.error, now
        state.next_attempt = now + timedelta(
            seconds=retry_delay(state.consecutive_failures, out.retry_after, s)
        )
    else:
        result = StoreResult()
        if out.items:
            result = store_articles(
                session,
                source,
                out.items,
                lang_hint=spec.lang,
                now=now,
                title_dedup_days=s.title_dedup_days,
            )
        if early is not None:
            result += early
        if out.parsed is not None:
            row.entries, row.skipped = out.parsed.entries, len(out.parsed.skipped)
            row.warnings = list(out.parsed.warnings)
            state.last_items = out.parsed.entries
        deferred = 0
        if out.fulltext is not None:
            row.fulltext_pages, row.fulltext_failed = out.fulltext.pages, len(out.fulltext.failed)
            row.fulltext_deferred = deferred = len(out.fulltext.deferred)
            if out.fulltext.failed:
                row.warnings.append(
                    f"{len(out.fulltext.failed)} of {out.fulltext.pages} pages kept the summary "
                    f"(first: {out.fulltext.failed[0][1]})"
                )
            if deferred:
                row.warnings.append(
                    f"{deferred} pages left for the next run (fulltext_budget_seconds "
                    f"{s.fulltext_budget_seconds:g}, fulltext_max_pages {s.fulltext_max_pages})"
                )
        resp = out.response
        if deferred:
            # read the whole feed again next run, at once: its left-over items are stored then
            state.etag = state.last_modified = state.content_hash = None
        elif resp is not None and out.status == "not_modified":
            state.etag, state.last_modified = (
                resp.etag or state.etag,
                resp.last_modified or state.last_modified,
            )
        elif resp is not None:
            state.etag, state.last_modified = resp.etag, resp.last_modified
            if out.status == "ok":
                state.content_hash = resp.content_hash
        row.new, row.duplicates = result.new, result.duplicates
        state.items_total += result.new
        state.last_success, state.consecutive_failures = now, 0
        state.next_attempt = now if deferred else now + timedelta(minutes=spec.poll_minutes)
    row.next_attempt = state.next_attempt
    session.add(state)
    session.add(
        FetchLog(
            source_id=source.id,
            started=out.started,
            finished=now,
            status=row.status,
            http_status=row.http_status,
            error=row.error,
            entries=row.entries,
            new=row.new,
            duplicates=row.duplicates,
        )
    )
    session.commit()
    for warning in row.warnings:  # reported in the row; logged for long-running callers
        log.info("feed %s: %s", spec.name, warning)
    return row


def _store_early(
    session: Session, source: Source, spec: FeedSpec, item: ArticleIn, title_dedup_days: int
) -> tuple[StoreResult, str | None]:
    """One full-text item stored and committed as it arrives; (result, why it failed or None)."""
    try:
        result = store_articles(
            session, source, [item], lang_hint=spec.lang, title_dedup_days=title_dedup_days
        )
        session.commit()
    except Exception as exc:
        # one item's storage failure is reported with its feed
        session.rollback()
        log.exception("storing %s of feed %s failed", item.url, spec.name)
        return StoreResult(), f"storing {item.url} failed: {type(exc).__name__}: {exc}"
    return result, None


def _record(
    session: Session,
    sources: dict[str, Source],
    out: _Outcome,
    s: Settings,
    early: StoreResult | None = None,
    early_errors: Sequence[str] = (),
) -> FeedRow:
    source = sources[out.spec.name]
    assert source.id is not None
    state = session.get(FeedState, source.id) or FeedState(source_id=source.id)
    try:
        row = _store(session, source, state, out, s, early)
        row.warnings.extend(early_errors)
        return row
    except Exception as exc:
        # a storage failure is this feed's error, not the run's
        session.rollback()
        log.exception("storing feed %s failed", out.spec.name)
        failed = _Outcome(
            spec=out.spec,
            started=out.started,
            status="error",
            http_status=out.http_status,
            error=f"storing failed: {type(exc).__name__}: {exc}",
            seconds=out.seconds,
        )
        state = session.get(FeedState, source.id) or FeedState(source_id=source.id)
        return _store(session, source, state, failed, s, early)


def _select(feeds: FeedsFile | Sequence[FeedSpec], only: str | None) -> list[FeedSpec]:
    specs = list(feeds)
    if only is None:
        return specs
    chosen = [f for f in specs if f.name == only]
    if not chosen:
        close = difflib.get_close_matches(only, [f.name for f in specs], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise NotFoundError(f"no feed named {only!r}{hint}")
    return chosen


def fetch_feeds(
    feeds: FeedsFile | Sequence[FeedSpec],
    *,
    only: str | None = None,
    force: bool = False,
    database_url: str | None = None,
    on_start: Callable[[int], None] | None = None,
    on_feed: Callable[[FeedRow], None] | None = None,
) -> FetchReport:
    """Fetch every due feed (`only`: just that one, due or not; `force`: all of them) and store what
    is new. Failures are recorded per feed with a growing delay; they never stop the other feeds."""
    s = get_settings()
    specs = _select(feeds, only)
    report = FetchReport()
    with open_session(database_url) as session:
        sources: dict[str, Source] = {}
        states: dict[str, FeedState] = {}
        for spec in specs:
            source = get_or_create_source(
                session, spec.name, url=spec.url, lang=spec.lang, region=spec.region
            )
            session.flush()
            assert source.id is not None
            state = session.get(FeedState, source.id)
            if state is None:
                state = FeedState(source_id=source.id)
                session.add(state)
            sources[spec.name], states[spec.name] = source, state
        session.commit()

        now = utcnow()
        due: list[FeedSpec] = []
        for spec in specs:
            nxt = states[spec.name].next_attempt
            if force or only is not None or nxt is None or nxt <= now:
                due.append(spec)
            else:
                report.rows.append(
                    FeedRow(
                        name=spec.name,
                        url=spec.url,
                        lang=spec.lang,
                        status="not_due",
                        next_attempt=nxt,
                        failures=states[spec.name].consecutive_failures,
                        last_error=states[spec.name].last_error
                        if states[spec.name].consecutive_failures
                        else None,
                    )
                )
        if on_start:
            on_start(len(due))
        if not due:
            return report
        with (
            Fetcher(s) as fetcher,
            ThreadPoolExecutor(
                max_workers=max(1, min(s.fetch_concurrency, len(due))), thread_name_prefix="fetch"
            ) as pool,
        ):
            # workers post ("item", spec, item) as full-text pages arrive, ("done", spec, future) at
            # the end; only this thread writes to the database
            events: queue.Queue[tuple[str, FeedSpec, Any]] = queue.Queue()
            for spec in due:
                st = states[spec.name]
                validators = (st.etag, st.last_modified, st.content_hash)
                src_id = sources[spec.name].id
                assert src_id is not None
                future = pool.submit(
                    _work,
                    fetcher,
                    spec,
                    src_id,
                    validators,
                    database_url,
                    lambda item, spec=spec: events.put(("item", spec, item)),  # type: ignore[misc]
                )
                future.add_done_callback(lambda f, spec=spec: events.put(("done", spec, f)))  # type: ignore[misc]
            early: dict[str, StoreResult] = defaultdict(StoreResult)
            early_errors: dict[str, list[str]] = defaultdict(list)
            left = len(due)
            while left:
                what, spec, payload = events.get()
                if what == "item":
                    result, error = _store_early(
                        session, sources[spec.name], spec, payload, s.title_dedup_days
                    )
                    early[spec.name] += result
                    if error:
                        early_errors[spec.name].append(error)
                    continue
                left -= 1
                row = _record(
                    session,
                    sources,
                    payload.result(),
                    s,
                    early.pop(spec.name, None),
                    early_errors.pop(spec.name, []),
                )
                report.rows.append(row)
                if on_feed:
                    on_feed(row)
    order = {spec.name: i for i, spec in enumerate(specs)}
    report.rows.sort(key=lambda r: order[r.name])
    return report


@dataclass
class FeedHealth:
    """One feed's health as `newsmon feeds` shows it."""

    name: str
    url: str
    lang: str
    fulltext: bool
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    next_attempt: datetime | None = None
    items_total: int = 0
    last_items: int = 0

    @property
    def status(self) -> str:
        if self.last_attempt is None:
            return "never fetched"
        return "failing" if self.consecutive_failures else "ok"

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = self.status
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in d.items()}


def feed_health(
    feeds: FeedsFile | Sequence[FeedSpec], database_url: str | None = None
) -> list[FeedHealth]:
    """Each feed of the file with what the store knows about it (read only)."""
    specs = list(feeds)
    with open_session(database_url) as session:
        rows = session.exec(
            select(Source, FeedState)
            .join(FeedState, FeedState.source_id == Source.id, isouter=True)  # type: ignore[arg-type]
            .where(Source.name.in_([f.name for f in specs]))  # type: ignore[attr-defined]
        ).all()
    known = {src.name: st for src, st in rows}
    out = []
    for spec in specs:
        health = FeedHealth(name=spec.name, url=spec.url, lang=spec.lang, fulltext=spec.fulltext)
        st = known.get(spec.name)
        if st is not None:
            for key in (
                "last_attempt",
                "last_success",
                "last_error",
                "last_error_at",
                "consecutive_failures",
                "next_attempt",
                "items_total",
                "last_items",
            ):
                setattr(health, key, getattr(st, key))
        out.append(health)
    return out
