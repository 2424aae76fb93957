"""Summaries over facts: the akims directory (who was akim of what, when) and programme summaries."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from newsmon.errors import InputError
from newsmon.query.dates import as_utc, iso_time
from newsmon.query.facts import FactFilter, fact_conditions
from newsmon.query.filters import check_dates, match_names, plain_name
from newsmon.query.territories import (
    articles_in,
    kato_ranges,
    resolve_territory,
    territory_clause,
)
from newsmon.settings import get_settings
from newsmon.store.db import open_session
from newsmon.store.models import Fact, SummaryPersonUnit, SummaryProgramDay
from newsmon.text import name_word_key

AKIM_ROLES = ("аким", "и.о. акима")


DEPUTY_ROLE = "заместитель акима"


# the same announcement reported by several articles: same programme, unit, currency and value within N days
# (the default of settings.announcement_window_days, NEWSMON_ANNOUNCEMENT_WINDOW_DAYS)
ANNOUNCEMENT_WINDOW_DAYS = 14


@dataclass
class AkimEntry:
    """One person seen as akim of one unit: when, how often, the latest evidence, whom they followed."""

    territory: dict[str, Any] | None
    person: str
    role: str
    first_seen: str | None
    last_seen: str | None
    articles: int
    facts: int
    evidence: dict[str, Any]
    previous: str | None = None  # the person seen before in this unit: a likely appointment
    current: bool | None = True  # the latest person seen in this unit (None: the unit is unknown)
    names: list[str] = field(default_factory=list)  # every spelling merged into `person`

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# the latest fact of a group as one sortable string: published (fixed width) then the fact id
_STAMP_WIDTH = 26


def _latest_key(session: Session) -> Any:
    stamp: sa.ColumnElement[Any]
    if session.get_bind().dialect.name == "postgresql":
        stamp = sa.func.to_char(sa.func.timezone("UTC", Fact.published), "YYYY-MM-DD HH24:MI:SS.US")
    else:
        stamp = sa.cast(Fact.published, sa.Text)
    return sa.func.max(
        sa.func.coalesce(stamp, "0000-00-00 00:00:00.000000") + sa.cast(Fact.id, sa.Text)
    )


def akims_directory(
    territory: str | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
    deputies: bool = False,
    database_url: str | None = None,
    session: Session | None = None,
) -> list[AkimEntry]:
    """Akims by unit: first and last seen, article counts, latest evidence; name changes show as appointments.

    A fact is one person in one article (CONTRACT §2), so an entry's fact count is its article count.
    """
    check_dates(since, until)
    own = session is None
    session = session or open_session(database_url)
    try:
        roles = [*AKIM_ROLES, *([DEPUTY_ROLE] if deputies else [])]
        cond = [
            col(Fact.kind) == "akim",
            col(Fact.person).is_not(None),
            sa.or_(col(Fact.role).in_(roles), col(Fact.role).is_(None)),
        ]
        cond += fact_conditions(session, FactFilter(since=since, until=until))
        # one pass per kind of unit condition, each in index order (no sort, no temporary tables)
        territory_passes: list[tuple[str, str] | list[str]] | None = None
        if territory:
            units = resolve_territory(session, territory)
            territory_passes = [
                *(
                    (lo, hi)
                    for lo, hi, _ in kato_ranges(units)
                    if lo is not None and hi is not None
                ),
                [u.name for u in units],
            ]
            by_code = [
                col(Fact.territory_kato).between(lo, hi)
                for lo, hi, _ in kato_ranges(units)
                if lo is not None
            ]
            passes = [
                *by_code,
                sa.and_(
                    col(Fact.territory_kato).is_(None),
                    col(Fact.territory_name).in_([u.name for u in units]),
                ),
            ]
        else:
            passes = [sa.true()]
        groups: list[Any] = (
            _summary_akim_groups(session, territory_passes, roles)
            if since is None and until is None
            else _fact_akim_groups(session, cond, passes)
        )
        # one order whatever the plan (ties in time keep it): unit, person, role
        groups.sort(key=lambda g: (g[0] or "", g[1] or "", g[3], g[4] or ""))
        evidence = _evidence(session, {int(g[-1][_STAMP_WIDTH:]) for g in groups})
        return _akim_entries(groups, evidence)
    finally:
        if own:
            session.close()


def _fact_akim_groups(session: Session, cond: list[Any], passes: list[Any]) -> list[Any]:
    """The directory's groups counted over the facts (a period is asked for)."""
    latest = _latest_key(session)
    groups: list[Any] = []
    for unit_cond in passes:
        query = (
            select(
                Fact.territory_kato,
                Fact.territory_name,
                sa.func.max(Fact.territory_level),
                Fact.person,  # type: ignore[call-overload]
                Fact.role,
                sa.func.min(Fact.published),
                sa.func.max(Fact.published),
                sa.func.count(),
                sa.func.count(),
                latest,
            )
            .where(*cond, unit_cond)
            .group_by(
                col(Fact.territory_kato),
                col(Fact.territory_name),
                col(Fact.person),
                col(Fact.role),
            )
        )
        groups += session.execute(query).all()
    return groups


_PU = SummaryPersonUnit.__table__  # type: ignore[attr-defined]


def _summary_akim_groups(
    session: Session, passes: list[tuple[str, str] | list[str]] | None, roles: list[str]
) -> list[Any]:
    """The directory's groups as the extract stage keeps them (summary_person_unit), same shape."""
    base = [sa.or_(_PU.c.role.in_(roles), _PU.c.role == "")]
    wheres: list[Any] = []
    if passes is None:
        wheres = [sa.true()]
    else:
        for p in passes:
            if isinstance(p, tuple):
                wheres.append(_PU.c.kato.between(p[0], p[1]))
            else:
                wheres.append(sa.and_(_PU.c.kato == "", _PU.c.name.in_(p)))
    groups: list[Any] = []
    for where in wheres:
        for r in session.execute(
            sa.select(
                _PU.c.kato,
                _PU.c.name,
                _PU.c.level,
                _PU.c.person,
                _PU.c.role,
                _PU.c.first,
                _PU.c.last,
                _PU.c.facts,
                _PU.c.facts,
                _PU.c.latest,
            ).where(*base, where)
        ):
            kato, name, level, person, role, first, last, n, n2, latest = r
            groups.append(
                (
                    kato or None,
                    name or None,
                    level,
                    person,
                    role or None,
                    first,
                    last,
                    n,
                    n2,
                    latest,
                )
            )
    return groups


def _evidence(session: Session, fact_ids: set[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    ids = sorted(fact_ids)
    stmt = sa.text(
        "SELECT f.id, f.sentence, f.territory_path, a.url, a.title, a.published FROM fact f "
        "JOIN article a ON a.id = f.article_id WHERE f.id IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True))
    for chunk in (ids[i : i + 900] for i in range(0, len(ids), 900)):
        for fid, sentence, path, url, title, published in session.execute(
            stmt, {"ids": chunk}
        ).all():
            if isinstance(path, str):
                path = json.loads(path)
            out[fid] = {
                "sentence": sentence,
                "url": url,
                "title": title,
                "published": iso_time(as_utc(published)),
                "fact": fid,
                "path": path or [],
            }
    return out


@lru_cache(maxsize=100_000)
def _person_words(person: str) -> frozenset[str]:
    """The words of a name as spellings are compared (Russian and Kazakh letters, case forms aside)."""
    return frozenset(
        name_word_key(w) for w in re.findall(r"[^\W\d_]+", plain_name(person)) if len(w) > 1
    )


def _when_key(value: Any) -> str:
    """Raw stored times as comparable UTC strings (SQLite gives UTC text, PostgreSQL aware datetimes)."""
    if isinstance(
        value, datetime
    ):  # isoformat: strftime's "%Y-%m-%d %H:%M:%S.%f", several times faster
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return str(value or "")


def _akim_entries(groups: Sequence[Any], evidence: dict[int, dict[str, Any]]) -> list[AkimEntry]:
    by_unit: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for g in groups:
        by_unit[(g[0], g[1] if g[0] is None else None)].append(g)
    entries: list[AkimEntry] = []
    for rows in by_unit.values():
        # spellings of one person (Сикпаева / Ботагоз Сикпаева) merge: one's words within the other's
        merged: list[dict[str, Any]] = []
        for g in sorted(rows, key=lambda r: -len(_person_words(r[3]))):
            words = _person_words(g[3])
            target = next(
                (m for m in merged if words and words <= m["words"] and m["role"] == g[4]), None
            )
            if target is None:
                merged.append({"words": words, "role": g[4], "rows": [g]})
            else:
                target["rows"].append(g)
        unit_entries: list[
            tuple[str, str, AkimEntry]
        ] = []  # (first, last) as _when_key, computed once
        for m in merged:
            rs = m["rows"]
            if len(rs) == 1:  # the usual case: one spelling, nothing to combine
                top = latest = rs[0]
                first, last, n_articles, n_facts, names = top[5], top[6], top[7], top[8], [top[3]]
            else:
                first = min((r[5] for r in rs if r[5] is not None), default=None)
                last = max((r[6] for r in rs if r[6] is not None), default=None)
                latest = max(rs, key=lambda r: r[9])
                top = max(rs, key=lambda r: (r[8], len(r[3])))
                n_articles, n_facts, names = (
                    sum(r[7] for r in rs),
                    sum(r[8] for r in rs),
                    sorted({r[3] for r in rs}),
                )
            ev = dict(evidence.get(int(latest[9][_STAMP_WIDTH:]), {}))
            path = ev.pop("path", [])
            unit = (
                {"name": rs[0][1], "level": rs[0][2], "kato": rs[0][0], "path": path}
                if rs[0][1] is not None
                else None
            )
            unit_entries.append(
                (
                    _when_key(first),
                    _when_key(last),
                    AkimEntry(
                        territory=unit,
                        person=top[3],
                        role=m["role"] or "аким",
                        first_seen=iso_time(as_utc(first)),
                        last_seen=iso_time(as_utc(last)),
                        articles=n_articles,
                        facts=n_facts,
                        evidence=ev,
                        names=names,
                    ),
                )
            )
        unit_entries.sort(key=lambda t: (t[0], t[1]))
        if unit_entries[0][2].territory is None:  # people whose unit is unknown follow no one
            for *_, e in unit_entries:
                e.current = None
            entries += [e for *_, e in unit_entries]
            continue
        heads = [t for t in unit_entries if t[2].role in AKIM_ROLES]
        for i, (first, _last, cur) in enumerate(heads):
            # an appointment: someone else was seen as head before, and no longer once this person appears
            before = [t for t in heads[:i] if t[1] < first]
            cur.previous = max(before, key=lambda t: t[1])[2].person if before else None
        latest_head = max(heads, key=lambda t: (t[1], t[0]), default=None)
        for t in heads:
            t[2].current = t is latest_head
        entries += [e for *_, e in unit_entries]
    entries.sort(
        key=lambda e: (
            (e.territory or {}).get("kato") or "~",
            (e.territory or {}).get("name") or "",
            e.first_seen or "",
        )
    )
    return entries


@dataclass
class ProgramSummary:
    """One programme: mentions, articles, the units it appears in, money per unit counted once per announcement."""

    program: str
    mentions: int
    articles: int
    first_seen: str | None
    last_seen: str | None
    units: list[dict[str, Any]]  # [{territory, unit, total, announcements, reports}]
    totals: dict[str, float]  # measure unit → total over all territorial units
    window_days: int = ANNOUNCEMENT_WINDOW_DAYS

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def dedupe_announcements(
    reports: Sequence[tuple[datetime | None, float]], window_days: int
) -> list[list[int]]:
    """Group reports of one value (same programme, unit, currency) into announcements: a report within
    `window_days` of an announcement's first report is that announcement again. Returns index groups."""
    order = sorted(
        range(len(reports)),
        key=lambda i: reports[i][0] or datetime.min.replace(tzinfo=UTC),
    )
    groups: list[list[int]] = []
    first: datetime | None = None
    for i in order:
        when = reports[i][0]
        if groups and (
            when is None or first is None or when - first <= timedelta(days=window_days)
        ):
            groups[-1].append(i)
        else:
            groups.append([i])
            first = when
    return groups


def program_summaries(
    program: str | None = None,
    *,
    territory: str | None = None,
    since: date | None = None,
    until: date | None = None,
    window_days: int | None = None,
    database_url: str | None = None,
    session: Session | None = None,
) -> list[ProgramSummary]:
    """Every programme (or the one named), most mentioned first; `window_days` defaults to the setting."""
    check_dates(since, until)
    if window_days is None:
        window_days = get_settings().announcement_window_days
    if window_days < 0:
        raise InputError("--window-days must not be negative")
    own = session is None
    session = session or open_session(database_url)
    try:
        base = fact_conditions(session, FactFilter(program=program, since=since, until=until))
        mention_cond = [
            col(Fact.program).is_not(None),
            col(Fact.kind).in_(("program", "amount")),
            *base,
        ]
        if territory:
            units = resolve_territory(session, territory)
            # the articles that name the unit, from each article's territories (kept by extract)
            mention_cond.append(col(Fact.article_id).in_(articles_in(units)))
            mentions = session.execute(
                sa.select(
                    col(Fact.program),
                    sa.func.sum(sa.case((col(Fact.kind) == "program", 1), else_=0)),
                    sa.func.count(sa.distinct(col(Fact.article_id))),
                    sa.func.min(Fact.published),
                    sa.func.max(Fact.published),
                )
                .where(*mention_cond)
                .group_by(col(Fact.program))
            ).all()
        else:
            names = (
                match_names(session, Fact.program, program, ("program", "amount"))
                if program
                else None
            )
            mentions = _summary_mentions(session, names, since, until)
        amount_cond = [
            col(Fact.kind) == "amount",
            col(Fact.program).is_not(None),
            col(Fact.value).is_not(None),
            *base,
        ]
        if territory:
            amount_cond.append(territory_clause(units, Fact.territory_kato, Fact.territory_name))
        amounts = session.execute(
            sa.select(
                col(Fact.program),
                col(Fact.territory_kato),
                col(Fact.territory_name),
                col(Fact.territory_level),
                col(Fact.unit),
                col(Fact.value),
                col(Fact.published),
            ).where(*amount_cond)
        ).all()
        return _program_entries(mentions, amounts, window_days)
    finally:
        if own:
            session.close()


_PD = SummaryProgramDay.__table__  # type: ignore[attr-defined]


def _summary_mentions(
    session: Session, names: list[str] | None, since: date | None, until: date | None
) -> list[Any]:
    """(programme, mentions, articles, first, last) from the per-day summary the extract stage keeps."""
    cond: list[Any] = [_PD.c.kind.in_(("program", "*"))]
    if names is not None:
        cond.append(_PD.c.program.in_(names))
    if since:
        cond.append(_PD.c.day >= since.isoformat())
    if until:
        cond.append(_PD.c.day <= until.isoformat())
    star = _PD.c.kind == "*"
    rows = session.execute(
        sa.select(
            _PD.c.program,
            sa.func.sum(sa.case((_PD.c.kind == "program", _PD.c.facts), else_=0)),
            sa.func.sum(sa.case((star, _PD.c.articles), else_=0)),
            sa.func.min(sa.case((star, _PD.c.first))),
            sa.func.max(sa.case((star, _PD.c.last))),
        )
        .where(*cond)
        .group_by(_PD.c.program)
    ).all()
    return [tuple(r) for r in rows]


def _program_entries(
    mentions: Sequence[Any], amounts: Sequence[Any], window_days: int
) -> list[ProgramSummary]:
    by_key: dict[tuple[Any, ...], list[tuple[datetime | None, float]]] = defaultdict(list)
    for prog, kato, tname, level, unit, value, published in amounts:
        by_key[(prog, kato, tname, level, unit, float(value))].append(
            (as_utc(published), float(value))
        )
    per_unit: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = defaultdict(dict)
    for (prog, kato, tname, level, unit, value), reports in by_key.items():
        groups = dedupe_announcements(reports, window_days)
        slot = per_unit[prog].setdefault(
            (kato, tname, unit),
            {
                "territory": {"name": tname, "level": level, "kato": kato} if tname else None,
                "unit": unit,
                "total": 0.0,
                "announcements": 0,
                "reports": 0,
            },
        )
        slot["total"] += value * len(groups)
        slot["announcements"] += len(groups)
        slot["reports"] += len(reports)
    out = []
    for prog, n_mentions, n_articles, first, last in mentions:
        units = sorted(
            per_unit.get(prog, {}).values(), key=lambda s: (-s["total"], s["unit"] or "")
        )
        totals: dict[str, float] = defaultdict(float)
        for s in units:
            s["total"] = _number(s["total"])
            totals[s["unit"] or ""] += s["total"]
        out.append(
            ProgramSummary(
                program=prog,
                mentions=int(n_mentions or 0),
                articles=int(n_articles),
                first_seen=iso_time(as_utc(first)),
                last_seen=iso_time(as_utc(last)),
                units=units,
                totals={k: _number(v) for k, v in totals.items()},
                window_days=window_days,
            )
        )
    out.sort(key=lambda p: (-p.articles, -p.mentions, p.program))
    return out


def _number(x: float) -> float:
    return int(x) if float(x).is_integer() else x
