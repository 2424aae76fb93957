"""`newsmon extract`: articles not yet processed by the current extractor version → facts.

Batches go through `nlp.pipe`; each batch's old facts are deleted, new ones inserted and the articles
marked in one transaction, so a killed run loses nothing and a rerun extracts each article once.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from newsmon.nlp.facts import FactRecord, build_facts
from newsmon.nlp.pipeline import LANGS, MAX_NLP_CHARS, doc_text, extractor_version, load_pipeline
from newsmon.settings import get_settings
from newsmon.store.db import open_session
from newsmon.store.models import Article, Fact, utcnow

log = logging.getLogger(__name__)


@dataclass
class ExtractReport:
    articles: int = 0
    facts: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    failed: list[tuple[int, str]] = field(default_factory=list)
    pending: int = 0  # found at the start

    def as_dict(self) -> dict[str, Any]:
        return {"articles": self.articles, "facts": self.facts, "by_kind": dict(self.by_kind),
                "failed": [{"article": i, "error": e} for i, e in self.failed]}


def _pending(session: Session, lang: str, version: str) -> Any:
    cond = [Article.lang == lang, sa.or_(Article.extracted_version.is_(None), Article.extracted_version != version)]
    if lang not in LANGS:
        cond = [Article.lang.not_in(LANGS), sa.or_(Article.extracted_version.is_(None),  # type: ignore[attr-defined]
                                                    Article.extracted_version != version)]
    return cond


def count_pending(session: Session) -> int:
    total = 0
    for lang in (*LANGS, "other"):
        version = extractor_version(lang)
        total += session.exec(select(sa.func.count()).select_from(Article).where(*_pending(session, lang, version))).one()
    return total


def _to_row(rec: FactRecord, art: Article, version: str) -> dict[str, Any]:
    terr = rec.territory or {}
    return dict(
        article_id=art.id, kind=rec.kind, text=rec.text, sentence=rec.sentence, start=rec.start, end=rec.end,
        confidence=round(rec.confidence, 3), extractor=version, published=art.published, source_id=art.source_id,
        lang=art.lang, person=rec.person, role=rec.role, program=rec.program, value=rec.value, unit=rec.unit,
        raw=rec.raw, territory_kato=terr.get("kato"), territory_name=terr.get("name"),
        territory_level=terr.get("level"), territory_path=terr.get("path"), mentions=rec.mentions,
        extra=rec.extra or None,
    )


def _process(nlp: Any, articles: list[Article]) -> list[list[FactRecord] | Exception]:
    texts = [doc_text(a.title, a.text)[:MAX_NLP_CHARS] for a in articles]
    try:
        return [build_facts(doc) for doc in nlp.pipe(texts)]
    except Exception:  # noqa: BLE001 - one bad article must not stop the batch: retry one by one
        out: list[list[FactRecord] | Exception] = []
        for text in texts:
            try:
                out.append(build_facts(nlp(text)))
            except Exception as exc:  # noqa: BLE001
                log.exception("extraction failed")
                out.append(exc)
        return out


def extract(
    database_url: str | None = None,
    *,
    batch_size: int | None = None,
    limit: int | None = None,
    on_progress: Callable[[ExtractReport], None] | None = None,
) -> ExtractReport:
    """Extract facts from every article the current extractor version has not processed."""
    batch_size = batch_size or get_settings().extract_batch_size
    report = ExtractReport()
    with open_session(database_url) as session:
        report.pending = count_pending(session)
        for lang in (*LANGS, "other"):
            version = extractor_version(lang)
            nlp = load_pipeline(lang) if lang in LANGS else None
            failed: set[int] = set()
            while limit is None or report.articles < limit:
                size = batch_size if limit is None else min(batch_size, limit - report.articles)
                query = select(Article).where(*_pending(session, lang, version))
                if failed:
                    query = query.where(Article.id.not_in(failed))  # type: ignore[union-attr]
                articles = list(session.exec(query.order_by(Article.id).limit(size)).all())  # type: ignore[arg-type]
                if not articles:
                    break
                results = _process(nlp, articles) if nlp else [[] for _ in articles]
                ids = [a.id for a in articles]
                session.execute(sa.delete(Fact).where(Fact.article_id.in_(ids)))  # type: ignore[attr-defined]
                rows = []
                now = utcnow()
                for art, res in zip(articles, results):
                    if isinstance(res, Exception):
                        failed.add(art.id)  # type: ignore[arg-type]
                        report.failed.append((art.id, f"{type(res).__name__}: {res}"))  # type: ignore[arg-type]
                        continue
                    rows.extend(_to_row(rec, art, version) for rec in res)
                    report.by_kind.update(rec.kind for rec in res)
                    art.extracted_version, art.extracted_at = version, now
                    session.add(art)
                    report.articles += 1
                if rows:
                    session.execute(sa.insert(Fact), rows)
                report.facts += len(rows)
                session.commit()
                if on_progress:
                    on_progress(report)
    return report
