"""Stored facts as CONTRACT §2 dicts: `FactFilter`, its SQL conditions, `iter_facts`."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol, cast

import sqlalchemy as sa
from sqlmodel import Session, col, select

from newsmon.entities import PersonName, compatible, parse_person
from newsmon.errors import InputError
from newsmon.query.dates import day_start, iso_time
from newsmon.query.filters import (
    FACT_KINDS,
    QUOTES,
    check_dates,
    check_lang,
    check_page,
    match_names,
    normalize_unit,
    resolve_source,
)
from newsmon.query.territories import Unit, kato_ranges, resolve_territory, territory_clause
from newsmon.store.db import open_session
from newsmon.store.models import Article, Fact, Person, Source


@dataclass
class FactFilter:
    """What `newsmon facts` can ask for; dates are days in Asia/Almaty, both ends included."""

    kind: str | None = None
    since: date | None = None
    until: date | None = None
    limit: int | None = None
    offset: int = 0
    person: str | None = None
    program: str | None = None
    territory: str | None = None
    unit: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    source: str | None = None
    lang: str | None = None

    def validate(self) -> None:
        if self.kind is not None and self.kind not in FACT_KINDS:
            raise InputError(f"unknown kind {self.kind!r}: use one of {', '.join(FACT_KINDS)}")
        check_dates(self.since, self.until)
        check_page(self.limit, self.offset)
        check_lang(self.lang)
        for option, num in (("--min-value", self.min_value), ("--max-value", self.max_value)):
            if num is not None and math.isnan(num):
                raise InputError(f"{option} is not a number")
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            raise InputError(
                f"--min-value {self.min_value:g} is above --max-value {self.max_value:g}"
            )
        for option, val in (
            ("--person", self.person),
            ("--program", self.program),
            ("--unit", self.unit),
            ("--source", self.source),
            ("--territory", self.territory),
        ):
            if val is not None and not val.strip(QUOTES + " "):
                raise InputError(f"{option} is empty")


def person_ids(session: Session, wanted: str, spellings: Sequence[str] = ()) -> list[int]:
    """The `person` rows `wanted` names by the one person rule (newsmon.entities: any spelling, case
    form or initial of the name; a surname alone: every bearer), and those of facts spelled
    `spellings`."""
    table = Person.__table__  # type: ignore[attr-defined]
    out: set[int] = set()
    parsed = parse_person(wanted)
    if parsed is not None:
        for pid, first, initial in session.execute(
            sa.select(table.c.id, table.c.first_key, table.c.initial).where(
                table.c.surname_key == parsed.surname
            )
        ).all():
            if compatible(parsed, PersonName(parsed.surname, first, initial)):
                out.add(int(pid))
    names = list(spellings)
    for i in range(0, len(names), 900):
        out.update(
            int(pid)
            for pid in session.execute(
                sa.select(col(Fact.person_id))
                .where(col(Fact.person).in_(names[i : i + 900]), col(Fact.person_id).is_not(None))
                .distinct()
            ).scalars()
        )
    return sorted(out)


class FactColumns(Protocol):
    """The columns of a stored fact `fact_to_dict` reads: a `Fact` row object or a Core row."""

    @property
    def id(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def sentence(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def confidence(self) -> float: ...
    @property
    def extractor(self) -> str: ...
    @property
    def person(self) -> str | None: ...
    @property
    def role(self) -> str | None: ...
    @property
    def program(self) -> str | None: ...
    @property
    def value(self) -> float | None: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def raw(self) -> str | None: ...
    @property
    def territory_kato(self) -> str | None: ...
    @property
    def territory_name(self) -> str | None: ...
    @property
    def territory_level(self) -> str | None: ...
    @property
    def territory_path(self) -> list[str] | None: ...
    @property
    def mentions(self) -> list[list[int]] | None: ...
    @property
    def extra(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class FactArticle:
    """The article columns a fact is written with."""

    url: str
    title: str
    published: datetime | None
    lang: str
    source: str  # the source's name


def fact_article(article: Article, source: Source) -> FactArticle:
    return FactArticle(article.url, article.title, article.published, article.lang, source.name)


def fact_to_dict(fact: FactColumns, article: FactArticle) -> dict[str, Any]:
    """A stored fact exactly as CONTRACT §2 writes it."""
    out: dict[str, Any] = {
        "id": fact.id,
        "kind": fact.kind,
        "article": {
            "url": article.url,
            "title": article.title,
            "source": article.source,
            "published": iso_time(article.published),
            "lang": article.lang,
        },
        "text": fact.text,
        "sentence": fact.sentence,
        "start": fact.start,
        "end": fact.end,
        "confidence": fact.confidence,
        "extractor": fact.extractor,
    }
    territory = (
        {
            "name": fact.territory_name,
            "level": fact.territory_level,
            "kato": fact.territory_kato,
            "path": fact.territory_path or [],
        }
        if fact.territory_name
        else None
    )
    if fact.kind == "akim":
        out.update(person=fact.person, role=fact.role, territory=territory)
    elif fact.kind == "amount":
        value = fact.value
        out.update(
            value=int(value) if value is not None and float(value).is_integer() else value,
            unit=fact.unit,
            raw=fact.raw,
            program=fact.program,
            territory=territory,
        )
    elif fact.kind == "program":
        out.update(program=fact.program)
    elif fact.kind == "territory":
        out.update(territory=territory)
    out["mentions"] = fact.mentions or [[fact.start, fact.end]]
    for key, val in (fact.extra or {}).items():
        out.setdefault(key, val)
    return out


def _territory_alternatives(units: Sequence[Unit]) -> list[Any]:
    """The unit condition as disjoint alternatives (each can use a covering index alone)."""
    alts: list[sa.ColumnElement[bool]] = [
        col(Fact.territory_kato).between(lo, hi)
        for lo, hi, _ in kato_ranges(units)
        if lo is not None
    ]
    alts.append(
        sa.and_(
            col(Fact.territory_kato).is_(None),
            col(Fact.territory_name).in_([u.name for u in units]),
        )
    )
    return alts


def fact_conditions(
    session: Session, flt: FactFilter, alternatives: list[Any] | None = None
) -> list[Any]:
    """SQL conditions on `fact` for `flt` (names resolved against the database).

    With `alternatives` (a list to fill), the territory condition is not ANDed in but its disjoint
    alternatives are appended there: the caller runs one query per alternative (UNION ALL).
    """
    cond: list[Any] = []
    if flt.kind:
        cond.append(col(Fact.kind) == flt.kind)
    if flt.since:
        cond.append(col(Fact.published) >= day_start(flt.since))
    if flt.until:
        cond.append(col(Fact.published) < day_start(flt.until + timedelta(days=1)))
    if flt.person:
        names = match_names(session, Fact.person, flt.person, ("akim",))
        ids = person_ids(session, flt.person, names)
        cond.append(
            sa.or_(col(Fact.person).in_(names), col(Fact.person_id).in_(ids))
            if ids
            else col(Fact.person).in_(names)
        )
    if flt.program:
        names = match_names(session, Fact.program, flt.program, ("program", "amount"))
        cond.append(col(Fact.program).in_(names))
    if flt.territory:
        units = resolve_territory(session, flt.territory)
        if alternatives is None:
            cond.append(territory_clause(units, Fact.territory_kato, Fact.territory_name))
        else:
            alternatives += _territory_alternatives(units)
    if flt.unit:
        cond.append(col(Fact.unit) == normalize_unit(flt.unit))
    if flt.min_value is not None:
        cond.append(col(Fact.value) >= float(flt.min_value))  # an int past 64 bits too
    if flt.max_value is not None:
        cond.append(col(Fact.value) <= float(flt.max_value))
    if flt.source:
        cond.append(col(Fact.source_id) == resolve_source(session, flt.source))
    if flt.lang:
        cond.append(col(Fact.lang) == flt.lang)
    return cond


_F, _A, _S = Fact.__table__, Article.__table__, Source.__table__  # type: ignore[attr-defined]


_ROW_COLUMNS = [
    *_F.c,
    _A.c.url.label("a_url"),
    _A.c.title.label("a_title"),
    _A.c.published.label("a_published"),
    _A.c.lang.label("a_lang"),
    _S.c.name.label("s_name"),
]


def _rows_query(conds: Sequence[Any]) -> Any:
    # Core rows, not ORM instances: building model objects costs more than the query itself
    return (
        sa.select(*_ROW_COLUMNS)
        .select_from(_F.join(_A, _F.c.article_id == _A.c.id).join(_S, _A.c.source_id == _S.c.id))
        .where(*conds)
        .order_by(_F.c.published, _F.c.id)
    )


def _row_to_dict(row: sa.Row[Any]) -> dict[str, Any]:
    # a Core row of `_ROW_COLUMNS` has the fact's columns as attributes, under their own names
    article = FactArticle(row.a_url, row.a_title, row.a_published, row.a_lang, row.s_name)
    return fact_to_dict(cast(FactColumns, row), article)


# the orders a page of facts can be read in: name → ORDER BY columns ("published" is iter_facts' order)
FACT_SORTS: dict[str, tuple[Any, ...]] = {
    "published": (_F.c.published, _F.c.id),
    "-published": (sa.desc(_F.c.published), sa.desc(_F.c.id)),
    "-confidence": (sa.desc(_F.c.confidence), _F.c.id),
    "-value": (sa.desc(_F.c.value), _F.c.id),
    "value": (_F.c.value, _F.c.id),
}


def sorted_fact_ids(session: Session, flt: FactFilter, sort: str) -> list[int]:
    """The ids of the facts matching `flt` in `sort` order (FACT_SORTS), flt.offset and flt.limit applied."""
    if sort not in FACT_SORTS:
        raise InputError(f"unknown sort {sort!r}: use one of {', '.join(FACT_SORTS)}")
    flt.validate()
    query = (
        sa.select(_F.c.id)
        .where(*fact_conditions(session, flt))
        .order_by(*FACT_SORTS[sort])
        .offset(flt.offset)
        .limit(flt.limit)
    )
    return [int(i) for i in session.execute(query).scalars()]


def article_facts(
    session: Session, article_ids: Sequence[int], limit: int = 500
) -> list[dict[str, Any]]:
    """The facts of these articles (CONTRACT §2 dicts), in article and text order, at most `limit`."""
    if not article_ids:
        return []
    query = (
        sa.select(_F.c.id)
        .where(_F.c.article_id.in_(list(article_ids)))
        .order_by(_F.c.article_id, _F.c.start, _F.c.id)
        .limit(limit)
    )
    return facts_by_ids(session, [int(i) for i in session.execute(query).scalars()])


def evidence_spans(session: Session, fact_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Where each fact stands in its evidence sentence: character offsets into `sentence`, found from the
    fact's `start`/`end` in its article's stored text (title and body), so a repeated word marks the
    right occurrence. A fact whose sentence is not found there (an edited article) falls back to the
    first occurrence of its text in the sentence; a fact found neither way is left out."""
    ids = sorted({int(i) for i in fact_ids})
    out: dict[int, tuple[int, int]] = {}
    query = (
        sa.select(_F.c.id, _F.c.start, _F.c.end, _F.c.text, _F.c.sentence, _A.c.title, _A.c.text)
        .join(_A, _A.c.id == _F.c.article_id)
        .where(_F.c.id.in_(sa.bindparam("ids", expanding=True)))
    )
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for fid, start, end, text, sentence, title, body in session.execute(query, {"ids": chunk}):
            span = sentence_span(
                sentence or "", text or "", start, end, f"{title}\n{body}" if body else title
            )
            if span is not None:
                out[int(fid)] = span
    return out


def sentence_span(
    sentence: str, text: str, start: int, end: int, stored: str | None
) -> tuple[int, int] | None:
    """Offsets of the fact (`text`, at `start`:`end` of `stored`) inside `sentence` (see evidence_spans)."""
    if stored is not None and 0 <= start < end <= len(stored) and len(sentence) >= end - start:
        at = stored.find(sentence, max(0, end - len(sentence)), start + len(sentence))
        if at != -1 and at <= start and end <= at + len(sentence):
            return start - at, end - at
    found = sentence.find(text) if text else -1
    return (found, found + len(text)) if found != -1 else None


def facts_by_ids(session: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    """CONTRACT §2 dicts of the facts `ids`, in that order (ids not stored are left out)."""
    if not ids:
        return []
    rows = session.execute(_rows_query([_F.c.id.in_(list(ids))])).all()
    by_id = {row._mapping["id"]: _row_to_dict(row) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def iter_facts(
    flt: FactFilter, *, database_url: str | None = None, session: Session | None = None
) -> Iterator[dict[str, Any]]:
    """Facts matching `flt`, oldest first, as CONTRACT §2 dicts (streamed)."""
    flt.validate()
    own = session is None
    session = session or open_session(database_url)
    try:
        if flt.limit is not None:
            # a page: pick its fact ids on the fact indexes first (one covering-index pass per
            # alternative of the unit condition), then join only those rows
            alts: list[Any] = []
            conds = fact_conditions(session, flt, alts)
            parts = [select(_F.c.id, _F.c.published).where(*conds, alt) for alt in alts] or [
                select(_F.c.id, _F.c.published).where(*conds)
            ]
            both = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
            ids = (
                select(both.c.id)
                .order_by(both.c.published, both.c.id)
                .offset(flt.offset)
                .limit(flt.limit)
            )
            page = session.execute(ids).scalars().all()
            query = _rows_query([_F.c.id.in_(page)])
        else:
            query = _rows_query(fact_conditions(session, flt)).offset(flt.offset)
        result = session.execute(query.execution_options(yield_per=1000))
        for row in result:
            yield _row_to_dict(row)
    finally:
        if own:
            session.close()


def list_facts(
    flt: FactFilter, *, database_url: str | None = None, session: Session | None = None
) -> list[dict[str, Any]]:
    """`iter_facts` as a list (for pages of results)."""
    return list(iter_facts(flt, database_url=database_url, session=session))


def count_facts(session: Session) -> dict[str, int]:
    rows = session.exec(select(col(Fact.kind), sa.func.count()).group_by(col(Fact.kind))).all()
    return {kind: n for kind, n in rows}
