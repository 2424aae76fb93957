"""Summaries over facts: the akims directory (who was akim of what, when) and programme summaries."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from newsmon.entities import PersonName, compatible, parse_person
from newsmon.errors import InputError
from newsmon.query.dates import as_utc, iso_time
from newsmon.query.facts import FactFilter, fact_conditions
from newsmon.query.filters import check_dates, match_names
from newsmon.query.territories import (
    articles_in,
    kato_ranges,
    resolve_territory,
    territory_clause,
)
from newsmon.settings import get_settings
from newsmon.store.db import open_session
from newsmon.store.models import Fact, Person, Programme, SummaryPersonUnit, SummaryProgramDay

ROLE_AKIM = "аким"
ACTING_ROLE = "и.о. акима"
AKIM_ROLES = (ROLE_AKIM, ACTING_ROLE)


DEPUTY_ROLE = "заместитель акима"


# the same announcement reported by several articles: same programme, unit, currency and value within N days
# (the default of settings.announcement_window_days, NEWSMON_ANNOUNCEMENT_WINDOW_DAYS)
ANNOUNCEMENT_WINDOW_DAYS = 14


@dataclass
class AkimEntry:
    """One person as head (or deputy) of one unit for one period: since when, until when, acting or
    permanent, how they came (appointment evidence) and the latest evidence."""

    territory: dict[str, Any] | None
    person: str  # the canonical name (the `person` row), else the fullest spelling
    role: str  # the latest role seen: аким, и.о. акима, заместитель акима
    first_seen: str | None
    last_seen: str | None
    articles: int
    facts: int
    evidence: dict[str, Any]
    previous: str | None = None  # the head of this unit before this person
    current: bool | None = True  # heads the unit now (None: the unit is unknown)
    names: list[str] = field(default_factory=list)  # every spelling merged into `person`
    person_id: int | None = None
    person_kk: str | None = None  # the name with Kazakh letters, when the texts give one
    acting: bool = False
    since: str | None = None  # the start of the period: the appointment, else the first mention
    until: str | None = None  # its end: the dismissal, or the successor's start; None: open
    appointed: str | None = None  # when an article reported the appointment
    dismissed: str | None = None  # when an article reported the dismissal
    appointment: dict[str, Any] | None = None  # the evidence of the appointment (or dismissal)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# the latest fact of a group as one sortable string: published (fixed width) then the fact id
_STAMP_WIDTH = 26
_HEADS = frozenset(AKIM_ROLES)


def _latest_key(session: Session) -> Any:
    stamp: sa.ColumnElement[Any]
    if session.get_bind().dialect.name == "postgresql":
        stamp = sa.func.to_char(sa.func.timezone("UTC", Fact.published), "YYYY-MM-DD HH24:MI:SS.US")
    else:
        stamp = sa.cast(Fact.published, sa.Text)
    return sa.func.max(
        sa.func.coalesce(stamp, "0000-00-00 00:00:00.000000") + sa.cast(Fact.id, sa.Text)
    )


def _end_of(day: date) -> datetime:
    return datetime.combine(day, datetime.max.time(), UTC)


def akims_directory(
    territory: str | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
    deputies: bool = False,
    at: date | None = None,
    changes: bool = False,
    database_url: str | None = None,
    session: Session | None = None,
) -> list[AkimEntry]:
    """Akims by unit and period, current heads first: one row per person and unit period, people
    matched by `newsmon.entities` (a new spelling is never a new person), appointments and dismissals
    from the facts' events.

    `at`: who headed each unit on that day (facts up to it). `changes`: only the appointments,
    dismissals and successions from `since` on (the tenure is computed from all earlier facts).
    """
    check_dates(since, until)
    if at is not None and (since is not None or changes):
        raise InputError("--at gives the heads on one day: use it without --since and --changes")
    own = session is None
    session = session or open_session(database_url)
    try:
        fact_since = None if changes else since
        fact_until = at if at is not None else until
        roles = [*AKIM_ROLES, *([DEPUTY_ROLE] if deputies and at is None else [])]
        cond = [
            col(Fact.kind) == "akim",
            col(Fact.person).is_not(None),
            sa.or_(col(Fact.role).in_(roles), col(Fact.role).is_(None)),
        ]
        cond += fact_conditions(session, FactFilter(since=fact_since, until=fact_until))
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
            if fact_since is None and fact_until is None
            else _fact_akim_groups(session, cond, passes)
        )
        # one order whatever the plan (ties in time keep it): unit, person, role, event
        groups.sort(key=lambda g: (g[0] or "", g[1] or "", g[3], g[4] or "", g[8] or 0, g[9] or ""))
        evidence = _evidence(session, {int(g[-1][_STAMP_WIDTH:]) for g in groups})
        people = _person_names(session, {g[8] for g in groups if g[8] is not None})
        entries = _akim_entries(groups, evidence, people)
        if at is not None:
            entries = [e for e in entries if e.current]
        if changes:
            start = _when_key(_as_start(since)) if since else ""
            entries = [e for e in entries if _change_key(e) and _change_key(e) >= start]
            entries.sort(key=lambda e: (_change_key(e), e.person))
        return entries
    finally:
        if own:
            session.close()


def _fact_akim_groups(session: Session, cond: list[Any], passes: list[Any]) -> list[Any]:
    """The directory's groups counted over the facts (a period is asked for)."""
    latest = _latest_key(session)
    groups: list[Any] = []
    for unit_cond in passes:
        query = (
            sa.select(
                col(Fact.territory_kato),
                col(Fact.territory_name),
                sa.func.max(Fact.territory_level),
                col(Fact.person),
                col(Fact.role),
                sa.func.min(Fact.published),
                sa.func.max(Fact.published),
                sa.func.count(),
                col(Fact.person_id),
                col(Fact.event),
                latest,
            )
            .where(*cond, unit_cond)
            .group_by(
                col(Fact.territory_kato),
                col(Fact.territory_name),
                col(Fact.person_id),
                col(Fact.person),
                col(Fact.role),
                col(Fact.event),
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
                _PU.c.person_id,
                _PU.c.event,
                _PU.c.latest,
            ).where(*base, where)
        ):
            kato, name, level, person, role, first, last, n, person_id, event, latest = r
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
                    person_id or None,
                    event or None,
                    latest,
                )
            )
    return groups


def _as_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC)


def _change_key(e: AkimEntry) -> str:
    """When the entry's period changed hands: the appointment, the start after a predecessor, the
    dismissal (the latest of these); '' when nothing changed."""
    marks = [e.appointed, e.since if e.previous else None, e.dismissed]
    return max((_when_key(_parse(m)) for m in marks if m), default="")


def _parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


def _person_names(session: Session, ids: set[int]) -> dict[int, tuple[str, str | None]]:
    out: dict[int, tuple[str, str | None]] = {}
    ordered = sorted(ids)
    table = Person.__table__  # type: ignore[attr-defined]
    for i in range(0, len(ordered), 900):
        for pid, name, name_kk in session.execute(
            sa.select(table.c.id, table.c.name, table.c.name_kk).where(
                table.c.id.in_(ordered[i : i + 900])
            )
        ).all():
            out[pid] = (name, name_kk)
    return out


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


def _when_key(value: Any) -> str:
    """Raw stored times as comparable UTC strings (SQLite gives UTC text, PostgreSQL aware datetimes)."""
    if isinstance(
        value, datetime
    ):  # isoformat: strftime's "%Y-%m-%d %H:%M:%S.%f", several times faster
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return str(value or "")


@dataclass
class _Person:
    """The groups (unit, spelling, role, event) of one person in one unit."""

    ident: Any
    parsed: PersonName | None
    rows: list[Any] = field(default_factory=list)


def _who(rows: Sequence[Any]) -> list[_Person]:
    """The people of one unit: by person row when the facts are linked, else by the name rule
    (`newsmon.entities`): a surname alone or with an initial joins the one compatible full name."""
    out: list[_Person] = []
    by_ident: dict[Any, _Person] = {}

    def fullness(g: Any) -> int:
        p = parse_person(g[3])
        return 0 if p is None else (2 if p.first else (1 if p.initial else 0))

    for g in sorted(rows, key=lambda r: (r[8] is None, -fullness(r))):
        deputy = g[4] == DEPUTY_ROLE
        if g[8] is not None:
            ident: Any = ("id", g[8], deputy)
        else:
            parsed = parse_person(g[3])
            if parsed is None:
                ident = ("raw", g[3], deputy)
            else:
                fits = [
                    p
                    for p in out
                    if p.ident[0] == "name"
                    and p.ident[2] == deputy
                    and p.parsed is not None
                    and compatible(parsed, p.parsed)
                    and (not parsed.first or parsed.first == p.parsed.first)
                ]
                ident = fits[0].ident if len(fits) == 1 else ("name", parsed.key(), deputy)
        person = by_ident.get(ident)
        if person is None:
            parsed_now = parse_person(g[3]) if ident[0] == "name" else None
            person = by_ident[ident] = _Person(ident, parsed_now)
            out.append(person)
        person.rows.append(g)
    return out


def _akim_entries(
    groups: Sequence[Any],
    evidence: dict[int, dict[str, Any]],
    people: dict[int, tuple[str, str | None]],
) -> list[AkimEntry]:
    by_unit: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for g in groups:
        by_unit[(g[0], g[1] if g[0] is None else None)].append(g)
    entries: list[AkimEntry] = []
    for rows in by_unit.values():
        unit_entries = [_entry(p, evidence, people) for p in _who(rows)]
        if unit_entries[0][2].territory is None:  # people whose unit is unknown follow no one
            for *_, e in unit_entries:
                e.current = None
            entries += [e for *_, e in unit_entries]
            continue
        _tenure([t for t in unit_entries if t[2].role in _HEADS])
        for *_, e in unit_entries:
            if e.role == DEPUTY_ROLE:
                e.current = e.dismissed is None
        entries += [e for *_, e in unit_entries]
    entries.sort(
        key=lambda e: (
            not e.current,
            (e.territory or {}).get("kato") or "~",
            (e.territory or {}).get("name") or "",
            _desc(e.since),
        )
    )
    return entries


def _desc(iso: str | None) -> str:
    """A key sorting ISO times newest first."""
    return "".join(chr(0x10FFFF - ord(c)) for c in (iso or ""))


def _entry(
    person: _Person,
    evidence: dict[int, dict[str, Any]],
    people: dict[int, tuple[str, str | None]],
) -> tuple[str, str, AkimEntry]:
    """(since, last seen) as `_when_key` strings, and the entry of one person in one unit."""
    rs = person.rows
    held = [r for r in rs if r[9] != "dismissed"] or rs
    first = min((r[5] for r in held if r[5] is not None), default=None)
    last = max((r[6] for r in held if r[6] is not None), default=None)
    latest = max(held, key=lambda r: r[10])
    appointed_rows = [r for r in rs if r[9] == "appointed"]
    dismissed_rows = [r for r in rs if r[9] == "dismissed"]
    appointed = min((r[5] for r in appointed_rows if r[5] is not None), default=None)
    dismissed = max((r[6] for r in dismissed_rows if r[6] is not None), default=None)
    if (
        dismissed is not None
        and appointed is not None
        and _when_key(appointed) > _when_key(dismissed)
    ):
        dismissed = None  # appointed again after leaving
    if dismissed is not None and not [r for r in rs if r[9] != "dismissed"]:
        first = min((r[5] for r in rs if r[5] is not None), default=None)
    names = sorted({r[3] for r in rs})
    counts: dict[str, int] = defaultdict(int)
    for r in rs:
        counts[r[3]] += r[7]
    name, name_kk = (
        people.get(person.ident[1], (None, None)) if person.ident[0] == "id" else (None, None)
    )
    shown = name or max(names, key=lambda n: (counts[n], len(n)))
    ev = dict(evidence.get(int(latest[10][_STAMP_WIDTH:]), {}))
    path = ev.pop("path", [])
    how_rows = appointed_rows or dismissed_rows
    how = None
    if how_rows:
        how = dict(evidence.get(int(max(r[10] for r in how_rows)[_STAMP_WIDTH:]), {}))
        how.pop("path", None)
    unit = (
        {"name": rs[0][1], "level": rs[0][2], "kato": rs[0][0], "path": path}
        if rs[0][1] is not None
        else None
    )
    role = latest[4] or ROLE_AKIM
    entry = AkimEntry(
        territory=unit,
        person=shown,
        role=role,
        first_seen=iso_time(as_utc(first)),
        last_seen=iso_time(as_utc(last)),
        articles=sum(r[7] for r in held),
        facts=sum(r[7] for r in rs),
        evidence=ev,
        names=names,
        person_id=person.ident[1] if person.ident[0] == "id" else None,
        person_kk=name_kk,
        acting=role == ACTING_ROLE,
        since=iso_time(as_utc(first)),
        appointed=iso_time(as_utc(appointed)),
        dismissed=iso_time(as_utc(dismissed)),
        appointment=how,
    )
    return _when_key(first), _when_key(last), entry


def _tenure(heads: list[tuple[str, str, AkimEntry]]) -> None:
    """Periods of the heads of one unit: who followed whom, whose period is open (the current
    head: not dismissed, with no successor; a former holder never is)."""
    heads.sort(key=lambda t: (t[0], t[1]))
    open_ = [t for t in heads if t[2].dismissed is None]
    for t in open_:
        later = [h for h in heads if h[0] > t[1]]  # someone first seen after t's last mention
        if later:
            t[2].until = min(later)[2].since
    candidates = [t for t in open_ if t[2].until is None]
    current = max(candidates, key=lambda t: (t[2].appointed is not None, t[0]), default=None)
    for t in heads:
        e = t[2]
        e.current = t is current
        if e.dismissed is not None:
            e.until = e.dismissed
        elif current is not None and t is not current and e.until is None:
            e.until = current[2].since
        before = [
            h
            for h in heads
            if h is not t
            and h[0] < t[0]
            and (h[1] < t[0] or (h[2].until or "~") <= (e.since or ""))
        ]
        e.previous = max(before, key=lambda h: h[1])[2].person if before else None  # last seen


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
    programme_id: int | None = None  # the `programme` row
    name_ru: str | None = None  # the catalogue's Russian and Kazakh names
    name_kk: str | None = None
    territories: list[dict[str, Any]] = field(default_factory=list)  # units its articles name

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
            # (`+ 0`: the planner must not look the region's articles up one by one in the facts,
            # which SQLite did for a region's 38,000 articles: 660 ms; it scans the programme's
            # mentions on their covering index and checks each against the list: see BENCHMARKS.md)
            mention_cond.append((col(Fact.article_id) + 0).in_(articles_in(units)))
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
        out = _program_entries(mentions, amounts, window_days)
        _add_programme_rows(session, out, mention_cond)
        return out
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


PROGRAMME_TERRITORIES = 10  # units listed per programme, most often named first


def _add_programme_rows(
    session: Session, summaries: list[ProgramSummary], mention_cond: list[Any]
) -> None:
    """Each summary's `programme` row (id, Russian and Kazakh names) and the units named by the
    articles that mention it (territory facts of those articles)."""
    if not summaries:
        return
    names = [p.program for p in summaries]
    table = Programme.__table__  # type: ignore[attr-defined]
    rows: dict[str, Any] = {}
    for i in range(0, len(names), 900):
        for r in session.execute(
            sa.select(table.c.id, table.c.name, table.c.name_ru, table.c.name_kk).where(
                table.c.name.in_(names[i : i + 900])
            )
        ).all():
            rows[r[1]] = r
    place = Fact.__table__.alias("place")  # type: ignore[attr-defined]
    named = session.execute(
        sa.select(
            col(Fact.program),
            place.c.territory_kato,
            place.c.territory_name,
            sa.func.count(sa.distinct(place.c.article_id)),
        )
        .join(place, place.c.article_id == col(Fact.article_id))
        .where(*mention_cond, place.c.kind == "territory", place.c.territory_name.is_not(None))
        .group_by(col(Fact.program), place.c.territory_kato, place.c.territory_name)
    ).all()
    units: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for prog, kato, name, n in named:
        units[prog].append({"name": name, "kato": kato, "articles": int(n)})
    for p in summaries:
        row = rows.get(p.program)
        if row is not None:
            p.programme_id, p.name_ru, p.name_kk = row[0], row[2], row[3]
        p.territories = sorted(units.get(p.program, []), key=lambda u: (-u["articles"], u["name"]))[
            :PROGRAMME_TERRITORIES
        ]


def _number(x: float) -> float:
    return int(x) if float(x).is_integer() else x
