"""Facts → entities: the `person`, `territory` and `programme` rows a fact is about.

`Linker.link(rows)` fills `person_id`, `territory_id` and `programme_id` of fact rows about to be
stored, creating the entity rows they need in the same session (so in the same transaction as the
facts: `extract.finish`). `relink()` does the same for facts already stored (`newsmon extract --link`).

People are told apart by `newsmon.entities` (the one rule): a full name joins the person with the same
surname and first name; a surname alone or with an initial joins the one compatible person seen in the
same unit (or the only one there is, when the fact has no unit), else it is a person of its own. A
territory row is the KATO unit; before any import, the built-in core's unit is added (source `core`).
A programme row carries the catalogue's Russian and Kazakh names and variants.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from newsmon.entities import PersonName, compatible, parse_person, word_nominative
from newsmon.nlp.gazetteer import core_units
from newsmon.nlp.programs import Program, default_programs, name_key
from newsmon.store import summary
from newsmon.store.models import Fact, Person, Programme, Territory, utcnow
from newsmon.text import KK_LETTERS, kk_to_ru, name_word_key

RELINK_BATCH = 2000


@functools.lru_cache(maxsize=4)
def _catalogue(extra_file: str) -> dict[str, Program]:
    """The programme catalogue by name key, read once per process (per extra file)."""
    return {name_key(p.name): p for p in default_programs(Path(extra_file) if extra_file else None)}


def _has_kk(text: str) -> bool:
    return bool(KK_LETTERS.intersection(text))


@dataclass
class _PersonState:
    id: int
    name: str
    name_kk: str | None
    first_key: str | None
    initial: str | None
    aliases: list[str]
    units: set[str | None] = field(default_factory=set)
    dirty: bool = False

    def add_spelling(self, spelling: str, parsed: PersonName) -> None:
        """Remember a spelling; the names shown are the fullest Russian-letter one (else the Kazakh
        one transliterated) and the fullest one with Kazakh letters."""
        if parsed.first and not self.first_key:
            self.first_key, self.initial, self.dirty = parsed.first, parsed.initial, True
        elif parsed.initial and not self.initial:
            self.initial, self.dirty = parsed.initial, True
        if spelling not in self.aliases:
            self.aliases.append(spelling)
            self.dirty = True
        ru = [a for a in self.aliases if not _has_kk(a)]
        kk = [a for a in self.aliases if _has_kk(a)]
        name = _fullest(ru) if ru else kk_to_ru(_fullest(kk))
        name_kk = _fullest(kk) if kk else None
        if (name, name_kk) != (self.name, self.name_kk):
            self.name, self.name_kk, self.dirty = name, name_kk, True


def _fullest(spellings: list[str]) -> str:
    """The spelling to show: no initials, a first name, the first name first (as the news write
    it: «Алтай Көлгінов», not the register's «Көлгінов Алтай Сейдірұлы»), then the most words; the
    first seen among equals."""

    def rank(spelling: str) -> tuple[bool, bool, bool, int]:
        parsed = parse_person(spelling)
        words = spelling.split()
        surname_first = (
            parsed is not None
            and len(words) > 1
            and name_word_key(word_nominative(words[0])) == parsed.surname
        )
        has_first = parsed is not None and parsed.first is not None
        return ("." not in spelling, has_first, not surname_first, len(words))

    return max(spellings, key=rank)


class Linker:
    """Entity ids for fact rows, within one session (one transaction)."""

    def __init__(
        self,
        session: Session,
        programmes: Sequence[Program] | None = None,
        programs_file: Path | None = None,
        known_units: dict[int, set[str | None]] | None = None,
    ) -> None:
        """`programmes`: the catalogue; else the built-in one merged with `programs_file` (the
        caller's `settings.programs_file`)."""
        self.session = session
        self.catalogue = (
            {name_key(p.name): p for p in programmes}
            if programmes is not None
            else _catalogue(str(programs_file or ""))
        )
        self.people: dict[str, list[_PersonState]] = {}  # surname key → persons
        self.territories: set[str] | None = None
        self.core = {u.kato: u for u in core_units() if u.kato}
        self.programmes: dict[str, int] = {}
        # person id → units its facts were linked in before a relink cleared the links (so a surname
        # alone still joins the person of its unit, whatever order the facts come in)
        self.known_units = known_units or {}

    # -- persons ---------------------------------------------------------------------------------
    def _load_people(self, surnames: Iterable[str]) -> None:
        want = sorted({s for s in surnames if s not in self.people})
        if not want:
            return
        for s in want:
            self.people[s] = []
        p = Person.__table__  # type: ignore[attr-defined]
        f = Fact.__table__  # type: ignore[attr-defined]
        by_id: dict[int, _PersonState] = {}
        for i in range(0, len(want), 500):
            rows = self.session.execute(
                sa.select(
                    p.c.id,
                    p.c.name,
                    p.c.name_kk,
                    p.c.surname_key,
                    p.c.first_key,
                    p.c.initial,
                    p.c.aliases,
                ).where(p.c.surname_key.in_(want[i : i + 500]))
            ).all()
            for pid, name, name_kk, skey, fkey, initial, aliases in rows:
                st = _PersonState(pid, name, name_kk, fkey, initial, list(aliases or []))
                self.people[skey].append(st)
                by_id[pid] = st
        ids = sorted(by_id)
        for i in range(0, len(ids), 500):
            for pid, kato in self.session.execute(
                sa.select(f.c.person_id, f.c.territory_kato)
                .where(f.c.person_id.in_(ids[i : i + 500]))
                .distinct()
            ).all():
                by_id[pid].units.add(kato)
        for pid, st in by_id.items():
            st.units |= self.known_units.get(pid, set())

    def person(self, spelling: str | None, unit: str | None) -> int | None:
        """The person `spelling` names in `unit` (a KATO code or None), created when new."""
        parsed = parse_person(spelling or "")
        if parsed is None or spelling is None:
            return None
        self._load_people([parsed.surname])
        found = self._match(self.people[parsed.surname], parsed, unit)
        if found is None:
            found = self._create(spelling, parsed)
            self.people[parsed.surname].append(found)
        found.add_spelling(spelling, parsed)
        found.units.add(unit)
        return found.id

    @staticmethod
    def _match(
        cands: list[_PersonState], parsed: PersonName, unit: str | None
    ) -> _PersonState | None:
        def ok(c: _PersonState) -> bool:
            return compatible(parsed, PersonName(parsed.surname, c.first_key, c.initial))

        fitting = [c for c in cands if ok(c)]
        if parsed.first:
            same = [c for c in fitting if c.first_key == parsed.first]
            if same:
                here = [c for c in same if unit in c.units]
                return (here or same)[0]
            # someone written by surname (or initial) alone in this unit gets the first name now
            here = [c for c in fitting if unit is not None and unit in c.units]
            return here[0] if len(here) == 1 else None
        here = [c for c in fitting if unit is not None and unit in c.units]
        if len(here) == 1:
            return here[0]
        if len(here) > 1:  # the one with a full name first, else the first known
            return next((c for c in here if c.first_key), here[0])
        if unit is None and len(fitting) == 1:
            return fitting[0]
        return None

    def _create(self, spelling: str, parsed: PersonName) -> _PersonState:
        name = kk_to_ru(spelling) if _has_kk(spelling) else spelling
        pid = self.session.execute(
            sa.insert(Person.__table__)  # type: ignore[attr-defined]
            .values(
                name=name,
                name_kk=spelling if _has_kk(spelling) else None,
                surname_key=parsed.surname,
                first_key=parsed.first,
                initial=parsed.initial,
                aliases=[spelling],
                created=utcnow(),
            )
            .returning(sa.column("id"))
        ).scalar_one()
        return _PersonState(int(pid), name, None, parsed.first, parsed.initial, [])

    # -- territories -----------------------------------------------------------------------------
    def territory(self, kato: str | None, name: str | None, level: str | None) -> str | None:
        """The territory row of a KATO code, added from the core (or the fact) when not imported."""
        if not kato or not kato.isdigit():
            return None
        table = Territory.__table__  # type: ignore[attr-defined]
        if self.territories is None:
            self.territories = set(self.session.execute(sa.select(table.c.kato)).scalars())
        if kato in self.territories:
            return kato
        unit = self.core.get(kato)
        row = {
            "kato": kato,
            "parent": unit.parent if unit else None,
            "level": (unit.level if unit else level) or "settlement",
            "name": (unit.name if unit else name) or kato,
            "name_kk": unit.name_kk if unit else None,
            "raw": None,
            "aliases": (unit.aliases or None) if unit else None,
            "source": "core",
        }
        _insert_once(self.session, table, row)  # another worker may add it at the same moment
        self.territories.add(kato)
        return kato

    # -- programmes ------------------------------------------------------------------------------
    def programme(self, name: str | None) -> int | None:
        if not name:
            return None
        if name in self.programmes:
            return self.programmes[name]
        table = Programme.__table__  # type: ignore[attr-defined]
        pid = self.session.execute(sa.select(table.c.id).where(table.c.name == name)).scalar()
        if pid is None:
            entry = self.catalogue.get(name_key(name))
            ru = (entry.ru if entry else None) or (None if _has_kk(name) else name)
            kk = (entry.kk if entry else None) or (name if _has_kk(name) else None)
            row = {
                "name": name,
                "name_ru": ru,
                "name_kk": kk,
                "aliases": list(entry.variants) if entry else None,
                "kind": entry.kind if entry else None,
                "created": utcnow(),
            }
            _insert_once(self.session, table, row)  # unique name: another worker's row is it
            pid = self.session.execute(
                sa.select(table.c.id).where(table.c.name == name)
            ).scalar_one()
        self.programmes[name] = int(pid)
        return int(pid)

    # -- fact rows -------------------------------------------------------------------------------
    def link(self, rows: Sequence[dict[str, Any]]) -> None:
        """Set `person_id`, `territory_id`, `programme_id` on fact rows (dicts of Fact columns)."""
        self._load_people(
            p.surname
            for r in rows
            if r.get("kind") == "akim" and (p := parse_person(r.get("person") or "")) is not None
        )
        for r in rows:
            kato = r.get("territory_kato")
            r["territory_id"] = self.territory(
                kato, r.get("territory_name"), r.get("territory_level")
            )
            r["person_id"] = self.person(r.get("person"), kato) if r.get("kind") == "akim" else None
            r["programme_id"] = self.programme(r.get("program"))

    def flush(self) -> None:
        """Write what new spellings taught about known persons."""
        table = Person.__table__  # type: ignore[attr-defined]
        for people in self.people.values():
            for st in people:
                if st.dirty:
                    self.session.execute(
                        sa.update(table)
                        .where(table.c.id == st.id)
                        .values(
                            name=st.name,
                            name_kk=st.name_kk,
                            first_key=st.first_key,
                            initial=st.initial,
                            aliases=st.aliases,
                        )
                    )
                    st.dirty = False


def _insert_once(session: Session, table: sa.Table, row: dict[str, Any]) -> None:
    """INSERT, doing nothing when a row with the same key is there already (PostgreSQL and SQLite
    both say ON CONFLICT DO NOTHING), so workers extracting at the same time never collide."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(table).values(**row).on_conflict_do_nothing())


def link_rows(
    session: Session, rows: Sequence[dict[str, Any]], programs_file: Path | None = None
) -> None:
    """Entity ids for fact rows about to be inserted, in the caller's transaction."""
    linker = Linker(session, programs_file=programs_file)
    linker.link(rows)
    linker.flush()


_LINK_READS = ("kind", "person", "program", "territory_kato", "territory_name", "territory_level")
_LINK_SETS = ("person_id", "territory_id", "programme_id")


def link_facts(session: Session, facts: Sequence[Fact], programs_file: Path | None = None) -> None:
    """`link_rows` for `Fact` objects about to be added: their entity ids set in place."""
    rows = [{k: getattr(f, k) for k in _LINK_READS} for f in facts]
    link_rows(session, rows, programs_file)
    for f, r in zip(facts, rows, strict=True):
        for k in _LINK_SETS:
            setattr(f, k, r[k])


@dataclass
class RelinkReport:
    facts: int = 0
    persons: int = 0
    territories: int = 0
    programmes: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "facts": self.facts,
            "persons": self.persons,
            "territories": self.territories,
            "programmes": self.programmes,
        }


def relink(session: Session, programs_file: Path | None = None) -> RelinkReport:
    """Link every stored fact anew, full names first and oldest first, in one transaction. Entity rows keep their ids
    (a fact finds its person, unit and programme again); persons no fact points to any more go."""
    f = Fact.__table__  # type: ignore[attr-defined]
    p = Person.__table__  # type: ignore[attr-defined]
    known: dict[int, set[str | None]] = defaultdict(set)
    for pid, kato in session.execute(
        sa.select(f.c.person_id, f.c.territory_kato).where(f.c.person_id.is_not(None)).distinct()
    ).all():
        known[int(pid)].add(kato)
    session.execute(sa.update(f).values(person_id=None, territory_id=None, programme_id=None))
    linker = Linker(session, programs_file=programs_file, known_units=known)
    report = RelinkReport()
    cols = [
        f.c.id,
        f.c.kind,
        f.c.person,
        f.c.program,
        f.c.territory_kato,
        f.c.territory_name,
        f.c.territory_level,
    ]
    rows = [
        dict(
            zip(
                (
                    "id",
                    "kind",
                    "person",
                    "program",
                    "territory_kato",
                    "territory_name",
                    "territory_level",
                ),
                r,
                strict=True,
            )
        )
        for r in session.execute(
            sa.select(*cols).order_by(f.c.published.is_(None), f.c.published, f.c.id)
        ).all()
    ]

    def abbreviated(r: dict[str, Any]) -> bool:
        parsed = parse_person(r["person"] or "") if r["kind"] == "akim" else None
        return parsed is not None and not parsed.first

    # full names first (oldest first within each group): a surname or initial alone then joins the
    # person its unit already has, whatever the publication order
    rows.sort(key=abbreviated)
    for i in range(0, len(rows), RELINK_BATCH):
        batch = rows[i : i + RELINK_BATCH]
        linker.link(batch)
        updates: dict[tuple[Any, Any, Any], list[int]] = defaultdict(list)
        for r in batch:
            key = (r["person_id"], r["territory_id"], r["programme_id"])
            if key != (None, None, None):
                updates[key].append(r["id"])
        for (pid, tid, gid), ids in updates.items():
            for j in range(0, len(ids), 900):
                session.execute(
                    sa.update(f)
                    .where(f.c.id.in_(ids[j : j + 900]))
                    .values(person_id=pid, territory_id=tid, programme_id=gid)
                )
        report.facts += len(batch)
    linker.flush()
    used = sa.select(f.c.person_id).where(f.c.person_id.is_not(None))
    session.execute(sa.delete(p).where(p.c.id.not_in(used)))
    report.persons = session.execute(sa.select(sa.func.count()).select_from(p)).scalar_one()
    report.territories = session.execute(
        sa.select(sa.func.count(sa.distinct(f.c.territory_id)))
    ).scalar_one()
    report.programmes = len(linker.programmes)
    # the summaries are keyed by these ids (a person's unit periods): rebuilt in the same transaction
    summary.rebuild(session.connection())
    session.commit()
    return report
