"""Counts over a period for the home page's overview: facts by kind, territories, programmes, top-level units.

Every count is over facts whose article was published in [since, until] (Asia/Almaty days, both ends
included); «articles» counts distinct articles, so a reprint in another outlet counts once more but a
fact named twice in one article does not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from newsmon.query.dates import day_start
from newsmon.query.filters import FACT_KINDS, check_dates
from newsmon.store.models import Fact

_F = Fact.__table__  # type: ignore[attr-defined]


@dataclass
class NamedCount:
    """A territory or programme with how many facts and distinct articles name it in the period."""

    name: str
    facts: int
    articles: int
    kato: str | None = None
    level: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "facts": self.facts,
            "articles": self.articles,
            "kato": self.kato,
            "level": self.level,
        }


def _period(since: date, until: date) -> list[Any]:
    check_dates(since, until)
    return [
        # every kind, named: lets the planner use ix_fact_kind_published (one range per kind)
        _F.c.kind.in_(FACT_KINDS),
        _F.c.published >= day_start(since),
        _F.c.published < day_start(until + timedelta(days=1)),
    ]


def facts_by_kind(session: Session, since: date, until: date) -> dict[str, int]:
    """How many facts of each kind the period's articles carry."""
    query = sa.select(_F.c.kind, sa.func.count()).where(*_period(since, until)).group_by(_F.c.kind)
    return {str(kind): int(n) for kind, n in session.execute(query)}


def top_territories(
    session: Session, since: date, until: date, limit: int = 10
) -> list[NamedCount]:
    """The territories (any level) named in the most articles of the period, most first."""
    articles = sa.func.count(sa.distinct(_F.c.article_id))
    query = (
        sa.select(
            _F.c.territory_name,
            _F.c.territory_kato,
            _F.c.territory_level,
            sa.func.count(),
            articles,
        )
        .where(*_period(since, until), _F.c.territory_name.is_not(None))
        .group_by(_F.c.territory_name, _F.c.territory_kato, _F.c.territory_level)
        .order_by(articles.desc(), sa.func.count().desc(), _F.c.territory_name)
        .limit(limit)
    )
    return [
        NamedCount(str(name), int(n), int(arts), kato, level)
        for name, kato, level, n, arts in session.execute(query)
    ]


def top_programs(session: Session, since: date, until: date, limit: int = 10) -> list[NamedCount]:
    """The programmes named (as programme facts or as an amount's programme) in the most articles."""
    articles = sa.func.count(sa.distinct(_F.c.article_id))
    query = (
        sa.select(_F.c.program, sa.func.count(), articles)
        .where(*_period(since, until), _F.c.program.is_not(None))
        .group_by(_F.c.program)
        .order_by(articles.desc(), sa.func.count().desc(), _F.c.program)
        .limit(limit)
    )
    return [NamedCount(str(name), int(n), int(arts)) for name, n, arts in session.execute(query)]


@dataclass
class UnitCounts:
    """Facts and distinct articles per territory, keyed by the first two digits of the KATO code
    (a top-level unit), and by name for facts whose territory has no KATO code."""

    facts: Counter[str]
    articles: Counter[str]
    facts_by_name: Counter[str]
    articles_by_name: Counter[str]


def unit_counts(session: Session, since: date, until: date) -> UnitCounts:
    """Counts per top-level unit (KATO prefix of two digits) in the period."""
    prefix = sa.func.substr(_F.c.territory_kato, 1, 2)
    articles = sa.func.count(sa.distinct(_F.c.article_id))
    by_code = (
        sa.select(prefix, sa.func.count(), articles)
        .where(*_period(since, until), _F.c.territory_kato.is_not(None))
        .group_by(prefix)
    )
    by_name = (
        sa.select(_F.c.territory_name, sa.func.count(), articles)
        .where(
            *_period(since, until),
            _F.c.territory_kato.is_(None),
            _F.c.territory_name.is_not(None),
        )
        .group_by(_F.c.territory_name)
    )
    out = UnitCounts(Counter(), Counter(), Counter(), Counter())
    for code, n, arts in session.execute(by_code):
        out.facts[str(code)] += int(n)
        out.articles[str(code)] += int(arts)
    for name, n, arts in session.execute(by_name):
        out.facts_by_name[str(name)] += int(n)
        out.articles_by_name[str(name)] += int(arts)
    return out
