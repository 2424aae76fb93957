"""Stored articles: `ArticleFilter` and `iter_articles`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from newsmon.errors import NotFoundError
from newsmon.ingest.urls import normalize_url
from newsmon.query.dates import as_utc, day_start, iso_time
from newsmon.query.filters import check_dates, check_lang, check_page, resolve_source
from newsmon.query.territories import resolve_territory, territory_clause
from newsmon.store.db import open_session
from newsmon.store.models import Article, Fact, Source


@dataclass
class ArticleFilter:
    """What `newsmon export articles` can ask for."""

    source: str | None = None
    lang: str | None = None
    since: date | None = None
    until: date | None = None
    territory: str | None = None
    limit: int | None = None
    offset: int = 0

    def validate(self) -> None:
        check_dates(self.since, self.until)
        check_lang(self.lang)
        check_page(self.limit, self.offset)


ARTICLE_KEYS = ("id", "url", "title", "text", "summary", "source", "published", "fetched", "lang")


def iter_articles(
    flt: ArticleFilter, *, database_url: str | None = None, session: Session | None = None
) -> Iterator[dict[str, Any]]:
    """Articles matching `flt`, oldest first, as dicts (streamed)."""
    flt.validate()
    own = session is None
    session = session or open_session(database_url)
    try:
        query = select(Article, Source).join(Source, col(Article.source_id) == col(Source.id))
        if flt.source:
            query = query.where(col(Article.source_id) == resolve_source(session, flt.source))
        if flt.lang:
            query = query.where(col(Article.lang) == flt.lang)
        if flt.since:
            query = query.where(col(Article.published) >= day_start(flt.since))
        if flt.until:
            query = query.where(col(Article.published) < day_start(flt.until + timedelta(days=1)))
        if flt.territory:
            units = resolve_territory(session, flt.territory)
            inside = select(Fact.article_id).where(
                territory_clause(units, Fact.territory_kato, Fact.territory_name)
            )
            query = query.where(col(Article.id).in_(inside))
        query = query.order_by(col(Article.published), col(Article.id)).offset(flt.offset)
        if flt.limit is not None:
            query = query.limit(flt.limit)
        for art, src in session.exec(query).yield_per(500):
            yield _article_dict(art, src.name)
    finally:
        if own:
            session.close()


def latest_published(session: Session) -> datetime | None:
    """When the newest stored article was published (UTC), or None when none is dated."""
    newest = session.execute(sa.select(sa.func.max(Article.published))).scalar_one()
    return as_utc(newest)


def _article_dict(art: Article, source: str) -> dict[str, Any]:
    return {
        "id": art.id,
        "url": art.url,
        "title": art.title,
        "text": art.text,
        "summary": art.summary,
        "source": source,
        "published": iso_time(art.published),
        "fetched": iso_time(art.fetched),
        "lang": art.lang,
    }


_A, _S = Article.__table__, Source.__table__  # type: ignore[attr-defined]


def get_article(session: Session, article_id: int) -> dict[str, Any]:
    """One article as `iter_articles` writes it, or NotFoundError."""
    row = session.execute(
        sa.select(Article, _S.c.name)
        .join(_S, _A.c.source_id == _S.c.id)
        .where(_A.c.id == article_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no article with id {article_id}")
    return _article_dict(row[0], row[1])


def article_id_by_url(session: Session, url: str) -> int:
    """The id of the article stored under `url` (compared normalized), or NotFoundError."""
    try:
        norm = normalize_url(url)
    except Exception:  # noqa: BLE001 - any URL the normalizer rejects is not stored either
        raise NotFoundError(f"no article at {url!r}") from None
    found = session.execute(sa.select(_A.c.id).where(_A.c.url_norm == norm)).scalar()
    if found is None:
        raise NotFoundError(f"no article at {url!r}")
    return int(found)
