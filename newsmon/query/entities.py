"""Entity pages as data: a person (posts held, facts) and a territory (heads now and before, child
units, programmes and money, latest facts). The web layer calls these and renders; nothing else."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from newsmon.errors import InputError, NotFoundError
from newsmon.nlp.gazetteer import core_units
from newsmon.query.directories import akims_directory, program_summaries
from newsmon.query.facts import FactFilter, facts_by_ids, sorted_fact_ids
from newsmon.query.territories import resolve_territory
from newsmon.store.db import open_session
from newsmon.store.models import Fact, Person, Territory

PROFILE_FACTS = 50  # facts listed on an entity's page, newest first


@dataclass
class PersonProfile:
    """One person: names, every post held (one row per unit period, as `newsmon akims`), facts."""

    id: int
    name: str
    name_kk: str | None
    aliases: list[str]
    posts: list[dict[str, Any]]  # AkimEntry dicts, current first
    facts: list[dict[str, Any]]  # CONTRACT §2 facts, newest first (at most PROFILE_FACTS)
    facts_total: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TerritoryProfile:
    """One unit: its names, who heads it now and who did before, its child units, the programmes
    and money its articles mention, and its latest facts."""

    kato: str
    name: str
    name_kk: str | None
    level: str | None
    path: list[str]
    aliases: list[str]
    akims: list[dict[str, Any]]  # heads (and deputies) of this unit itself, current first
    children: list[dict[str, Any]]  # [{kato, name, name_kk, level}]
    programmes: list[dict[str, Any]]  # ProgramSummary dicts for this unit and what is inside it
    facts: list[dict[str, Any]] = field(default_factory=list)  # newest first

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def person_profile(
    person_id: int, *, database_url: str | None = None, session: Session | None = None
) -> PersonProfile:
    """The person `person_id` with the posts held and the facts about them; NotFoundError when unknown."""
    own = session is None
    session = session or open_session(database_url)
    try:
        p = Person.__table__  # type: ignore[attr-defined]
        f = Fact.__table__  # type: ignore[attr-defined]
        row = session.execute(
            sa.select(p.c.id, p.c.name, p.c.name_kk, p.c.aliases).where(p.c.id == person_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no person with id {person_id}")
        aliases = json.loads(row[3]) if isinstance(row[3], str) else list(row[3] or [])
        units = sorted(
            {
                k
                for k in session.execute(
                    sa.select(f.c.territory_kato).where(f.c.person_id == person_id).distinct()
                ).scalars()
                if k
            }
        )
        posts: list[dict[str, Any]] = []
        for kato in units:
            posts += [
                e.as_dict()
                for e in akims_directory(kato, deputies=True, session=session)
                if e.person_id == person_id and (e.territory or {}).get("kato") == kato
            ]
        # units the facts name without a KATO code (before a KATO import): found by their name
        unnamed = sorted(
            {
                n
                for n in session.execute(
                    sa.select(f.c.territory_name)
                    .where(f.c.person_id == person_id, f.c.territory_kato.is_(None))
                    .distinct()
                ).scalars()
                if n
            }
        )
        for name in unnamed:
            try:
                entries = akims_directory(name, deputies=True, session=session)
            except NotFoundError:  # a name the directory cannot resolve: no post to show
                continue
            posts += [
                e.as_dict()
                for e in entries
                if e.person_id == person_id
                and not (e.territory or {}).get("kato")
                and (e.territory or {}).get("name") == name
            ]
        posts.sort(key=lambda e: (not e["current"], e["since"] or ""), reverse=False)
        ids = [
            int(i)
            for i in session.execute(
                sa.select(f.c.id)
                .where(f.c.person_id == person_id)
                .order_by(sa.desc(f.c.published), sa.desc(f.c.id))
            ).scalars()
        ]
        return PersonProfile(
            id=row[0],
            name=row[1],
            name_kk=row[2],
            aliases=aliases,
            posts=posts,
            facts=facts_by_ids(session, ids[:PROFILE_FACTS]),
            facts_total=len(ids),
        )
    finally:
        if own:
            session.close()


def territory_profile(
    kato: str, *, database_url: str | None = None, session: Session | None = None
) -> TerritoryProfile:
    """The unit with KATO code `kato` (imported, or of the built-in core, or named by facts)."""
    if not (kato.isdigit() and len(kato) == 9):
        raise InputError(f"a KATO code has 9 digits: {kato!r}")
    own = session is None
    session = session or open_session(database_url)
    try:
        t = Territory.__table__  # type: ignore[attr-defined]
        (unit,) = resolve_territory(session, kato)
        row = session.execute(
            sa.select(t.c.name, t.c.name_kk, t.c.level, t.c.aliases).where(t.c.kato == kato)
        ).first()
        core = {u.kato: u for u in core_units() if u.kato}
        known = row is not None or kato in core or unit.level is not None
        if not known:
            raise NotFoundError(f"no territorial unit with KATO code {kato}")
        if row is not None:
            name, name_kk, level, aliases = row[0], row[1], row[2], row[3]
            aliases = json.loads(aliases) if isinstance(aliases, str) else list(aliases or [])
        elif kato in core:
            c = core[kato]
            name, name_kk, level, aliases = c.name, c.name_kk, c.level, list(c.aliases or [])
        else:
            name, name_kk, level, aliases = unit.name, None, unit.level, []
        children: dict[str, dict[str, Any]] = {}
        for ckato, cname, ckk, clevel in session.execute(
            sa.select(t.c.kato, t.c.name, t.c.name_kk, t.c.level).where(t.c.parent == kato)
        ).all():
            children[ckato] = {"kato": ckato, "name": cname, "name_kk": ckk, "level": clevel}
        for c in core.values():
            if c.parent == kato and c.kato and c.kato not in children:
                children[c.kato] = {
                    "kato": c.kato,
                    "name": c.name,
                    "name_kk": c.name_kk,
                    "level": c.level,
                }
        akims = [
            e.as_dict()
            for e in akims_directory(kato, deputies=True, session=session)
            if (e.territory or {}).get("kato") == kato
        ]
        programmes = [p.as_dict() for p in program_summaries(territory=kato, session=session)]
        ids = sorted_fact_ids(
            session, FactFilter(territory=kato, limit=PROFILE_FACTS), "-published"
        )
        return TerritoryProfile(
            kato=kato,
            name=name,
            name_kk=name_kk,
            level=level,
            path=list(unit.path or ()),
            aliases=aliases,
            akims=akims,
            children=sorted(children.values(), key=lambda c: c["name"]),
            programmes=programmes,
            facts=facts_by_ids(session, ids),
        )
    finally:
        if own:
            session.close()


def fact_person_ids(session: Session, fact_ids: Sequence[int]) -> dict[int, int]:
    """The person each of these facts is about (fact id → person id), for links to the person's page;
    facts linked to no person are left out."""
    f = Fact.__table__  # type: ignore[attr-defined]
    ids = sorted({int(i) for i in fact_ids})
    out: dict[int, int] = {}
    query = sa.select(f.c.id, f.c.person_id).where(
        f.c.id.in_(sa.bindparam("ids", expanding=True)), f.c.person_id.is_not(None)
    )
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for fid, pid in session.execute(query, {"ids": chunk}):
            out[int(fid)] = int(pid)
    return out


def kazakh_unit_names(session: Session, katos: Sequence[str]) -> dict[str, str]:
    """The Kazakh names of these units (KATO → name), from the territory rows, else the built-in core;
    units without one are left out."""
    t = Territory.__table__  # type: ignore[attr-defined]
    wanted = sorted({k for k in katos if k})
    if not wanted:
        return {}
    core = {u.kato: u.name_kk for u in core_units() if u.kato in wanted and u.name_kk}
    rows = session.execute(
        sa.select(t.c.kato, t.c.name_kk).where(t.c.kato.in_(wanted), t.c.name_kk.is_not(None))
    ).all()
    return {**core, **{str(k): str(n) for k, n in rows}}


def person_ids_by_name(session: Session, names: Sequence[str]) -> dict[str, int]:
    """The id of the one person whose canonical (or Kazakh) name is each of `names`; a name two
    people share, or no person has, is left out (a link must not pick one of namesakes)."""
    p = Person.__table__  # type: ignore[attr-defined]
    wanted = sorted({n for n in names if n})
    if not wanted:
        return {}
    found: dict[str, set[int]] = {}
    rows = session.execute(
        sa.select(p.c.id, p.c.name, p.c.name_kk).where(
            sa.or_(p.c.name.in_(wanted), p.c.name_kk.in_(wanted))
        )
    ).all()
    for pid, name, name_kk in rows:
        for n in {name, name_kk} & set(wanted):
            found.setdefault(n, set()).add(int(pid))
    return {n: next(iter(ids)) for n, ids in found.items() if len(ids) == 1}
