"""The library API for reading stored facts and articles: the CLI calls it, scripts can import it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from newsmon.errors import InputError
from newsmon.store.db import open_session
from newsmon.store.models import Article, Fact, Source

ALMATY = ZoneInfo("Asia/Almaty")
FACT_KINDS = ("akim", "amount", "program", "territory")


@dataclass
class FactFilter:
    """What `newsmon facts` can ask for; dates are days in Asia/Almaty, both ends included."""

    kind: str | None = None
    since: date | None = None
    until: date | None = None
    limit: int | None = None
    offset: int = 0

    def validate(self) -> None:
        if self.kind is not None and self.kind not in FACT_KINDS:
            raise InputError(f"unknown kind {self.kind!r}: use one of {', '.join(FACT_KINDS)}")
        if self.since and self.until and self.since > self.until:
            raise InputError(f"--since {self.since} is after --until {self.until}")
        if self.limit is not None and self.limit < 0 or self.offset < 0:
            raise InputError("--limit and --offset must not be negative")


def parse_day(value: str | None, option: str) -> date | None:
    """YYYY-MM-DD, or InputError naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} must be a date as YYYY-MM-DD, not {value!r}") from None


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, ALMATY).astimezone(timezone.utc)


def _iso(when: datetime | None) -> str | None:
    return when.astimezone(ALMATY).isoformat() if when else None


def fact_to_dict(fact: Fact, article: Article, source: Source) -> dict[str, Any]:
    """A stored fact exactly as CONTRACT §2 writes it."""
    out: dict[str, Any] = {
        "id": fact.id,
        "kind": fact.kind,
        "article": {"url": article.url, "title": article.title, "source": source.name,
                    "published": _iso(article.published), "lang": article.lang},
        "text": fact.text,
        "sentence": fact.sentence,
        "start": fact.start,
        "end": fact.end,
        "confidence": fact.confidence,
        "extractor": fact.extractor,
    }
    territory = (
        {"name": fact.territory_name, "level": fact.territory_level, "kato": fact.territory_kato,
         "path": fact.territory_path or []}
        if fact.territory_name else None
    )
    if fact.kind == "akim":
        out.update(person=fact.person, role=fact.role, territory=territory)
    elif fact.kind == "amount":
        value = fact.value
        out.update(value=int(value) if value is not None and float(value).is_integer() else value, unit=fact.unit,
                   raw=fact.raw, program=fact.program, territory=territory)
    elif fact.kind == "program":
        out.update(program=fact.program)
    elif fact.kind == "territory":
        out.update(territory=territory)
    out["mentions"] = fact.mentions or [[fact.start, fact.end]]
    for key, val in (fact.extra or {}).items():
        out.setdefault(key, val)
    return out


def _fact_query(flt: FactFilter) -> Any:
    query = select(Fact, Article, Source).join(Article, Fact.article_id == Article.id).join(
        Source, Article.source_id == Source.id
    )
    if flt.kind:
        query = query.where(Fact.kind == flt.kind)
    if flt.since:
        query = query.where(Fact.published >= day_start(flt.since))
    if flt.until:
        query = query.where(Fact.published < day_start(flt.until + timedelta(days=1)))
    return query.order_by(Fact.published, Fact.id)  # type: ignore[arg-type]


def iter_facts(flt: FactFilter, *, database_url: str | None = None, session: Session | None = None) -> Iterator[dict[str, Any]]:
    """Facts matching `flt`, oldest first, as CONTRACT §2 dicts (streamed)."""
    flt.validate()
    query = _fact_query(flt).offset(flt.offset)
    if flt.limit is not None:
        query = query.limit(flt.limit)
    own = session is None
    session = session or open_session(database_url)
    try:
        for fact, article, source in session.exec(query).yield_per(500):
            yield fact_to_dict(fact, article, source)
    finally:
        if own:
            session.close()


def count_facts(session: Session) -> dict[str, int]:
    rows = session.exec(select(Fact.kind, sa.func.count()).group_by(Fact.kind)).all()  # type: ignore[call-overload]
    return {kind: n for kind, n in rows}
