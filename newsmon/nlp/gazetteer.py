"""The territory gazetteer: KATO import, the built-in core, name normalization and resolution.

Units come from the `territory` table (filled by `newsmon gazetteer import KATO.csv`) merged with the
built-in core (`newsmon/data/territories_core.yaml`: regions, major cities, Kazakh names,
abbreviations, renamings). Without an import the core alone serves. Names follow CONTRACT §2: the
Russian nominative, with the type word for regions, districts and rural districts, bare for cities
and villages.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from newsmon.errors import GazetteerError
from newsmon.kato import kato_prefix
from newsmon.settings import get_settings
from newsmon.store.db import get_engine, normalize_url, open_session
from newsmon.store.models import Territory
from newsmon.text import KK_LOWER, KK_UPPER, kk_to_ru, skeleton
from newsmon.text import key_fold as fold  # the GUIDELINE territory key folds і→ы

CORE_FILE = Path(__file__).resolve().parent.parent / "data" / "territories_core.yaml"
LEVELS = ("region", "city", "district", "rural_district", "settlement")
# preference when nothing else decides: region > city > district > rural district > settlement
LEVEL_RANK = {"region": 4, "city": 3, "district": 2, "rural_district": 1, "settlement": 0}

# ---------------------------------------------------------------------------------------------
# folding and the scoring key (GUIDELINE: "territory key")

_TYPE_WORDS = (  # nominative type words and their abbreviations, after folding (GUIDELINE + Kazakh ones)
    "сельский округ",
    "сельская администрация",
    "поселковая администрация",
    "аульный округ",
    "область",
    "район",
    "город",
    "поселок",
    "село",
    "аул",
    "ауылдык округы",
    "облысы",
    "ауданы",
    "каласы",
    "ауылы",
)
_TYPE_ABBRS = ("с.о.", "с.о", "обл.", "р-н", "г.", "с.", "п.", "пос.")
_KEY_TYPES = re.compile(
    r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in _TYPE_WORDS) + r")(?![\w-])"
    r"|(?<![\w-])(?:"
    + "|".join(re.escape(a) for a in sorted(_TYPE_ABBRS, key=len, reverse=True))
    + r")"
)
_NON_WORD = re.compile(r"[\W_]+")


def key(name: str | None) -> str:
    """The GUIDELINE scoring key of a territory name: folded, type words dropped, punctuation squeezed.

    key("Шемонаихинский район") == key("шемонаихинский р-н"); key("г.Усть-Каменогорск") == "устькаменогорск".
    """
    if not name:
        return ""
    text = _KEY_TYPES.sub(" ", fold(name))
    return _NON_WORD.sub("", text)


_VARIANT = str.maketrans({"ы": "и", "й": "и", "ь": None, "ъ": None, "э": "е"})


def variant(word: str) -> str:
    """A folded word with the spelling variants of Kazakh names evened out: Дж/Ж, й/ы/и/і, the soft
    sign («Джангельдинский» ~ «Жангелдин», «Бірлік» ~ «Бирлик», «Жангельды» ~ «Жангелды»)."""
    return fold(word).replace("дж", "ж").translate(_VARIANT)


# ---------------------------------------------------------------------------------------------
# KATO codes: AB CD EF HHH


def contains(ancestor_kato: str | None, kato: str | None) -> bool:
    """True when unit `kato` lies inside (or is) unit `ancestor_kato`; both are KATO codes or prefixes."""
    if not ancestor_kato or not kato:
        return False
    return kato.startswith(kato_prefix(ancestor_kato))


def region_code(kato: str) -> str:
    """The KATO code of the top-level unit a code belongs to (636837000 → 630000000)."""
    return kato[:2] + "0000000"


# ---------------------------------------------------------------------------------------------
# units and references


@dataclass(eq=False)
class Unit:
    """One unit of the gazetteer (a `territory` row, or a core unit without a KATO code)."""

    kato: str | None
    parent: str | None
    level: str
    name: str
    name_kk: str | None = None
    raw: str | None = None
    aliases: list[str] = field(default_factory=list)
    core: bool = False  # described by the built-in core (major cities, regions, renamings)
    minor: bool = False  # a KATO sub-point (зимовка, уч., рзд. …): kept, never matched in text
    idx: int = -1
    parent_idx: int | None = None

    def row(self) -> dict[str, Any]:
        return {
            "kato": self.kato,
            "parent": self.parent,
            "level": self.level,
            "name": self.name,
            "name_kk": self.name_kk,
            "raw": self.raw,
            "aliases": self.aliases or None,
        }


@dataclass
class TerritoryRef:
    """A resolved territory: what facts carry (CONTRACT §2), plus the confidence of the resolution."""

    name: str
    level: str
    kato: str | None
    path: list[str]
    confidence: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        """Exactly the CONTRACT territory object: {name, level, kato, path}."""
        return {"name": self.name, "level": self.level, "kato": self.kato, "path": list(self.path)}


# ---------------------------------------------------------------------------------------------
# the KATO file


@dataclass
class KatoRow:
    line: int
    id: int
    parent_id: int
    code: str
    name: str


def read_kato(path: str | Path) -> list[KatoRow]:
    """Parse a KATO CSV (UTF-8, optional BOM, `;`, header `id;parent_id;code;name`); errors name the line."""
    p = Path(path)
    if p.is_dir():
        raise GazetteerError(f"{p}: is a directory, not the KATO CSV file")
    if not p.is_file():
        raise GazetteerError(
            f"{p}: no such file (expected the KATO CSV, e.g. KATO_17.10.2022_ru.csv)"
        )
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GazetteerError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    lines = text.splitlines()
    if not lines or [c.strip().lower() for c in lines[0].split(";")] != [
        "id",
        "parent_id",
        "code",
        "name",
    ]:
        raise GazetteerError(f"{p}:1: expected the header 'id;parent_id;code;name'")
    rows: list[KatoRow] = []
    seen: dict[int, int] = {}
    codes: dict[str, int] = {}
    for lineno, fields in enumerate(csv.reader(lines[1:], delimiter=";"), start=2):
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != 4:
            raise GazetteerError(
                f"{p}:{lineno}: expected 4 fields separated by ';', got {len(fields)}"
            )
        sid, spid, code, name = (f.strip() for f in fields)
        if not sid.isdigit() or not spid.isdigit():
            raise GazetteerError(
                f"{p}:{lineno}: id and parent_id must be whole numbers, got {sid!r}, {spid!r}"
            )
        if not (len(code) == 9 and code.isdigit()):
            raise GazetteerError(f"{p}:{lineno}: code must be a 9-digit KATO code, got {code!r}")
        if not name:
            raise GazetteerError(f"{p}:{lineno}: empty name")
        if int(sid) in seen:
            raise GazetteerError(f"{p}:{lineno}: id {sid} repeats line {seen[int(sid)]}")
        if code in codes:
            raise GazetteerError(f"{p}:{lineno}: code {code} repeats line {codes[code]}")
        seen[int(sid)] = lineno
        codes[code] = lineno
        rows.append(KatoRow(lineno, int(sid), int(spid), code, name))
    if not rows:
        raise GazetteerError(f"{p}: no rows after the header")
    for r in rows:
        if r.parent_id and r.parent_id not in seen:
            raise GazetteerError(f"{p}:{r.line}: parent_id {r.parent_id} is not the id of any row")
    return rows


_SPACES = re.compile(r"\s+")
_IMENI = re.compile(r"\bим\.\s*")
_ADJ_END = re.compile(r"(?:ий|ый|ой|ая|яя|ое|ее)$")


def _clean(text: str) -> str:
    text = _IMENI.sub("имени ", text.replace("«", "").replace("»", ""))
    return _SPACES.sub(" ", text).strip(" .")


def _is_adjective(word: str) -> bool:
    return bool(_ADJ_END.search(word.lower())) and len(word) > 4


def _typed(base: str, type_word: str) -> str:
    """«Волчанский» + «сельский округ» → «Волчанский сельский округ»; a noun goes after the type word."""
    last = base.split()[-1] if base else ""
    if base and _is_adjective(last) and not base.startswith("имени"):
        return f"{base} {type_word}"
    return f"{type_word} {base}".strip()


_PATTERNS: list[tuple[re.Pattern[str], str, str]] = [
    # (pattern with group `b` = the bare name, level, how the name is written)
    (re.compile(r"(?P<b>.+?)\s*Г\.А\.?", re.I), "city", "city"),
    (re.compile(r"г\.а\.\s*(?P<b>.+)", re.I), "city", "city"),
    (re.compile(r"р\.а\.\s*(?P<b>.+)|(?P<b2>.+?)\s*р\.а\.?"), "district", "район"),
    (re.compile(r"[Рр]айон\s+(?P<b>.+)"), "district", "район"),
    (re.compile(r"(?P<b>.+?)\s+район"), "district", "район"),
    (re.compile(r"с\.о\.?\s*(?P<b>.+)|(?P<b2>.+?)\s*с\.о\.?"), "rural_district", "сельский округ"),
    (
        re.compile(r"с\.а\.?\s*(?P<b>.+)|(?P<b2>.+?)\s*с\.а\.?"),
        "rural_district",
        "сельская администрация",
    ),
    (
        re.compile(r"п\.а\.?\s*(?P<b>.+)|(?P<b2>.+?)\s*п\.а\.?"),
        "rural_district",
        "поселковая администрация",
    ),
    (re.compile(r"г\.\s*(?P<b>.+)"), "city", "city"),
    (re.compile(r"(?:с|п|ст|а|аул)\.\s*(?P<b>.+)"), "settlement", "settlement"),
]


def classify(raw: str, depth: int) -> tuple[str, str, bool]:
    """A KATO name → (level, name per CONTRACT §2, minor point): «Волчанский с.о.» → «Волчанский сельский округ».

    Minor points (зимовка, уч., рзд., кр.хоз …) are kept in the table but never matched in text.
    """
    s = _SPACES.sub(" ", raw.strip())
    if depth == 0:
        if s.lower().startswith("г."):
            return "city", _clean(s[2:]), False
        return "region", _clean(s), False
    for pattern, level, how in _PATTERNS:
        m = pattern.fullmatch(s)
        if not m:
            continue
        base = _clean(m.group("b") or (m.groupdict().get("b2") or ""))
        if not base:
            continue
        if how in ("city", "settlement"):
            return level, base, False
        return level, _typed(base, how), False
    return "settlement", _clean(s), True


# ---------------------------------------------------------------------------------------------
# the Kazakh name rules (KATO has Russian names only)

_KK_TYPE = {"region": "облысы", "district": "ауданы", "rural_district": "ауылдық округі"}


def bare_name(name: str) -> str:
    """The name without its type word: «Шемонаихинский район» → «Шемонаихинский»."""
    text = re.sub(
        r"(?i)\b(?:сельский округ|сельская администрация|поселковая администрация|область|район)\b",
        " ",
        name,
    )
    text = re.sub(r"^\s*имени\s+", "", _SPACES.sub(" ", text).strip())
    return text.strip()


def adjective_stems(adj: str) -> list[str]:
    """Folded stems of a place adjective, most specific first: Шемонаихинский → шемонаихин, шемонаих."""
    a = fold(adj)
    m = re.match(r"(.+?)(?:ский|цкий|ской|ская|ское|ского|ский)$", a)
    if not m:
        return [a]
    stem = m.group(1)
    out = [stem]
    for suf in ("ин", "ын", "ен", "ан", "ов", "ев", "н", "ь"):
        if stem.endswith(suf) and len(stem) - len(suf) >= 3:
            out.append(stem[: -len(suf)])
    return out


def derive_kk_base(name: str, level: str, descendants: Iterable[str]) -> str | None:
    """The Kazakh base of a district or rural district: «Шемонаихинский район» → «Шемонаиха» (its town).

    A noun name stays as it is («район Алтай» → «Алтай»); an adjective becomes the name of the settlement
    it derives from when one below it matches its stem (Волчанский → Волчанка), otherwise the stem.
    """
    base = bare_name(name)
    if not base:
        return None
    words = base.split()
    if not _is_adjective(words[-1]) or level not in ("district", "rural_district"):
        return base
    head = " ".join(words[:-1]) + " " if len(words) > 1 else ""  # «Улкен Букенский» → «Улкен Букен»
    stems = adjective_stems(words[-1])
    for child in descendants:
        f = fold(child)
        if " " in f:
            continue
        for stem in stems:
            if f.startswith(stem) and len(f) - len(stem) <= 3 and len(stem) >= 3:
                return head + child
    m = re.match(r"(.+?)(?:ский|цкий)$", words[-1])
    stem = m.group(1) if m else words[-1]
    if re.search(r"[^аеиоуыэюя]ин$", stem):  # Буландынский → Буланды
        stem = stem[:-2] + "ы"
    return head + stem


def kk_name(level: str, base: str | None) -> str | None:
    if not base:
        return None
    suffix = _KK_TYPE.get(level)
    return f"{base} {suffix}" if suffix else base


# ---------------------------------------------------------------------------------------------
# the built-in core


@dataclass
class Core:
    regions: list[dict[str, Any]]
    cities: list[dict[str, Any]]
    units: list[dict[str, Any]]

    def by_kato(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for entry in self.regions:
            out[entry["kato"]] = {**entry, "level": "region", "parent": None}
        for entry in self.cities:
            out[entry["kato"]] = {**entry, "level": "city"}
        for entry in self.units:
            if entry.get("kato"):
                out[entry["kato"]] = {**out.get(entry["kato"], {}), **entry}
        return out


@functools.lru_cache(maxsize=1)
def load_core(path: str | None = None) -> Core:
    """The built-in core (regions, major cities, renamings); a broken file is a GazetteerError."""
    p = Path(path) if path else CORE_FILE
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GazetteerError(f"{p}: cannot read the territory core: {exc}") from exc
    core = Core(
        list(data.get("regions") or []),
        list(data.get("cities") or []),
        list(data.get("units") or []),
    )
    for entry in [*core.regions, *core.cities, *core.units]:
        if not entry.get("name"):
            raise GazetteerError(f"{p}: an entry has no name: {entry}")
    return core


def core_units() -> list[Unit]:
    """The units of the core alone (what serves before any KATO import)."""
    core = load_core()
    units = [
        Unit(
            e["kato"],
            None,
            "region",
            e["name"],
            e.get("name_kk"),
            None,
            list(e.get("aliases") or []),
            True,
        )
        for e in core.regions
    ]
    units += [
        Unit(
            e["kato"],
            e.get("parent"),
            "city",
            e["name"],
            e.get("name_kk"),
            None,
            list(e.get("aliases") or []),
            True,
        )
        for e in core.cities
    ]
    units += [
        Unit(
            e.get("kato"),
            e.get("parent"),
            e.get("level", "district"),
            e["name"],
            e.get("name_kk"),
            None,
            list(e.get("aliases") or []),
            True,
        )
        for e in core.units
        if not e.get("kato") or e.get("level")  # with a level: a unit of its own, not an override
    ]
    return units


def _apply_core(unit: Unit, entry: dict[str, Any]) -> None:
    old = unit.name
    unit.name = entry.get("name") or unit.name
    unit.name_kk = entry.get("name_kk") or unit.name_kk
    aliases = list(unit.aliases or [])
    for a in [*(entry.get("aliases") or []), old]:
        if a and a != unit.name and a not in aliases:
            aliases.append(a)
    unit.aliases = aliases
    unit.core = bool(entry.get("core", True))  # `core: false`: a small place, named with its area


def merge_core(units: list[Unit]) -> list[Unit]:
    """KATO units with the core applied (names, Kazakh names, aliases), plus core units KATO lacks."""
    core = load_core()
    entries = core.by_kato()
    have = {u.kato for u in units}
    for u in units:
        if u.kato in entries:
            _apply_core(u, entries[u.kato])
    extra = [u for u in core_units() if u.kato is None or u.kato not in have]
    return units + extra


# ---------------------------------------------------------------------------------------------
# KATO rows → normalized units


def normalize_kato(rows: list[KatoRow]) -> list[Unit]:
    """Normalized units from KATO rows: names per CONTRACT §2, levels, city administrations merged."""
    by_id = {r.id: r for r in rows}
    children: dict[int, list[KatoRow]] = defaultdict(list)
    for r in rows:
        children[r.parent_id].append(r)
    depth: dict[int, int] = {}

    def depth_of(r: KatoRow) -> int:
        d, cur, guard = 0, r, 0
        while cur.parent_id and guard < 12:
            cur = by_id[cur.parent_id]
            d += 1
            guard += 1
        return d

    info: dict[int, tuple[str, str, bool]] = {}
    for r in rows:
        depth[r.id] = depth_of(r)
        info[r.id] = classify(r.name, depth[r.id])
    merged_into: dict[int, int] = {}  # a row that repeats its parent («Семей Г.А.» → «г.Семей»)
    for r in rows:
        level, name, _ = info[r.id]
        if level == "city" and depth[r.id] > 0 and re.search(r"(?i)г\.а\.?", r.name):
            towns = [
                c
                for c in children[r.id]
                if info[c.id][0] == "city" and c.name.lower().startswith("г.")
            ]
            if towns:
                town = towns[0]
                info[r.id] = ("city", info[town.id][1], False)
                merged_into[town.id] = r.id
        elif level == "district" and re.search(r"р\.а\.", r.name):
            for c in children[r.id]:
                if info[c.id][0] == "district":
                    merged_into[c.id] = r.id

    def parent_code(r: KatoRow) -> str | None:
        pid = r.parent_id
        while pid and pid in merged_into:
            pid = merged_into[pid]
        if not pid:
            return None
        p = by_id[pid]
        if p.id in merged_into:
            return parent_code(p)
        return p.code

    units: list[Unit] = []
    for r in rows:
        if r.id in merged_into:
            continue
        level, name, minor = info[r.id]
        units.append(Unit(r.code, parent_code(r), level, name, None, r.name, [], False, minor))
    # Kazakh names of districts and rural districts, from the settlements below them
    by_code = {u.kato: u for u in units}
    kids: dict[str, list[Unit]] = defaultdict(list)
    for u in units:
        if u.parent:
            kids[u.parent].append(u)

    def descendants(code: str, limit: int = 400) -> Iterator[str]:
        queue = list(kids.get(code, []))
        n = 0
        while queue and n < limit:
            u = queue.pop(0)
            n += 1
            if u.level in ("city", "settlement") and not u.minor:
                yield u.name
            queue.extend(kids.get(u.kato or "", []))

    for u in units:
        if u.level in ("district", "rural_district") and u.kato:
            u.name_kk = kk_name(u.level, derive_kk_base(u.name, u.level, descendants(u.kato)))
    del by_code
    return units


@dataclass
class ImportReport:
    path: str
    rows: int
    units: int
    by_level: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "rows": self.rows,
            "units": self.units,
            "by_level": self.by_level,
        }


def import_kato(path: str | Path, database_url: str | None = None) -> ImportReport:
    """Read a KATO CSV, normalize it, merge the core, and replace the `territory` table (idempotent)."""
    rows = read_kato(path)
    units = [u for u in merge_core(normalize_kato(rows)) if u.kato]
    table = Territory.__table__  # type: ignore[attr-defined]
    with open_session(database_url) as session:
        # rows are updated in place, not deleted and inserted: facts point to them (fact.territory_id)
        batch = [{**u.row(), "source": "kato"} for u in units]
        have = set(session.execute(sa.select(table.c.kato)).scalars())
        keep = {row["kato"] for row in batch}
        gone = sorted(have - keep)
        for i in range(0, len(gone), 900):
            session.execute(sa.delete(table).where(table.c.kato.in_(gone[i : i + 900])))
        old = [row for row in batch if row["kato"] in have]
        if old:
            cols = [c for c in batch[0] if c != "kato"]
            session.execute(
                sa.update(table)
                .where(table.c.kato == sa.bindparam("b_kato"))
                .values({c: sa.bindparam(f"b_{c}") for c in cols}),
                [{f"b_{k}": v for k, v in row.items()} for row in old],
            )
        new = [row for row in batch if row["kato"] not in have]
        for i in range(0, len(new), 2000):
            session.execute(sa.insert(table), new[i : i + 2000])
        session.commit()
    clear_cache()
    counts: dict[str, int] = defaultdict(int)
    for u in units:
        counts[u.level] += 1
    return ImportReport(str(path), len(rows), len(units), dict(sorted(counts.items())))


def units_from_database(database_url: str) -> list[Unit] | None:
    """The imported units, or None when the database has none (or, for SQLite, does not exist)."""
    url = normalize_url(database_url)
    if url.startswith("sqlite:///"):
        db = url.removeprefix("sqlite:///")
        if db and db != ":memory:" and not Path(db).is_file():
            return None
    engine = get_engine(url)
    table = Territory.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        result = conn.execute(
            sa.select(
                table.c.kato,
                table.c.parent,
                table.c.level,
                table.c.name,
                table.c.name_kk,
                table.c.raw,
                table.c.aliases,
            ).where(table.c.source == "kato")  # core rows are facts' units, not an import
        ).all()
    if not result:
        return None
    units = []
    for kato, parent, level, name, name_kk, raw, aliases in result:
        minor = bool(raw) and level == "settlement" and classify(raw, 3)[2]
        units.append(
            Unit(kato, parent, level, name, name_kk, raw, list(aliases or []), False, minor)
        )
    return units


# ---------------------------------------------------------------------------------------------
# how names are indexed

MODE_BARE, MODE_ABBR, MODE_BEFORE, MODE_AFTER = "bare", "abbr", "before", "after"
_RU_TYPED = [
    (
        re.compile(
            r"^(?P<b>.+?)\s+(?:сельский округ|сельская администрация|поселковая администрация|аульный округ)$"
        ),
        "rural_district",
        MODE_AFTER,
    ),
    (
        re.compile(
            r"^(?:сельский округ|сельская администрация|поселковая администрация)\s+(?:имени\s+)?(?P<b>.+)$"
        ),
        "rural_district",
        MODE_BEFORE,
    ),
    (re.compile(r"^(?P<b>.+?)\s+(?:область)$"), "region", MODE_AFTER),
    (re.compile(r"^(?:область)\s+(?P<b>.+)$"), "region", MODE_BEFORE),
    (re.compile(r"^(?P<b>.+?)\s+(?:район)$"), "district", MODE_AFTER),
    (re.compile(r"^(?:район)\s+(?:имени\s+)?(?P<b>.+)$"), "district", MODE_BEFORE),
    (re.compile(r"^(?P<b>.+?)\s+(?:ауылдық округі|ауылдық округ)$"), "rural_district", MODE_AFTER),
    (re.compile(r"^(?P<b>.+?)\s+облысы$"), "region", MODE_AFTER),
    (re.compile(r"^(?P<b>.+?)\s+ауданы$"), "district", MODE_AFTER),
    (re.compile(r"^(?P<b>.+?)\s+(?:қаласы)$"), "city", MODE_AFTER),
    (re.compile(r"^(?P<b>.+?)\s+(?:ауылы|кенті)$"), "settlement", MODE_AFTER),
]
_ABBR = re.compile(r"^[А-ЯЁӘҒҚҢӨҰҮҺІ]{2,5}$")


@dataclass(frozen=True)
class NameForm:
    words: tuple[str, ...]  # surface words of the bare name («Шемонаихинский»), as written
    mode: str  # bare | abbr | before | after
    level: str | None  # the level the type word gives


def name_forms(text: str) -> list[NameForm]:
    """How a gazetteer name can appear: «Шемонаихинский район» → «Шемонаихинский» + type word after."""
    text = _SPACES.sub(" ", text.strip())
    if not text:
        return []
    if _ABBR.match(text):
        return [NameForm((text,), MODE_ABBR, None)]
    for pattern, level, mode in _RU_TYPED:
        m = pattern.match(text)
        if m:
            words = tuple(w for w in m.group("b").split() if w)
            return [NameForm(words, mode, level)] if words else []
    return [NameForm(tuple(text.split()), MODE_BARE, None)]


_GAZ_ADJ = re.compile(r"^(.{3,}?)(ий|ый|ой|ая|яя|ое|ее|ие|ые)$")


def gaz_word_keys(word: str) -> frozenset[str]:
    """Index keys of one word of a gazetteer name: folded, plus the masculine form of an adjective."""
    w = fold(word)
    out = {w}
    m = _GAZ_ADJ.match(w)
    if m:
        stem = m.group(1)
        out.update((stem + "ий", stem + "ый", stem + "ой"))
    return frozenset(out)


@dataclass
class Entry:
    unit: int
    mode: str
    level: str | None
    keys: tuple[frozenset[str], ...]  # per word
    cased: tuple[str, ...]  # surface words (abbreviations match case-sensitively)
    kk: bool  # a Kazakh form
    variant: bool = False  # found through the variant index (see `variant`), not the exact one


# ---------------------------------------------------------------------------------------------
# the gazetteer


class Gazetteer:
    """Units with fast lookup indexes; build one with `get_gazetteer()` (cached per process)."""

    def __init__(self, units: list[Unit], source: str = "core") -> None:
        self.source = source
        self.units = units
        for i, u in enumerate(units):
            u.idx = i
        self.by_kato: dict[str, Unit] = {u.kato: u for u in units if u.kato}
        for u in units:
            p = self.by_kato.get(u.parent or "")
            if p is None and u.kato and u.level != "region" and u.parent is not None:
                p = self.by_kato.get(
                    region_code(u.kato)
                )  # core-only: the district above is unknown
            if p is None and u.kato is None and u.parent:
                p = self.by_kato.get(u.parent)
            u.parent_idx = p.idx if p is not None and p is not u else None
        self.index: dict[str, list[Entry]] = defaultdict(list)
        # the same entries under `variant` keys (words of 4+ letters), a fallback for spellings
        self.vindex: dict[str, list[Entry]] = defaultdict(list)
        self.skeletons: dict[str, list[int]] = defaultdict(list)  # Kazakh fallback for typed units
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self._paths: dict[int, list[str]] = {}
        self._build()

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def core(cls) -> Gazetteer:
        return cls(core_units(), "core")

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], source: str = "rows") -> Gazetteer:
        """A gazetteer of the units `rows()` wrote (the territory component's `to_disk`)."""
        units = [
            Unit(
                kato=r.get("kato"),
                parent=r.get("parent"),
                level=r["level"],
                name=r["name"],
                name_kk=r.get("name_kk"),
                raw=r.get("raw"),
                aliases=list(r.get("aliases") or []),
                core=bool(r.get("core")),
                minor=bool(r.get("minor")),
            )
            for r in rows
        ]
        return cls(units, source)

    def rows(self) -> list[dict[str, Any]]:
        """Every unit as one JSON-ready row, in order (what `from_rows` reads back)."""
        return [u.row() | {"core": u.core, "minor": u.minor} for u in self.units]

    @classmethod
    def from_database(cls, database_url: str) -> Gazetteer:
        """The imported units merged with the core; the core alone when nothing was imported."""
        units = units_from_database(database_url)
        if units is None:
            return cls.core()
        return cls(merge_core(units), "database")

    def _add(self, unit: Unit, text: str, kk: bool) -> None:
        for form in name_forms(text):
            self._add_form(unit, form, kk)

    def _add_form(self, unit: Unit, form: NameForm, kk: bool) -> None:
        keys = tuple(gaz_word_keys(w) for w in form.words)
        entry = Entry(unit.idx, form.mode, form.level or unit.level, keys, form.words, kk)
        for k in keys[0]:
            self.index[k].append(entry)
        if form.mode == MODE_ABBR:
            return
        vkeys = tuple(frozenset(variant(k) for k in ks) for ks in keys)
        ventry = Entry(entry.unit, entry.mode, entry.level, vkeys, entry.cased, kk, True)
        for k in vkeys[0]:
            if len(k) >= 4:
                self.vindex[k].append(ventry)

    def _build(self) -> None:
        for u in self.units:
            if u.minor:
                continue
            names = [(u.name, False), *((a, looks_kk(a)) for a in u.aliases)]
            if u.name_kk:
                names.append((u.name_kk, True))
            for text, kk in names:
                self._add(u, text, kk)
                k = key(text)
                if k and u.idx not in self.by_key[k]:
                    self.by_key[k].append(u.idx)
            if u.level == "city" and u.core:  # «Алматинский городской суд» names the city
                for adj in city_adjectives(u.name, u.aliases):
                    self._add_form(u, NameForm((adj,), MODE_AFTER, "city"), False)
            if u.level == "district" and re.fullmatch(r"район [^\s]+", u.name):
                # «район Алтай» is also «Алтайский район» in the press
                adj = kk_to_ru(u.name.split()[1])
                if re.search(r"[бвгджзклмнпрстфхцчшщй]$", adj):
                    self._add(u, f"{adj[:1].upper()}{adj[1:]}ский район", False)
            if u.level in ("district", "rural_district", "region"):
                base = bare_name(u.name)
                words = base.split()
                if words:
                    stems = (
                        adjective_stems(words[-1])
                        if _is_adjective(words[-1])
                        else [fold(words[-1])]
                    )
                    head = "".join(skeleton(w) for w in words[:-1])
                    for s in {head + skeleton(s) for s in stems}:
                        if len(s) >= 2 and u.idx not in self.skeletons[s]:
                            self.skeletons[s].append(u.idx)

    # -- units --------------------------------------------------------------------------------
    def parent(self, u: Unit) -> Unit | None:
        return self.units[u.parent_idx] if u.parent_idx is not None else None

    def ancestors(self, u: Unit) -> Iterator[Unit]:
        cur, guard = self.parent(u), 0
        while cur is not None and guard < 10:
            yield cur
            cur, guard = self.parent(cur), guard + 1

    def path(self, u: Unit) -> list[str]:
        """Names from the region down to the unit itself (CONTRACT §2)."""
        if u.idx not in self._paths:
            self._paths[u.idx] = [a.name for a in reversed(list(self.ancestors(u)))] + [u.name]
        return self._paths[u.idx]

    def region(self, u: Unit) -> Unit:
        top = u
        for a in self.ancestors(u):
            top = a
        return top

    def within(self, ancestor: Unit, u: Unit) -> bool:
        """True when `u` is `ancestor` or lies inside it."""
        if u is ancestor:
            return True
        if any(a is ancestor for a in self.ancestors(u)):
            return True
        return bool(
            ancestor.kato
            and u.kato
            and ancestor.level != "settlement"
            and contains(ancestor.kato, u.kato)
            and ancestor.kato != u.kato
        )

    def top_unit(self, name: str) -> Unit | None:
        """The top-level unit (region or city of republican significance) of that name."""
        for i in self.by_key.get(key(name), []):
            u = self.units[i]
            if u.parent_idx is None and u.kato:
                return u
        return None

    def ref(self, u: Unit, confidence: float = 1.0) -> TerritoryRef:
        return TerritoryRef(u.name, u.level, u.kato, list(self.path(u)), round(confidence, 3))

    def get(self, kato: str) -> TerritoryRef | None:
        u = self.by_kato.get(kato)
        return self.ref(u) if u else None

    # -- queries ------------------------------------------------------------------------------
    def by_normalized_key(self, text: str) -> list[Unit]:
        k = key(text)
        return [self.units[i] for i in self.by_key.get(k, [])] if k else []

    def suggest(self, text: str, limit: int = 5) -> list[str]:
        """Close names for an unknown one: «Шемонайха» → ['Шемонаихинский район', 'Шемонаиха', …]."""
        from rapidfuzz import fuzz, process

        k = key(text)
        if not k:
            return []
        choices = self._suggest_choices
        hits = process.extract(k, choices[0], scorer=fuzz.ratio, limit=limit * 4, score_cutoff=60)
        ranked: list[tuple[float, int, str]] = []
        for _choice, score, i in hits:
            u = self.units[choices[1][i]]
            ranked.append((-score, -LEVEL_RANK[u.level], u.name))
        out: list[str] = []
        for _s, _l, name in sorted(ranked):
            if name not in out:
                out.append(name)
        return out[:limit]

    @functools.cached_property
    def _suggest_choices(self) -> tuple[list[str], list[int]]:
        """Every name key with its unit, for fuzzy suggestions (built on first use)."""
        keys: list[str] = []
        idxs: list[int] = []
        for k, units in self.by_key.items():
            for i in units:
                keys.append(k)
                idxs.append(i)
        return keys, idxs

    def stats(self) -> dict[str, Any]:
        counts: dict[str, int] = defaultdict(int)
        for u in self.units:
            counts[u.level] += 1
        return {
            "source": self.source,
            "units": len(self.units),
            "by_level": dict(sorted(counts.items())),
        }


_CITY_ADJ_EXCEPTIONS = {
    "Актобе": "Актюбинский",
    "Рудный": "Рудненский",
    "Алма-Ата": "Алма-Атинский",
}


def city_adjectives(name: str, aliases: Iterable[str] = ()) -> list[str]:
    """Russian adjectives of a city: Алматы → Алматинский, Уральск → Уральский, Семей → Семейский."""
    out = []
    for n in (name, *aliases):
        if _KK_LETTER.search(n) or " " in n:
            continue
        if n in _CITY_ADJ_EXCEPTIONS:
            out.append(_CITY_ADJ_EXCEPTIONS[n])
        elif n.endswith("ск"):
            out.append(n + "ий")
        elif n.endswith(("а", "ы")):
            out.append(n[:-1] + "инский")
        elif n.endswith("и"):
            out.append(n + "йский")
        elif n.endswith("ь"):
            out.append(n[:-1] + "ский")
        elif re.search(r"[бвгджзйклмнпрстфхцчшщу]$", n):
            out.append(n + "ский")
    return out


_KK_LETTER = re.compile(f"[{KK_LOWER}{KK_UPPER}]")


def looks_kk(text: str) -> bool:
    return bool(re.search(r"[әғқңөұүһі]|облысы|ауданы|ауылдық|қаласы", text.lower()))


_cache: dict[str, Gazetteer] = {}
_cache_lock = threading.Lock()


def core_gazetteer() -> Gazetteer:
    """The process-wide gazetteer of the built-in core alone (no database)."""
    return _cached("")


def get_gazetteer(database_url: str | None = None) -> Gazetteer:
    """The process-wide gazetteer of `database_url`: its imported KATO units merged with the core, or
    the core alone when it has none. Without a URL: the settings' database (for callers that have no
    URL of their own; the extraction stage passes one)."""
    return _cached(database_url or get_settings().database_url)


def _cached(url: str) -> Gazetteer:
    with _cache_lock:
        gaz = _cache.get(url)
        if gaz is None:
            gaz = Gazetteer.from_database(url) if url else Gazetteer.core()
            _cache[url] = gaz
        return gaz


_digests: dict[str, str | None] = {}


def kato_digest(database_url: str) -> str | None:
    """Eight hex digits of SHA-1 over the imported units (the `territory` table), None when none are
    imported. Cached per process like the gazetteer itself and forgotten with it by `clear_cache()`,
    so the digest always describes the units this process extracts with."""
    url = normalize_url(database_url)
    with _cache_lock:
        if url in _digests:
            return _digests[url]
    digest: str | None = None
    db = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
    if not (db and db != ":memory:" and not Path(db).is_file()):
        table = Territory.__table__  # type: ignore[attr-defined]
        cols = [
            table.c[n] for n in ("kato", "parent", "level", "name", "name_kk", "raw", "aliases")
        ]
        with get_engine(url).connect() as conn:
            rows = conn.execute(
                sa.select(*cols).where(table.c.source == "kato").order_by(table.c.kato)
            ).all()
        if rows:
            sha = hashlib.sha1()
            for row in rows:
                sha.update(json.dumps(list(row), ensure_ascii=False).encode("utf-8") + b"\n")
            digest = sha.hexdigest()[:8]
    with _cache_lock:
        _digests[url] = digest
    return digest


def clear_cache() -> None:
    """Forget the cached gazetteers and their digests (after an import)."""
    with _cache_lock:
        _cache.clear()
        _digests.clear()


__all__ = [
    "LEVELS",
    "Gazetteer",
    "ImportReport",
    "TerritoryRef",
    "Unit",
    "classify",
    "clear_cache",
    "contains",
    "core_gazetteer",
    "fold",
    "get_gazetteer",
    "import_kato",
    "kato_digest",
    "kato_prefix",
    "key",
    "read_kato",
    "skeleton",
    "variant",
]
