"""The extraction queue: which articles wait for the extractor, and who holds them.

Work is claimed in batches with a lease (`claimed_by`, `claim_expires` on the article): the claim is
one UPDATE over a sub-select (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so any number of workers on
any number of machines share one database without taking the same article. An article is pending for
an extractor version when that version has neither done it (`extracted_version`) nor failed on it
(`extract_failed_version`); the versions are the caller's (the NLP stage computes them), so this
module knows nothing of what extraction does.

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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlmodel import Session, col, select

from newsmon.store.models import Article, Fact, utcnow
from newsmon.text import NLP_LANGS

__all__ = [
    "OTHER",
    "QUEUES",
    "Waiting",
    "claim",
    "count_pending",
    "hold",
    "liveness_dir",
    "liveness_lock",
    "pending_condition",
    "queue_status",
    "reclaim_dead",
    "requeue_all",
    "waiting_for",
    "worker_name",
]

log = logging.getLogger(__name__)
OTHER = "other"  # articles in languages without a pipeline (en): marked done, no facts
QUEUES = (*NLP_LANGS, OTHER)  # one queue per language with a pipeline, one for the rest

Versions = Mapping[str, str]  # the extractor version per queue (`QUEUES`)


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


def pending_condition(queue: str, version: str) -> list[sa.ColumnElement[bool]]:
    """Articles of `queue` (a language, or `OTHER`) that `version` has neither done nor failed on."""
    lang_cond = (
        col(Article.lang).not_in(NLP_LANGS) if queue == OTHER else col(Article.lang) == queue
    )
    return [
        lang_cond,
        sa.or_(col(Article.extracted_version).is_(None), col(Article.extracted_version) != version),
        sa.or_(
            col(Article.extract_failed_version).is_(None),
            col(Article.extract_failed_version) != version,
        ),
    ]


def count_pending(session: Session, versions: Versions) -> int:
    return sum(
        session.exec(
            select(sa.func.count())
            .select_from(Article)
            .where(*pending_condition(queue, versions[queue]))
        ).one()
        for queue in QUEUES
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
    session: Session, queue: str, size: int, lease: timedelta, me: str, version: str
) -> list[int]:
    """Take up to `size` pending articles of `queue` whose lease is free or expired; commit the claim."""
    now = utcnow()
    sub = (
        select(Article.id)
        .where(
            *pending_condition(queue, version),
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


def hold(session: Session, ids: list[int], me: str) -> set[int]:
    """The articles of `ids` that `me` still holds, their leases renewed for five minutes; the
    UPDATE locks those rows (PostgreSQL) or the database (SQLite) until the caller commits."""
    now = utcnow()
    return set(
        session.execute(
            sa.update(Article)
            .where(col(Article.id).in_(ids), col(Article.claimed_by) == me)
            .values(claim_expires=now + timedelta(minutes=5))
            .returning(col(Article.id))
        )
        .scalars()
        .all()
    )


def waiting_for(session: Session, versions: Versions) -> Waiting | None:
    """The leases of other workers that hold pending articles now, or None when none does
    (`versions`: the extractor version per queue the caller works for)."""
    now = utcnow()
    count: Counter[str] = Counter()
    until: datetime | None = None
    for queue in QUEUES:
        rows = session.exec(
            select(Article.claimed_by, sa.func.count(), sa.func.max(Article.claim_expires))
            .where(*pending_condition(queue, versions[queue]), col(Article.claim_expires) >= now)
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


def queue_status(
    session: Session, versions: Versions, window_minutes: int = 10
) -> dict[str, int | float]:
    """Queue depth for `versions`, leases in flight, failures and recent throughput."""
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
        "pending": count_pending(session, versions),
        "in_flight": in_flight,
        "failed": failed,
        "facts": facts,
        f"extracted_last_{window_minutes}_min": recent,
        "articles_per_minute": round(recent / window_minutes, 1),
    }
