"""`newsmon extract` and `newsmon worker`: articles not yet processed by the current extractor → facts.

Work is claimed in batches with a lease (`claimed_by`, `claim_expires` on the article): the claim is
one UPDATE over a sub-select (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so any number of workers on
any number of machines share one database without taking the same article. A batch's old facts are
deleted, its new facts inserted and its articles marked in one transaction, and only for articles the
worker still holds, so an article is extracted exactly once; a worker killed mid-batch loses nothing:
its lease expires and another worker takes the batch.

On SQLite every worker also holds a liveness lock (`<database>.workers/<name>.lock`, an exclusive
flock the kernel drops when the process dies, SIGKILL included): a worker that finds the pending
articles leased to a worker whose lock is free knows that worker is dead and takes the articles back
at once instead of waiting for the lease to run out. A lease whose holder is alive, unknown (no lock
file: another machine, PostgreSQL) is waited for, and the wait is reported with its end.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from newsmon.nlp.facts import FactRecord, build_facts
from newsmon.nlp.linking import link_rows
from newsmon.nlp.pipeline import LANGS, MAX_NLP_CHARS, doc_text, extractor_version, load_pipeline
from newsmon.settings import get_settings
from newsmon.store.db import open_session
from newsmon.store.models import Article, Fact, utcnow

log = logging.getLogger(__name__)
OTHER = "other"  # articles in languages without a pipeline (en): marked done, no facts


@dataclass
class ExtractReport:
    articles: int = 0
    facts: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    failed: list[tuple[int, str]] = field(default_factory=list)
    lost_claims: int = 0  # articles whose lease another worker took over before we finished
    pending: int = 0  # found at the start
    last_committed: list[int] = field(default_factory=list)  # ids the last batch stored

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "facts": self.facts,
            "by_kind": dict(self.by_kind),
            "failed": [{"article": i, "error": e} for i, e in self.failed],
            "lost_claims": self.lost_claims,
        }


@dataclass(frozen=True)
class Waiting:
    """Pending articles all leased to other workers: what a worker waits for, and until when."""

    articles: int
    holders: tuple[str, ...]
    until: datetime  # the last of those leases runs out then (UTC)

    def message(self) -> str:
        who = ", ".join(self.holders[:3]) + (" …" if len(self.holders) > 3 else "")
        return (
            f"waiting for {self.articles} articles leased to {who} until "
            f"{self.until:%Y-%m-%d %H:%M:%S} UTC (a crashed worker's lease runs out then; "
            "NEWSMON_EXTRACT_LEASE_SECONDS sets its length)"
        )


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 10000}"


def _versions(database_url: str | None) -> dict[str, str]:
    """The current extractor version per language (and for the languages without a pipeline)."""
    return {lang: extractor_version(lang, database_url) for lang in (*LANGS, OTHER)}


def _url(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


def pending_condition(lang: str, version: str | None = None) -> list[Any]:
    """Articles of `lang` that `version` (default: the current extractor) has neither done nor failed on."""
    version = version or extractor_version(lang)
    lang_cond = col(Article.lang).not_in(LANGS) if lang == OTHER else col(Article.lang) == lang
    return [
        lang_cond,
        sa.or_(col(Article.extracted_version).is_(None), col(Article.extracted_version) != version),
        sa.or_(
            col(Article.extract_failed_version).is_(None),
            col(Article.extract_failed_version) != version,
        ),
    ]


def count_pending(session: Session, versions: dict[str, str] | None = None) -> int:
    versions = versions or _versions(_url(session))
    return sum(
        session.exec(
            select(sa.func.count())
            .select_from(Article)
            .where(*pending_condition(lang, versions[lang]))
        ).one()
        for lang in (*LANGS, OTHER)
    )


def requeue_all(session: Session) -> int:
    """Mark every article as not extracted, so the next extraction redoes all (`extract --all`)."""
    done = sa.or_(
        col(Article.extracted_version).is_not(None),
        col(Article.extract_failed_version).is_not(None),
    )
    result = session.execute(
        sa.update(Article).where(done).values(extracted_version=None, extract_failed_version=None)
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim(
    session: Session,
    lang: str,
    size: int,
    lease: timedelta,
    me: str,
    version: str | None = None,
) -> list[int]:
    """Take up to `size` pending articles of `lang` whose lease is free or expired; commit the claim."""
    now = utcnow()
    sub = (
        select(Article.id)
        .where(
            *pending_condition(lang, version),
            sa.or_(col(Article.claim_expires).is_(None), col(Article.claim_expires) < now),
        )
        .order_by(col(Article.id))
        .limit(size)
    )
    if session.get_bind().dialect.name == "postgresql":
        sub = sub.with_for_update(skip_locked=True)
    stmt = (
        sa.update(Article)
        .where(col(Article.id).in_(sub))
        .values(claimed_by=me, claim_expires=now + lease)
        .returning(col(Article.id))
    )
    ids = sorted(session.execute(stmt).scalars().all())
    session.commit()
    return ids


def waiting_for(session: Session, versions: dict[str, str] | None = None) -> Waiting | None:
    """The leases of other workers that hold pending articles now, or None when none does
    (`versions`: the extractor version per language the caller works for; default: the current)."""
    versions = versions or _versions(_url(session))
    now = utcnow()
    count: Counter[str] = Counter()
    until: datetime | None = None
    for lang in (*LANGS, OTHER):
        rows = session.exec(
            select(Article.claimed_by, sa.func.count(), sa.func.max(Article.claim_expires))
            .where(*pending_condition(lang, versions[lang]), col(Article.claim_expires) >= now)
            .group_by(col(Article.claimed_by))
        ).all()
        for holder, n, expires in rows:
            count[str(holder)] += n
            until = expires if until is None or (expires and expires > until) else until
    if until is None:
        return None
    return Waiting(sum(count.values()), tuple(sorted(count)), until)


# --- liveness locks (SQLite) ----------------------------------------------------------------------


def liveness_dir(session: Session) -> Path | None:
    """Where the liveness locks of workers on this SQLite file live; None for other databases."""
    url = session.get_bind().engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(f"{url.database}.workers")


def _lock_path(folder: Path, name: str) -> Path:
    return folder / (re.sub(r"[^A-Za-z0-9._:-]", "_", name) + ".lock")


@contextlib.contextmanager
def liveness_lock(folder: Path | None, name: str) -> Iterator[None]:
    """Hold `name`'s liveness lock while the block runs (nothing for databases without a folder)."""
    if folder is None:
        yield
        return
    folder.mkdir(exist_ok=True)
    path = _lock_path(folder, name)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # blocks only while another worker checks on us
        try:
            yield
        finally:
            path.unlink(missing_ok=True)
            fcntl.flock(fh, fcntl.LOCK_UN)


def _dead(folder: Path, name: str) -> IO[str] | None:
    """The opened, locked lock file of a dead worker; None when it is alive or unknown."""
    path = _lock_path(folder, name)
    try:
        fh = open(path)  # noqa: SIM115 - returned to the caller, who closes it
    except FileNotFoundError:
        return None  # no lock file: a worker of another machine or version; wait for its lease
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        return None
    return fh


def reclaim_dead(session: Session, me: str) -> list[str]:
    """On SQLite, free the leases of workers whose liveness lock nobody holds (they died); the
    names of those workers. Elsewhere nothing is done (an empty list)."""
    folder = liveness_dir(session)
    if folder is None:
        return []
    now = utcnow()
    holders = session.exec(
        select(Article.claimed_by)
        .where(col(Article.claim_expires) >= now, col(Article.claimed_by) != me)
        .distinct()
    ).all()
    freed = []
    for holder in holders:
        if holder is None:
            continue
        fh = _dead(folder, holder)
        if fh is None:
            continue
        with fh:
            session.execute(
                sa.update(Article)
                .where(col(Article.claimed_by) == holder)
                .values(claimed_by=None, claim_expires=None)
            )
            session.commit()
            _lock_path(folder, holder).unlink(missing_ok=True)
            fcntl.flock(fh, fcntl.LOCK_UN)
        log.warning("worker %s is no longer running: its leases were taken back", holder)
        freed.append(holder)
    # lock files of dead workers that hold no lease (any more) are of no use: removed
    leased = {_lock_path(folder, h).name for h in holders if h is not None}
    for stale in folder.glob("*.lock"):
        if stale.name in leased:
            continue
        with contextlib.suppress(OSError):
            fh = _dead(folder, stale.name.removesuffix(".lock"))
            if fh is not None:
                with fh:
                    stale.unlink(missing_ok=True)
    return freed


def _process(nlp: Any, articles: list[Article]) -> list[list[FactRecord] | Exception]:
    texts = [doc_text(a.title, a.text)[:MAX_NLP_CHARS] for a in articles]
    try:
        return [build_facts(doc) for doc in nlp.pipe(texts)]
    except Exception:  # noqa: BLE001 - one bad article must not stop the batch: retry one by one
        out: list[list[FactRecord] | Exception] = []
        for text in texts:
            try:
                out.append(build_facts(nlp(text)))
            except Exception as exc:
                log.exception("extraction failed")
                out.append(exc)
        return out


def _to_row(rec: FactRecord, art: Article, version: str) -> dict[str, Any]:
    terr = rec.territory or {}
    return dict(
        article_id=art.id,
        kind=rec.kind,
        text=rec.text,
        sentence=rec.sentence,
        start=rec.start,
        end=rec.end,
        confidence=round(rec.confidence, 3),
        extractor=version,
        published=art.published,
        source_id=art.source_id,
        lang=art.lang,
        person=rec.person,
        role=rec.role,
        program=rec.program,
        value=rec.value,
        unit=rec.unit,
        raw=rec.raw,
        territory_kato=terr.get("kato"),
        territory_name=terr.get("name"),
        territory_level=terr.get("level"),
        territory_path=terr.get("path"),
        mentions=rec.mentions,
        extra=rec.extra or None,
        event=rec.extra.get("event") if rec.kind == "akim" else None,
    )


def finish(
    session: Session,
    ids: list[int],
    results: dict[int, list[FactRecord] | Exception],
    version: str,
    me: str,
    report: ExtractReport,
) -> None:
    """Write the batch's facts for the articles this worker still holds, in one transaction."""
    now = utcnow()
    # the UPDATE locks our rows (PostgreSQL) or the database (SQLite) before anything else is read
    owned = set(
        session.execute(
            sa.update(Article)
            .where(col(Article.id).in_(ids), col(Article.claimed_by) == me)
            .values(claim_expires=now + timedelta(minutes=5))
            .returning(col(Article.id))
        )
        .scalars()
        .all()
    )
    report.lost_claims += len(ids) - len(owned)
    report.last_committed = []
    if owned:
        session.execute(sa.delete(Fact).where(col(Fact.article_id).in_(owned)))
    articles = {
        a.id: a for a in session.exec(select(Article).where(col(Article.id).in_(owned))).all()
    }
    rows: list[dict[str, Any]] = []
    for art_id in sorted(owned):
        art, res = articles[art_id], results[art_id]
        if isinstance(res, Exception):
            art.extract_error, art.extract_failed_version = (
                f"{type(res).__name__}: {res}"[:2000],
                version,
            )
            report.failed.append((art_id, art.extract_error))
        else:
            rows.extend(_to_row(rec, art, version) for rec in res)
            report.by_kind.update(rec.kind for rec in res)
            art.extracted_version, art.extracted_at = version, now
            art.extract_error = art.extract_failed_version = None
            report.articles += 1
            report.last_committed.append(art_id)
        art.claimed_by, art.claim_expires = None, None
        session.add(art)
    if rows:
        link_rows(session, rows)  # person, territory and programme rows, in this transaction
        session.execute(sa.insert(Fact), rows)
    report.facts += len(rows)
    session.commit()


def run_worker(
    database_url: str | None = None,
    *,
    exit_when_idle: bool = True,
    batch_size: int | None = None,
    lease_seconds: float | None = None,
    poll_seconds: float | None = None,
    limit: int | None = None,
    stop: threading.Event | None = None,
    on_progress: Callable[[ExtractReport], None] | None = None,
    on_wait: Callable[[Waiting], None] | None = None,
    redo_all: bool = False,
) -> ExtractReport:
    """Claim, extract and store batches until no work is left (or, without `exit_when_idle`, until
    `stop` is set). Safe to run in any number of processes against one PostgreSQL database.

    When the only pending articles are leased to other workers, `on_wait` is told what is waited
    for and until when (again when the holders or the end change); on SQLite the leases of dead
    workers are taken back at once (see the module's docstring).
    The extractor versions (rules, KATO and catalogue digests) are fixed when the run starts, with the
    pipelines that go with them; `redo_all` first marks every article as not extracted."""
    settings = get_settings()
    batch_size = batch_size or settings.extract_batch_size
    lease = timedelta(seconds=lease_seconds or settings.extract_lease_seconds)
    poll = poll_seconds if poll_seconds is not None else settings.worker_poll_seconds
    stop = stop or threading.Event()
    me = worker_name()
    report = ExtractReport()
    pipelines: dict[str, Any] = {}
    versions = _versions(database_url)
    told: tuple[tuple[str, ...], datetime] | None = None  # (holders, until) last reported
    with open_session(database_url) as session, liveness_lock(liveness_dir(session), me):
        if redo_all:
            requeue_all(session)
        report.pending = count_pending(session, versions)
        while not stop.is_set() and (limit is None or report.articles < limit):
            did = 0
            for lang in (*LANGS, OTHER):
                size = (
                    batch_size
                    if limit is None
                    else max(1, min(batch_size, limit - report.articles))
                )
                ids = claim(session, lang, size, lease, me, versions[lang])
                if not ids:
                    continue
                did += len(ids)
                articles = list(
                    session.exec(
                        select(Article).where(col(Article.id).in_(ids)).order_by(col(Article.id))
                    ).all()
                )
                if lang == OTHER:
                    results: list[list[FactRecord] | Exception] = [[] for _ in articles]
                else:
                    if lang not in pipelines:
                        pipelines[lang] = load_pipeline(lang, database_url)
                    results = _process(pipelines[lang], articles)
                finish(
                    session,
                    ids,
                    {a.id: r for a, r in zip(articles, results, strict=True) if a.id is not None},
                    versions[lang],
                    me,
                    report,
                )
                if on_progress:
                    on_progress(report)
                if stop.is_set():
                    break
            if did == 0:
                # leases of other workers still count as work: a killed worker's batch comes back
                if exit_when_idle and count_pending(session, versions) == 0:
                    break
                if reclaim_dead(session, me):
                    continue  # a dead worker's articles are free now
                waiting = waiting_for(session, versions)
                if waiting is not None and (waiting.holders, waiting.until) != told:
                    log.info("%s", waiting.message())
                    if on_wait:
                        on_wait(waiting)
                    told = (waiting.holders, waiting.until)
                stop.wait(poll)
    return report


def extract(database_url: str | None = None, **kwargs: Any) -> ExtractReport:
    """Extract every pending article, then return (one worker that exits when idle)."""
    return run_worker(database_url, exit_when_idle=True, **kwargs)


def queue_status(session: Session, window_minutes: int = 10) -> dict[str, Any]:
    """Queue depth, leases in flight, failures and recent throughput (for `newsmon status`)."""
    now = utcnow()
    since = now - timedelta(minutes=window_minutes)
    in_flight = session.exec(
        select(sa.func.count()).select_from(Article).where(col(Article.claim_expires) > now)
    ).one()
    failed = session.exec(
        select(sa.func.count()).select_from(Article).where(col(Article.extract_error).is_not(None))
    ).one()
    recent = session.exec(
        select(sa.func.count()).select_from(Article).where(col(Article.extracted_at) >= since)
    ).one()
    total = session.exec(select(sa.func.count()).select_from(Article)).one()
    facts = session.exec(select(sa.func.count()).select_from(Fact)).one()
    return {
        "articles": total,
        "pending": count_pending(session),
        "in_flight": in_flight,
        "failed": failed,
        "facts": facts,
        f"extracted_last_{window_minutes}_min": recent,
        "articles_per_minute": round(recent / window_minutes, 1),
    }
