"""Summary tables kept in step with the facts: per territory and day, per programme and day, per
person and unit, and each article's territories (models `Summary*`, `ArticleTerritory`).

The extract stage calls `replace_facts` in the transaction that deletes an article's old facts and
inserts its new ones: each table's rows change by the difference between the two (counts added,
first/last times widened), so the tables are never stale or counted twice. A distinct-article count
is a sum over articles because every key holds one article's facts of one day. When a removed fact
was a group's first, last or latest and the new facts do not take its place, that group's extremes
are recomputed from the facts. `rebuild` computes every table from the facts alone (`newsmon
reindex`); the tests check that both ways give the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from newsmon.store.models import (
    ArticleTerritory,
    Fact,
    SummaryPersonUnit,
    SummaryProgramDay,
    SummaryTerritory,
    SummaryTerritoryDay,
)

__all__ = ["SUMMARIES", "FactRow", "delete_facts", "fact_rows", "rebuild", "replace_facts", "rows"]

ALMATY = ZoneInfo("Asia/Almaty")  # query days are Almaty days (newsmon.query.dates)
NO_TIME = "0000-00-00 00:00:00.000000"
_F = Fact.__table__  # type: ignore[attr-defined]


class FactRow(NamedTuple):
    """The columns of a fact the summaries read."""

    id: int
    article_id: int
    kind: str
    published: datetime | None
    person: str | None
    role: str | None
    program: str | None
    territory_kato: str | None
    territory_name: str | None
    territory_level: str | None
    person_id: int | None
    event: str | None


FACT_COLUMNS = [_F.c[name] for name in FactRow._fields]


def day_of(published: datetime | None) -> str:
    return published.astimezone(ALMATY).date().isoformat() if published else ""


def latest_key(fact: FactRow) -> str:
    """A fact's place in time as one sortable string: UTC time, fixed width, then the id (12 digits)."""
    stamp = (
        fact.published.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if fact.published
        else NO_TIME
    )
    return f"{stamp}{fact.id:012d}"


def kato_prefixes(code: str) -> list[str]:
    """The prefixes of a KATO code a unit filter may name (newsmon.kato.kato_prefix): 2, 4, 6 digits
    and the code itself; of a code that is not 9 digits, every prefix."""
    code = code.strip()
    if len(code) != 9 or not code.isdigit():
        return [code[:n] for n in range(1, len(code) + 1)]
    return list(dict.fromkeys([code[:2], code[:4], code[:6], code]))


STORED_PREFIX_LENGTHS = (2, 4, 6, 9)  # every 9-digit code has its prefixes of these lengths stored


Key = tuple[str, ...]


@dataclass(frozen=True)
class Extreme:
    column: str
    op: str  # min | max
    value: Callable[[FactRow], Any]


@dataclass(frozen=True)
class Summary:
    """One summary table: the keys each fact counts under, and the extremes kept per key."""

    table: sa.Table
    key_columns: tuple[str, ...]
    keys: Callable[[FactRow], Iterable[Key]]
    extremes: tuple[Extreme, ...]
    match: Callable[[Key], list[sa.ColumnElement[bool]]]  # the facts of one key, for recomputing


def _territory_keys(f: FactRow) -> Iterator[Key]:
    day = day_of(f.published)
    for kind in (f.kind, "*"):
        yield ("all", kind, day, "", "", "")
        if f.territory_name is None and f.territory_kato is None:
            continue
        kato, name = f.territory_kato or "", f.territory_name or ""
        yield ("unit", kind, day, kato, name, f.territory_level or "")
        if f.territory_kato:
            yield ("region", kind, day, f.territory_kato[:2], "", "")
        elif f.territory_name:
            yield ("name", kind, day, "", f.territory_name, "")


def _unit_keys(f: FactRow) -> Iterator[Key]:
    if f.territory_name is not None:
        yield (f.territory_kato or "", f.territory_name, f.territory_level or "")


def _program_keys(f: FactRow) -> Iterator[Key]:
    if f.program is not None:
        day = day_of(f.published)
        yield (f.program, f.kind, day)
        yield (f.program, "*", day)


def _person_keys(f: FactRow) -> Iterator[Key]:
    if f.kind == "akim" and f.person is not None:
        yield (
            f.territory_kato or "",
            f.territory_name or "",
            f.person,
            f.role or "",
            str(f.person_id or 0),
            f.event or "",
        )


def _article_territory_keys(f: FactRow) -> Iterator[Key]:
    if f.territory_kato:
        for p in kato_prefixes(f.territory_kato):
            yield (p, "", str(f.article_id))
    elif f.territory_name:
        yield ("", f.territory_name, str(f.article_id))


def _day_range(day: str) -> list[sa.ColumnElement[bool]]:
    if not day:
        return [_F.c.published.is_(None)]
    d = date.fromisoformat(day)
    start = datetime.combine(d, time.min, ALMATY).astimezone(UTC)
    end = datetime.combine(d + timedelta(days=1), time.min, ALMATY).astimezone(UTC)
    return [_F.c.published >= start, _F.c.published < end]


def _or_null(column: Any, value: str) -> sa.ColumnElement[bool]:
    return sa.or_(column.is_(None), column == "") if value == "" else column == value


def _program_match(key: Key) -> list[sa.ColumnElement[bool]]:
    program, kind, day = key
    kinds = _F.c.kind.in_(("program", "amount")) if kind == "*" else _F.c.kind == kind
    return [_F.c.program == program, kinds, *_day_range(day)]


def _person_match(key: Key) -> list[sa.ColumnElement[bool]]:
    kato, name, person, role, person_id, event = key
    return [
        _F.c.kind == "akim",
        _F.c.person == person,
        _or_null(_F.c.role, role),
        _F.c.person_id.is_(None) if person_id == "0" else _F.c.person_id == int(person_id),
        _or_null(_F.c.event, event),
        _or_null(_F.c.territory_kato, kato),
        _or_null(_F.c.territory_name, name),
    ]


def _no_match(key: Key) -> list[sa.ColumnElement[bool]]:
    raise AssertionError(f"no extremes to recompute for {key}")


_FIRST = Extreme("first", "min", lambda f: f.published)
_LAST = Extreme("last", "max", lambda f: f.published)

SUMMARIES = (
    Summary(
        SummaryTerritoryDay.__table__,  # type: ignore[attr-defined]
        ("scope", "kind", "day", "kato", "name", "level"),
        _territory_keys,
        (),
        _no_match,
    ),
    Summary(
        SummaryTerritory.__table__,  # type: ignore[attr-defined]
        ("kato", "name", "level"),
        _unit_keys,
        (),
        _no_match,
    ),
    Summary(
        SummaryProgramDay.__table__,  # type: ignore[attr-defined]
        ("program", "kind", "day"),
        _program_keys,
        (_FIRST, _LAST),
        _program_match,
    ),
    Summary(
        SummaryPersonUnit.__table__,  # type: ignore[attr-defined]
        ("kato", "name", "person", "role", "person_id", "event"),
        _person_keys,
        (
            Extreme("level", "max", lambda f: f.territory_level),
            _FIRST,
            _LAST,
            Extreme("latest", "max", latest_key),
        ),
        _person_match,
    ),
    Summary(
        ArticleTerritory.__table__,  # type: ignore[attr-defined]
        ("kato", "name", "article_id"),
        _article_territory_keys,
        (),
        _no_match,
    ),
)


@dataclass
class _Acc:
    facts: int = 0
    articles: int = 0
    ext: list[Any] = field(default_factory=list)


def _better(op: str, a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b) if op == "min" else max(a, b)


def _accumulate(summary: Summary, facts: Iterable[FactRow]) -> dict[Key, _Acc]:
    """Each key's facts, articles and extremes over `facts` (all of them, from whole articles)."""
    out: dict[Key, _Acc] = {}
    seen: set[tuple[Key, int]] = set()
    for f in facts:
        for key in summary.keys(f):
            acc = out.get(key)
            if acc is None:
                acc = out[key] = _Acc(ext=[None] * len(summary.extremes))
            acc.facts += 1
            if (key, f.article_id) not in seen:
                seen.add((key, f.article_id))
                acc.articles += 1
            for i, e in enumerate(summary.extremes):
                acc.ext[i] = _better(e.op, acc.ext[i], e.value(f))
    return out


def _key_values(summary: Summary, key: Key) -> dict[str, Any]:
    values: dict[str, Any] = dict(zip(summary.key_columns, key, strict=True))
    for column in ("article_id", "person_id"):  # integer keys (person_id 0: none)
        if column in values:
            values[column] = int(values[column])
    return values


def _upsert(conn: sa.Connection, summary: Summary, rows: list[dict[str, Any]]) -> None:
    table = summary.table
    ins: Any = (
        postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)
    )
    new = ins.excluded
    updates: dict[str, Any] = {
        "facts": table.c.facts + new.facts,
        "articles": table.c.articles + new.articles,
    }
    for e in summary.extremes:
        old, add = table.c[e.column], new[e.column]
        wins = add < old if e.op == "min" else add > old
        updates[e.column] = sa.case(
            (add.is_(None), old), (old.is_(None), add), (wins, add), else_=old
        )
    stmt = ins.on_conflict_do_update(index_elements=list(summary.key_columns), set_=updates)
    for i in range(0, len(rows), 2000):
        conn.execute(stmt, rows[i : i + 2000])


def _key_clause(summary: Summary, key: Key) -> sa.ColumnElement[bool]:
    return sa.and_(*(summary.table.c[c] == v for c, v in _key_values(summary, key).items()))


def _apply(
    conn: sa.Connection, summary: Summary, old: dict[Key, _Acc], new: dict[Key, _Acc]
) -> None:
    rows: list[dict[str, Any]] = []
    recompute: list[Key] = []
    for key in sorted(old.keys() | new.keys()):  # one order in every worker: no deadlocks
        o, n = old.get(key), new.get(key)
        row = _key_values(summary, key)
        row["facts"] = (n.facts if n else 0) - (o.facts if o else 0)
        row["articles"] = (n.articles if n else 0) - (o.articles if o else 0)
        for i, e in enumerate(summary.extremes):
            row[e.column] = n.ext[i] if n else None
            # a removed extreme the new facts do not reach again may have been the group's
            if (
                o is not None
                and o.ext[i] is not None
                and (n is None or _better(e.op, n.ext[i], o.ext[i]) != n.ext[i])
                and key not in recompute
            ):
                recompute.append(key)
        if row["facts"] or row["articles"] or (n and summary.extremes):
            rows.append(row)
    if rows:
        _upsert(conn, summary, rows)
    gone = [k for k in old if k not in new]
    for i in range(0, len(gone), 500):
        conn.execute(
            sa.delete(summary.table).where(
                summary.table.c.facts <= 0,
                sa.or_(*(_key_clause(summary, k) for k in gone[i : i + 500])),
            )
        )
    for key in recompute:
        facts = [
            FactRow(*r) for r in conn.execute(sa.select(*FACT_COLUMNS).where(*summary.match(key)))
        ]
        acc = _accumulate(summary, facts).get(key)
        if acc is None:
            continue  # no fact left: the row was deleted above
        conn.execute(
            sa.update(summary.table)
            .where(_key_clause(summary, key))
            .values({e.column: acc.ext[i] for i, e in enumerate(summary.extremes)})
        )


def fact_rows(conn: sa.Connection, article_ids: Iterable[int]) -> list[FactRow]:
    """The stored facts of these articles, as the summaries read them."""
    out: list[FactRow] = []
    ids = sorted(article_ids)
    for i in range(0, len(ids), 500):
        out += [
            FactRow(*r)
            for r in conn.execute(
                sa.select(*FACT_COLUMNS).where(_F.c.article_id.in_(ids[i : i + 500]))
            )
        ]
    return out


def replace_facts(conn: sa.Connection, old: Sequence[FactRow], new: Sequence[FactRow]) -> None:
    """Move every summary from `old` (the facts just deleted, whole articles) to `new` (the facts just
    inserted, with their ids, of the same or other articles): call in the same transaction."""
    for summary in SUMMARIES:
        _apply(conn, summary, _accumulate(summary, old), _accumulate(summary, new))


def delete_facts(conn: sa.Connection, article_ids: Iterable[int]) -> int:
    """Delete the facts of these articles and take them out of the summaries (one transaction: the
    caller's). Returns the number of facts deleted."""
    old = fact_rows(conn, article_ids)
    ids = sorted(article_ids)
    for i in range(0, len(ids), 500):
        conn.execute(sa.delete(_F).where(_F.c.article_id.in_(ids[i : i + 500])))
    replace_facts(conn, old, [])
    return len(old)


def rebuild(conn: sa.Connection, *, batch: int = 20_000) -> dict[str, int]:
    """Compute every summary table from the facts alone and replace its rows; returns rows per table."""
    accs: list[dict[Key, _Acc]] = [{} for _ in SUMMARIES]

    def add(chunk: list[FactRow]) -> None:  # whole articles only: their articles count once
        for summary, acc in zip(SUMMARIES, accs, strict=True):
            for key, a in _accumulate(summary, chunk).items():
                cur = acc.get(key)
                if cur is None:
                    acc[key] = a
                    continue
                cur.facts += a.facts
                cur.articles += a.articles
                cur.ext = [
                    _better(e.op, x, y)
                    for e, x, y in zip(summary.extremes, cur.ext, a.ext, strict=True)
                ]

    result = conn.execute(
        sa.select(*FACT_COLUMNS).order_by(_F.c.article_id).execution_options(yield_per=batch)
    )
    pending: list[FactRow] = []
    for part in result.partitions(batch):
        pending += [FactRow(*r) for r in part]
        last = pending[-1].article_id
        cut = len(pending)
        while cut and pending[cut - 1].article_id == last:
            cut -= 1
        if cut:
            add(pending[:cut])
            pending = pending[cut:]
    if pending:
        add(pending)
    out: dict[str, int] = {}
    for summary, acc in zip(SUMMARIES, accs, strict=True):
        conn.execute(sa.delete(summary.table))
        rows = []
        for key in sorted(acc):
            a = acc[key]
            row = _key_values(summary, key)
            row.update(facts=a.facts, articles=a.articles)
            row.update({e.column: a.ext[i] for i, e in enumerate(summary.extremes)})
            rows.append(row)
        for i in range(0, len(rows), 5000):
            conn.execute(sa.insert(summary.table), rows[i : i + 5000])
        out[summary.table.name] = len(rows)
    return out


def rows(conn: sa.Connection, summary: Summary) -> list[tuple[Any, ...]]:
    """Every row of a summary table in key order (for checks)."""
    table = summary.table
    return [
        tuple(r)
        for r in conn.execute(sa.select(table).order_by(*(table.c[c] for c in summary.key_columns)))
    ]
