"""Counts over a period for the home page's overview: facts by kind, territories, programmes, top-level units.

Every count is over facts whose article was published in [since, until] (Asia/Almaty days, both ends
included), read from the summary tables the extract stage keeps per day (newsmon.store.summary); «articles» counts distinct articles, so a reprint in another outlet counts once more but a
fact named twice in one article does not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from newsmon.query.filters import FACT_KINDS, check_dates
from newsmon.store.models import SummaryProgramDay, SummaryTerritoryDay

_T = SummaryTerritoryDay.__table__  # type: ignore[attr-defined]
_P = SummaryProgramDay.__table__  # type: ignore[attr-defined]


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


def _days(table: Any, since: date, until: date) -> list[Any]:
    """The summary rows of the period's Asia/Almaty days (the extract stage keeps them per day)."""
    check_dates(since, until)
    return [table.c.day >= since.isoformat(), table.c.day <= until.isoformat()]


def facts_by_kind(session: Session, since: date, until: date) -> dict[str, int]:
    """How many facts of each kind the period's articles carry."""
    query = (
        sa.select(_T.c.kind, sa.func.sum(_T.c.facts))
        .where(_T.c.scope == "all", _T.c.kind.in_(FACT_KINDS), *_days(_T, since, until))
        .group_by(_T.c.kind)
    )
    return {str(kind): int(n) for kind, n in session.execute(query)}


def top_territories(
    session: Session, since: date, until: date, limit: int = 10
) -> list[NamedCount]:
    """The territories (any level) named in the most articles of the period, most first."""
    facts, articles = sa.func.sum(_T.c.facts), sa.func.sum(_T.c.articles)
    query = (
        sa.select(_T.c.name, _T.c.kato, _T.c.level, facts, articles)
        .where(_T.c.scope == "unit", _T.c.kind == "*", _T.c.name != "", *_days(_T, since, until))
        .group_by(_T.c.name, _T.c.kato, _T.c.level)
        .order_by(articles.desc(), facts.desc(), _T.c.name)
        .limit(limit)
    )
    return [
        NamedCount(str(name), int(n), int(arts), kato or None, level or None)
        for name, kato, level, n, arts in session.execute(query)
    ]


def top_programs(session: Session, since: date, until: date, limit: int = 10) -> list[NamedCount]:
    """The programmes named (as programme facts or as an amount's programme) in the most articles."""
    facts, articles = sa.func.sum(_P.c.facts), sa.func.sum(_P.c.articles)
    query = (
        sa.select(_P.c.program, facts, articles)
        .where(_P.c.kind == "*", *_days(_P, since, until))
        .group_by(_P.c.program)
        .order_by(articles.desc(), facts.desc(), _P.c.program)
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
    query = (
        sa.select(
            _T.c.scope, _T.c.kato, _T.c.name, sa.func.sum(_T.c.facts), sa.func.sum(_T.c.articles)
        )
        .where(_T.c.scope.in_(("region", "name")), _T.c.kind == "*", *_days(_T, since, until))
        .group_by(_T.c.scope, _T.c.kato, _T.c.name)
    )
    out = UnitCounts(Counter(), Counter(), Counter(), Counter())
    for scope, code, name, n, arts in session.execute(query):
        if scope == "region":
            out.facts[str(code)] += int(n)
            out.articles[str(code)] += int(arts)
        else:
            out.facts_by_name[str(name)] += int(n)
            out.articles_by_name[str(name)] += int(arts)
    return out
