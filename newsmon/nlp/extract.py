"""`newsmon extract` and `newsmon worker`: articles not yet processed by the current extractor → facts.

The queue (leased batches, liveness locks, what is pending for which extractor version) is
`newsmon.store.queue`; this module runs the pipelines over what it claims and writes the facts. A
batch's old facts are deleted, its new facts inserted and its articles marked in one transaction, and
only for articles the worker still holds, so an article is extracted exactly once; a worker killed
mid-batch loses nothing: its lease expires (on SQLite: its liveness lock is free) and another worker
takes the batch.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from spacy.language import Language
from sqlmodel import Session, col, select

from newsmon.nlp.facts import FactRecord, build_facts
from newsmon.nlp.gazetteer import get_gazetteer
from newsmon.nlp.linking import link_facts
from newsmon.nlp.pipeline import (
    MAX_NLP_CHARS,
    PipelineOptions,
    cached_pipeline,
    doc_text,
    extractor_version,
)
from newsmon.settings import Settings
from newsmon.store import queue, summary
from newsmon.store.db import open_session
from newsmon.store.models import Article, Fact, utcnow
from newsmon.store.queue import OTHER, QUEUES, Waiting

log = logging.getLogger(__name__)


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


def current_versions(settings: Settings, database_url: str | None = None) -> dict[str, str]:
    """The current extractor version per queue (each language with a pipeline, and `OTHER`) for the
    database at `database_url` (default: `settings.database_url`)."""
    url = database_url or settings.database_url
    return {
        lang: extractor_version(lang, url, PipelineOptions.from_settings(lang, settings))
        for lang in QUEUES
    }


def load_pipeline(lang: str, settings: Settings, database_url: str | None = None) -> Language:
    """The pipeline for `lang` over the gazetteer of `database_url` (its KATO import merged with the
    core; default: `settings.database_url`), for the current extractor version."""
    url = database_url or settings.database_url
    options = PipelineOptions.from_settings(lang, settings)
    gazetteer = get_gazetteer(url)
    return cached_pipeline(lang, gazetteer, extractor_version(lang, url, options), options)


def _url(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


def _process(nlp: Language, articles: list[Article]) -> list[list[FactRecord] | Exception]:
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


def to_fact(rec: FactRecord, art: Article, version: str) -> Fact:
    """The stored row of `rec`, a fact of article `art` found by extractor `version`."""
    terr = rec.territory
    assert art.id is not None  # stored articles only
    return Fact(
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
        territory_kato=terr.kato if terr else None,
        territory_name=terr.name if terr else None,
        territory_level=terr.level if terr else None,
        territory_path=list(terr.path) if terr else None,
        mentions=rec.mentions,
        extra=dict(rec.extra) or None,
        event=rec.extra.get("event") if rec.kind == "akim" else None,
    )


def fact_row(fact: Fact) -> summary.FactRow:
    """What the summary tables read of a stored fact."""
    assert fact.id is not None  # flushed
    return summary.FactRow(*(getattr(fact, name) for name in summary.FactRow._fields))


def finish(
    session: Session,
    ids: list[int],
    results: dict[int, list[FactRecord] | Exception],
    version: str,
    me: str,
    report: ExtractReport,
    programs_file: Path | None = None,
) -> None:
    """Write the batch's facts for the articles this worker still holds, in one transaction;
    facts linked to entity rows by the programme catalogue of `programs_file` (settings)."""
    now = utcnow()
    # the UPDATE locks our rows (PostgreSQL) or the database (SQLite) before anything else is read
    owned = queue.hold(session, ids, me)
    report.lost_claims += len(ids) - len(owned)
    report.last_committed = []
    old = summary.fact_rows(session.connection(), owned) if owned else []
    if owned:
        session.execute(sa.delete(Fact).where(col(Fact.article_id).in_(owned)))
    articles = {
        a.id: a for a in session.exec(select(Article).where(col(Article.id).in_(owned))).all()
    }
    rows: list[Fact] = []
    for art_id in sorted(owned):
        art, res = articles[art_id], results[art_id]
        if isinstance(res, Exception):
            art.extract_error, art.extract_failed_version = (
                f"{type(res).__name__}: {res}"[:2000],
                version,
            )
            report.failed.append((art_id, art.extract_error))
        else:
            rows.extend(to_fact(rec, art, version) for rec in res)
            report.by_kind.update(rec.kind for rec in res)
            art.extracted_version, art.extracted_at = version, now
            art.extract_error = art.extract_failed_version = None
            report.articles += 1
            report.last_committed.append(art_id)
        art.claimed_by, art.claim_expires = None, None
        session.add(art)
    if rows:
        link_facts(
            session, rows, programs_file
        )  # person, territory and programme rows, in this transaction
        session.add_all(rows)
    session.flush()  # the new facts' ids, for the summaries
    summary.replace_facts(session.connection(), old, [fact_row(f) for f in rows])
    report.facts += len(rows)
    session.commit()


def run_worker(
    settings: Settings,
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
    database_url = database_url or settings.database_url
    batch_size = batch_size or settings.extract_batch_size
    lease = timedelta(seconds=lease_seconds or settings.extract_lease_seconds)
    poll = poll_seconds if poll_seconds is not None else settings.worker_poll_seconds
    stop = stop or threading.Event()
    me = queue.worker_name()
    report = ExtractReport()
    pipelines: dict[str, Language] = {}
    versions = current_versions(settings, database_url)
    told: tuple[tuple[str, ...], datetime] | None = None  # (holders, until) last reported
    with (
        open_session(database_url) as session,
        queue.liveness_lock(queue.liveness_dir(session), me),
    ):
        if redo_all:
            queue.requeue_all(session)
        report.pending = queue.count_pending(session, versions)
        while not stop.is_set() and (limit is None or report.articles < limit):
            did = 0
            for lang in QUEUES:
                size = (
                    batch_size
                    if limit is None
                    else max(1, min(batch_size, limit - report.articles))
                )
                ids = queue.claim(session, lang, size, lease, me, versions[lang])
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
                        pipelines[lang] = load_pipeline(lang, settings, database_url)
                    results = _process(pipelines[lang], articles)
                finish(
                    session,
                    ids,
                    {a.id: r for a, r in zip(articles, results, strict=True) if a.id is not None},
                    versions[lang],
                    me,
                    report,
                    settings.programs_file,
                )
                if on_progress:
                    on_progress(report)
                if stop.is_set():
                    break
            if did == 0:
                # leases of other workers still count as work: a killed worker's batch comes back
                if exit_when_idle and queue.count_pending(session, versions) == 0:
                    break
                if queue.reclaim_dead(session, me):
                    continue  # a dead worker's articles are free now
                waiting = queue.waiting_for(session, versions)
                if waiting is not None and (waiting.holders, waiting.until) != told:
                    log.info("%s", waiting.message())
                    if on_wait:
                        on_wait(waiting)
                    told = (waiting.holders, waiting.until)
                stop.wait(poll)
    return report


def extract(settings: Settings, database_url: str | None = None, **kwargs: Any) -> ExtractReport:
    """Extract every pending article, then return (one worker that exits when idle)."""
    return run_worker(settings, database_url, exit_when_idle=True, **kwargs)


def queue_status(
    session: Session, settings: Settings, window_minutes: int = 10
) -> dict[str, int | float]:
    """Queue depth for the current extractor, leases in flight, failures and recent throughput
    (for `newsmon status`; `newsmon.store.queue.queue_status` for other versions)."""
    return queue.queue_status(session, current_versions(settings, _url(session)), window_minutes)
