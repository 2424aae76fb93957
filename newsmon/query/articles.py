"""Stored articles: `ArticleFilter` and `iter_articles`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from newsmon.query.dates import day_start, iso_time
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
            yield {
                "id": art.id,
                "url": art.url,
                "title": art.title,
                "text": art.text,
                "summary": art.summary,
                "source": src.name,
                "published": iso_time(art.published),
                "fetched": iso_time(art.fetched),
                "lang": art.lang,
            }
    finally:
        if own:
            session.close()
