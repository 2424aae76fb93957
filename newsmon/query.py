"""The library API for reading stored facts and articles: the CLI calls it, the web UI and scripts import it.

Everything here returns plain dicts or dataclasses with `as_dict()`; filters are dataclasses whose
`validate()` raises InputError with a one-line message. Territory filters take a unit by name (either
language, any case form, abbreviations such as ВКО) or by KATO code, and include everything inside it:
KATO codes are hierarchical (AB CD EF HHH), so 636837000 lies inside 636800000 inside 630000000.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from rapidfuzz import fuzz, process
from sqlmodel import Session, select

from newsmon.errors import InputError, NotFoundError
from newsmon.kato import kato_prefix
from newsmon.store.db import open_session
from newsmon.store.models import Article, Fact, Source, Territory
from newsmon.text import LANGS, WORD, fold, word_forms

ALMATY = ZoneInfo("Asia/Almaty")
FACT_KINDS = ("akim", "amount", "program", "territory")
LEVELS = ("region", "city", "district", "rural_district", "settlement")
AKIM_ROLES = ("аким", "и.о. акима")
DEPUTY_ROLE = "заместитель акима"
# the same announcement reported by several articles: same programme, unit, currency and value within N days
# (the default of settings.announcement_window_days, NEWSMON_ANNOUNCEMENT_WINDOW_DAYS)
ANNOUNCEMENT_WINDOW_DAYS = 14
MONEY_UNITS = ("KZT", "USD", "RUB", "EUR")
_UNIT_ALIASES = {
    "тенге": "KZT",
    "теңге": "KZT",
    "₸": "KZT",
    "тг": "KZT",
    "$": "USD",
    "доллар": "USD",
    "долларов": "USD",
    "рубль": "RUB",
    "рублей": "RUB",
    "€": "EUR",
    "евро": "EUR",
    "га": "ha",
    "гектар": "ha",
    "км": "km",
    "человек": "people",
    "процент": "%",
}
# abbreviations every reader knows; the gazetteer knows more
_ABBREVIATIONS = {
    "вко": "Восточно-Казахстанская область",
    "ско": "Северо-Казахстанская область",
    "зко": "Западно-Казахстанская область",
}
_QUOTES = "«»\"'“”„`"


# ---------------------------------------------------------------- small helpers
def parse_day(value: str | None, option: str) -> date | None:
    """YYYY-MM-DD, or InputError naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{option} must be a date as YYYY-MM-DD, not {value!r}") from None


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, ALMATY).astimezone(timezone.utc)


def iso_time(when: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in Asia/Almaty (how every output writes times)."""
    return when.astimezone(ALMATY).isoformat() if when else None


_iso = iso_time  # the first name of iso_time


def bind_time(session: Session, when: datetime) -> Any:
    """`when` as a raw-SQL parameter comparable with stored UTC columns on this backend."""
    if session.get_bind().dialect.name == "sqlite":
        return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    return when


def _as_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return (
        value.replace(tzinfo=timezone.utc)
        if value.tzinfo is None
        else value.astimezone(timezone.utc)
    )


def _plain(text: str) -> str:
    """A name as names are compared: folded (case, ё), quotes stripped, spaces squeezed."""
    return " ".join(fold(text.strip(_QUOTES + " "), kazakh=False).split())


def normalize_unit(unit: str) -> str:
    """KZT, USD, … in upper case; тенге/₸ and similar words as their code; other units as given."""
    key = unit.strip().lower()
    if key in _UNIT_ALIASES:
        return _UNIT_ALIASES[key]
    return (
        unit.strip().upper() if len(key) == 3 and key.isalpha() and key.isascii() else unit.strip()
    )


def _check_dates(since: date | None, until: date | None) -> None:
    if since and until and since > until:
        raise InputError(f"--since {since} is after --until {until}")


def _check_lang(lang: str | None) -> None:
    if lang is not None and lang not in LANGS:
        raise InputError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")


def _check_page(limit: int | None, offset: int) -> None:
    if (limit is not None and limit < 0) or offset < 0:
        raise InputError("--limit and --offset must not be negative")


# ---------------------------------------------------------------- territories
@dataclass(frozen=True)
class Unit:
    """A territorial unit a filter names; `kato` None for units known only by name."""

    name: str
    level: str | None = None
    kato: str | None = None
    path: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "level": self.level, "kato": self.kato, "path": list(self.path)}


def kato_ranges(units: Sequence[Unit]) -> list[tuple[str | None, str | None, str]]:
    """(low, high, name) per unit: a KATO code range that is index-friendly on every backend and collation."""
    out = []
    for unit in units:
        if unit.kato:
            prefix = kato_prefix(unit.kato)
            out.append((prefix, prefix + "9" * (12 - len(prefix)), unit.name))
        else:
            out.append((None, None, unit.name))
    return out


_TYPE_WORDS = {
    "область",
    "обл",
    "район",
    "р",
    "н",
    "сельский",
    "округ",
    "с",
    "о",
    "город",
    "г",
    "поселок",
    "п",
    "село",
    "аул",
    "облыс",
    "аудан",
    "ауылдық",
    "окрук",
    "қала",
    "кент",
    "ауыл",
    "а",
}


def _name_key(name: str) -> tuple[frozenset[str], ...]:
    """Each word's possible normalized forms (Russian lemma and Kazakh stem), in order."""
    words = WORD.findall(fold(name, kazakh=False, lower=False))
    return tuple(frozenset(word_forms(w)) for w in words)


def _key_matches(query: tuple[frozenset[str], ...], name: tuple[frozenset[str], ...]) -> bool:
    return len(query) == len(name) and all(q & n for q, n in zip(query, name))


def _strip_types(key: tuple[frozenset[str], ...]) -> tuple[frozenset[str], ...]:
    return tuple(k for k in key if not k & _TYPE_WORDS)


@dataclass
class _Known:
    units: list[Unit]
    names: dict[str, list[Unit]]  # every spelling (ru, kk, alias, raw) → units


_known_cache: dict[tuple[str, int, int], _Known] = {}


def _known_units(session: Session) -> _Known:
    """Units of the Territory table and of stored facts, with every name they go by (cached per database state)."""
    bind = session.get_bind()
    n_terr = session.execute(sa.text("SELECT count(*) FROM territory")).scalar_one()
    n_fact = session.execute(sa.text("SELECT coalesce(max(id), 0) FROM fact")).scalar_one()
    cache_key = (str(bind.url), n_terr, n_fact)
    if cache_key in _known_cache:
        return _known_cache[cache_key]
    names: dict[str, list[Unit]] = defaultdict(list)
    rows = session.execute(
        sa.text("SELECT kato, parent, level, name, name_kk, raw, aliases FROM territory")
    ).all()
    by_kato = {r[0]: r for r in rows}

    def path(kato: str) -> tuple[str, ...]:
        out, seen = [], set()
        cur: str | None = kato
        while cur and cur in by_kato and cur not in seen:
            seen.add(cur)
            out.append(by_kato[cur][3])
            cur = by_kato[cur][1]
        return tuple(reversed(out))

    units: list[Unit] = []
    for kato, _parent, level, name, name_kk, raw, aliases in rows:
        unit = Unit(name=name, level=level, kato=kato, path=path(kato))
        units.append(unit)
        extra = aliases if isinstance(aliases, list) else []
        for spelling in (name, name_kk, raw, *extra):
            if spelling:
                names[spelling].append(unit)
    # units facts name that the territory table lacks (no KATO import yet, or kato-less facts)
    seen = {u.kato for u in units}
    for kato, name, level in session.execute(
        sa.text(
            "SELECT DISTINCT territory_kato, territory_name, territory_level FROM fact WHERE territory_name IS NOT NULL"
        )
    ).all():
        if kato in seen and kato is not None:
            continue
        seen.add(kato)
        unit = Unit(name=name, level=level, kato=kato)
        units.append(unit)
        names[name].append(unit)
    known = _Known(units, dict(names))
    if len(_known_cache) > 8:
        _known_cache.clear()
    _known_cache[cache_key] = known
    return known


def _gazetteer_lookup(session: Session, text: str) -> list[Unit] | None:
    """Units the project's gazetteer finds for `text`, or None when there is no gazetteer to ask."""
    if "spacy" not in sys.modules:
        # the gazetteer's last resort runs its spaCy matcher: seconds to import in a query-only process,
        # for names our own matching (every spelling, case forms, Kazakh endings) did not find anyway
        return None
    g = _gazetteer(session)
    if g is None:
        return None
    try:
        refs = list(g.lookup(text))
    except Exception:  # noqa: BLE001 - an incomplete gazetteer must not break queries: fall back to ours
        return None
    return [Unit(name=r.name, level=r.level, kato=r.kato, path=tuple(r.path or ())) for r in refs]


def _gazetteer(session: Session) -> Any:
    try:
        from newsmon.nlp.gazetteer import get_gazetteer  # noqa: PLC0415 - built by the extraction stage
    except ImportError:
        return None
    try:
        return get_gazetteer(session.get_bind().url.render_as_string(hide_password=False))
    except Exception:  # noqa: BLE001
        return None


def resolve_territory(session: Session, text: str) -> list[Unit]:
    """The units `text` names (a KATO code, a name in Russian or Kazakh in any case form, an abbreviation).

    Several units share some names (villages); all of them are returned. NotFoundError suggests close names.
    """
    raw = text.strip().strip(_QUOTES).strip()
    if not raw:
        raise InputError(
            "--territory is empty: give a name («ВКО», «Шемонаихинский район») or a KATO code"
        )
    known = _known_units(session)
    if raw.isdigit():
        if len(raw) != 9:
            raise InputError(f"a KATO code has 9 digits, not {len(raw)}: {raw!r}")
        same = [u for u in known.units if u.kato == raw]
        return same[:1] or [Unit(name=raw, kato=raw)]
    expanded = _ABBREVIATIONS.get(_plain(raw).replace(".", ""), raw)
    exact = known.names.get(raw) or known.names.get(expanded)
    if exact:
        return _best(exact)
    folded = _folded_names(known)
    if _plain(expanded) in folded:
        return _best(folded[_plain(expanded)])
    # case forms and Kazakh endings: compare word by word, only names sharing the first letters
    key = _name_key(expanded)
    heads = {f[:3] for k in key for f in k}
    candidates = [
        name
        for name in known.names
        if {w[:3] for w in _plain(name).replace("-", " ").split()} & heads
    ]
    for strip in (False, True):
        want = _strip_types(key) if strip else key
        if not want:
            continue
        matches = [
            u
            for name in candidates
            if _key_matches(
                want, _strip_types(_name_key_cached(name)) if strip else _name_key_cached(name)
            )
            for u in known.names[name]
        ]
        if matches:
            return _best(matches)
    from_gazetteer = _gazetteer_lookup(session, raw)
    if from_gazetteer:
        return _best(from_gazetteer)
    raise NotFoundError(
        f"unknown territory {raw!r}" + _suggest(raw, suggest_territories(session, raw))
    )


def _folded_names(known: _Known) -> dict[str, list[Unit]]:
    if not hasattr(known, "_folded"):
        folded: dict[str, list[Unit]] = defaultdict(list)
        for name, units in known.names.items():
            folded[_plain(name)] += units
        known._folded = dict(folded)  # type: ignore[attr-defined]
    return known._folded  # type: ignore[attr-defined]


@lru_cache(maxsize=50_000)
def _name_key_cached(name: str) -> tuple[frozenset[str], ...]:
    return _name_key(name)


def _best(units: list[Unit]) -> list[Unit]:
    """Distinct units; when a name fits units at several levels, the broadest level wins (ВКО the region)."""
    distinct = list(dict.fromkeys(units))
    rank = {lvl: i for i, lvl in enumerate(LEVELS)}
    top = min(rank.get(u.level or "", 9) for u in distinct)
    return [u for u in distinct if rank.get(u.level or "", 9) == top]


def suggest_territories(session: Session, text: str, limit: int = 3) -> list[str]:
    """The names closest to `text` (for «did you mean»)."""
    names = list(_known_units(session).names)
    g = _gazetteer(session)
    extra: list[str] = []
    if g is not None:
        try:
            extra = list(g.suggest(text))[:limit]
        except Exception:  # noqa: BLE001 - our own names suffice
            extra = []
    scored = process.extract(
        _plain(text), {n: _plain(n) for n in names}, scorer=fuzz.WRatio, limit=limit
    )
    return list(dict.fromkeys([*extra, *(name for _, score, name in scored if score >= 60)]))[
        :limit
    ]


def _suggest(text: str, close: list[str]) -> str:
    if close:
        return f"; did you mean {', '.join(f'«{c}»' for c in close)}?"
    return "; no close name is known (run `newsmon gazetteer import` to load all of KATO)"


def _territory_clause(units: Sequence[Unit], kato_col: Any, name_col: Any) -> Any:
    conds = []
    for lo, hi, name in kato_ranges(units):
        if lo is not None:
            conds.append(kato_col.between(lo, hi))
        conds.append(sa.and_(kato_col.is_(None), name_col == name))
    return sa.or_(*conds)


def resolve_source(session: Session, name: str) -> int:
    """The id of the source called `name` (case-insensitive); NotFoundError with close names."""
    rows = session.execute(sa.text("SELECT id, name FROM source")).all()
    for sid, sname in rows:
        if sname == name.strip() or _plain(sname) == _plain(name):
            return int(sid)
    raise NotFoundError(f"unknown source {name!r}" + _suggest_plain(name, [r[1] for r in rows]))


def _suggest_plain(text: str, names: list[str]) -> str:
    scored = process.extract(text, names, scorer=fuzz.WRatio, limit=3)
    close = [name for name, score, _ in scored if score >= 60]
    return f"; did you mean {', '.join(close)}?" if close else ""


def _match_names(session: Session, column: Any, wanted: str, kinds: Sequence[str]) -> list[str]:
    """Stored values of `column` that `wanted` names: every word of it starts a word of the value
    (case, ё and Russian endings aside: «сикпаевой» finds «Ботагоз Сикпаева»)."""
    query_words = [w for w in re.findall(r"[^\W_]+", _plain(wanted))]
    if not query_words:
        raise InputError("the name to look for has no letters")
    out = []
    for value, words in _distinct_values(session, column):
        if all(any(_word_fits(q, w) for w in words) for q in query_words):
            out.append(value)
    return out


_values_cache: dict[tuple[str, str, int], list[tuple[str, list[str]]]] = {}


def _distinct_values(session: Session, column: Any) -> list[tuple[str, list[str]]]:
    """Distinct values of a fact column with their folded words; cached until facts change (max id)."""
    top = session.execute(sa.text("SELECT coalesce(max(id), 0) FROM fact")).scalar_one()
    key = (str(session.get_bind().url), column.key, top)
    if key not in _values_cache:
        values = (
            session.execute(select(column).where(column.is_not(None)).distinct()).scalars().all()
        )
        if len(_values_cache) > 16:
            _values_cache.clear()
        _values_cache[key] = [(v, re.findall(r"[^\W_]+", _plain(v))) for v in values]
    return _values_cache[key]


def _word_fits(query: str, word: str) -> bool:
    if word.startswith(query):
        return True
    common = _common_prefix(query, word)
    return common >= 4 and common >= len(word) - 2 and common >= len(query) - 3


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


# ---------------------------------------------------------------- facts
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
        _check_dates(self.since, self.until)
        _check_page(self.limit, self.offset)
        _check_lang(self.lang)
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
            if val is not None and not val.strip(_QUOTES + " "):
                raise InputError(f"{option} is empty")


def fact_to_dict(fact: Fact, article: Article, source: Source) -> dict[str, Any]:
    """A stored fact exactly as CONTRACT §2 writes it."""
    out: dict[str, Any] = {
        "id": fact.id,
        "kind": fact.kind,
        "article": {
            "url": article.url,
            "title": article.title,
            "source": source.name,
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
    alts = [
        Fact.territory_kato.between(lo, hi) for lo, hi, _ in kato_ranges(units) if lo is not None
    ]  # type: ignore[union-attr]
    alts.append(
        sa.and_(Fact.territory_kato.is_(None), Fact.territory_name.in_([u.name for u in units]))
    )  # type: ignore[union-attr]
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
        cond.append(Fact.kind == flt.kind)
    if flt.since:
        cond.append(Fact.published >= day_start(flt.since))
    if flt.until:
        cond.append(Fact.published < day_start(flt.until + timedelta(days=1)))
    if flt.person:
        cond.append(Fact.person.in_(_match_names(session, Fact.person, flt.person, ("akim",))))  # type: ignore[union-attr]
    if flt.program:
        names = _match_names(session, Fact.program, flt.program, ("program", "amount"))
        cond.append(Fact.program.in_(names))  # type: ignore[union-attr]
    if flt.territory:
        units = resolve_territory(session, flt.territory)
        if alternatives is None:
            cond.append(_territory_clause(units, Fact.territory_kato, Fact.territory_name))
        else:
            alternatives += _territory_alternatives(units)
    if flt.unit:
        cond.append(Fact.unit == normalize_unit(flt.unit))
    if flt.min_value is not None:
        cond.append(Fact.value >= flt.min_value)
    if flt.max_value is not None:
        cond.append(Fact.value <= flt.max_value)
    if flt.source:
        cond.append(Fact.source_id == resolve_source(session, flt.source))
    if flt.lang:
        cond.append(Fact.lang == flt.lang)
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


def _row_to_dict(row: Any) -> dict[str, Any]:
    m = row._mapping
    fact = SimpleNamespace(**{c.key: m[c.key] for c in _F.c})
    article = SimpleNamespace(
        url=m["a_url"], title=m["a_title"], published=m["a_published"], lang=m["a_lang"]
    )
    return fact_to_dict(fact, article, SimpleNamespace(name=m["s_name"]))  # type: ignore[arg-type]


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
    rows = session.exec(select(Fact.kind, sa.func.count()).group_by(Fact.kind)).all()  # type: ignore[call-overload]
    return {kind: n for kind, n in rows}


# ---------------------------------------------------------------- akims
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
    _check_dates(since, until)
    own = session is None
    session = session or open_session(database_url)
    try:
        roles = [*AKIM_ROLES, *([DEPUTY_ROLE] if deputies else [])]
        cond = [
            Fact.kind == "akim",
            Fact.person.is_not(None),  # type: ignore[union-attr]
            sa.or_(Fact.role.in_(roles), Fact.role.is_(None)),
        ]  # type: ignore[union-attr]
        cond += fact_conditions(session, FactFilter(since=since, until=until))
        # one pass per kind of unit condition, each in index order (no sort, no temporary tables)
        if territory:
            units = resolve_territory(session, territory)
            by_code = [
                Fact.territory_kato.between(lo, hi)
                for lo, hi, _ in kato_ranges(units)
                if lo is not None
            ]
            passes = [
                *by_code,
                sa.and_(
                    Fact.territory_kato.is_(None),  # type: ignore[union-attr]
                    Fact.territory_name.in_([u.name for u in units]),
                ),
            ]  # type: ignore[union-attr]
        else:
            passes = [sa.true()]
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
                .group_by(Fact.territory_kato, Fact.territory_name, Fact.person, Fact.role)
            )
            groups += session.execute(query).all()
        evidence = _evidence(session, {int(g[-1][_STAMP_WIDTH:]) for g in groups})
        return _akim_entries(groups, evidence)
    finally:
        if own:
            session.close()


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
                "published": iso_time(_as_utc(published)),
                "fact": fid,
                "path": path or [],
            }
    return out


@lru_cache(maxsize=100_000)
def _person_words(person: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[^\W\d_]+", _plain(person)) if len(w) > 1)


def _when_key(value: Any) -> str:
    """Raw stored times as comparable UTC strings (SQLite gives UTC text, PostgreSQL aware datetimes)."""
    if isinstance(
        value, datetime
    ):  # isoformat: strftime's "%Y-%m-%d %H:%M:%S.%f", several times faster
        return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")
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
                        first_seen=iso_time(_as_utc(first)),
                        last_seen=iso_time(_as_utc(last)),
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


# ---------------------------------------------------------------- programmes
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
        key=lambda i: reports[i][0] or datetime.min.replace(tzinfo=timezone.utc),
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
    _check_dates(since, until)
    if window_days is None:
        from newsmon.settings import get_settings

        window_days = get_settings().announcement_window_days
    if window_days < 0:
        raise InputError("--window-days must not be negative")
    own = session is None
    session = session or open_session(database_url)
    try:
        base = fact_conditions(session, FactFilter(program=program, since=since, until=until))
        mention_cond = [Fact.program.is_not(None), Fact.kind.in_(("program", "amount")), *base]  # type: ignore[union-attr]
        if territory:
            units = resolve_territory(session, territory)
            other = aliased(Fact)
            mention_cond.append(
                sa.select(other.territory_kato)
                .where(
                    other.article_id == Fact.article_id,
                    _territory_clause(units, other.territory_kato, other.territory_name),
                )
                .exists()
            )
        mentions = session.execute(
            select(
                Fact.program,
                sa.func.sum(sa.case((Fact.kind == "program", 1), else_=0)),  # type: ignore[call-overload]
                sa.func.count(sa.distinct(Fact.article_id)),
                sa.func.min(Fact.published),
                sa.func.max(Fact.published),
            )
            .where(*mention_cond)
            .group_by(Fact.program)
        ).all()
        amount_cond = [
            Fact.kind == "amount",
            Fact.program.is_not(None),
            Fact.value.is_not(None),
            *base,
        ]  # type: ignore[union-attr]
        if territory:
            amount_cond.append(_territory_clause(units, Fact.territory_kato, Fact.territory_name))
        amounts = session.execute(
            select(
                Fact.program,
                Fact.territory_kato,
                Fact.territory_name,
                Fact.territory_level,
                Fact.unit,  # type: ignore[call-overload]
                Fact.value,
                Fact.published,
            ).where(*amount_cond)
        ).all()
        return _program_entries(mentions, amounts, window_days)
    finally:
        if own:
            session.close()


def _program_entries(
    mentions: Sequence[Any], amounts: Sequence[Any], window_days: int
) -> list[ProgramSummary]:
    by_key: dict[tuple[Any, ...], list[tuple[datetime | None, float]]] = defaultdict(list)
    for prog, kato, tname, level, unit, value, published in amounts:
        by_key[(prog, kato, tname, level, unit, float(value))].append(
            (_as_utc(published), float(value))
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
                first_seen=iso_time(_as_utc(first)),
                last_seen=iso_time(_as_utc(last)),
                units=units,
                totals={k: _number(v) for k, v in totals.items()},
                window_days=window_days,
            )
        )
    out.sort(key=lambda p: (-p.articles, -p.mentions, p.program))
    return out


def _number(x: float) -> float:
    return int(x) if float(x).is_integer() else x  # type: ignore[return-value]


# ---------------------------------------------------------------- articles
@dataclass
class ArticleFilter:
    """What `newsmon export articles` can ask for."""

    source: str | None = None
    lang: str | None = None
    since: date | None = None
    until: date | None = None
    territory: str | None = None
    limit: int | None = None
    offset: int = 0

    def validate(self) -> None:
        _check_dates(self.since, self.until)
        _check_lang(self.lang)
        _check_page(self.limit, self.offset)


ARTICLE_KEYS = ("id", "url", "title", "text", "summary", "source", "published", "fetched", "lang")


def iter_articles(
    flt: ArticleFilter, *, database_url: str | None = None, session: Session | None = None
) -> Iterator[dict[str, Any]]:
    """Articles matching `flt`, oldest first, as dicts (streamed)."""
    flt.validate()
    own = session is None
    session = session or open_session(database_url)
    try:
        query = select(Article, Source).join(Source, Article.source_id == Source.id)
        if flt.source:
            query = query.where(Article.source_id == resolve_source(session, flt.source))
        if flt.lang:
            query = query.where(Article.lang == flt.lang)
        if flt.since:
            query = query.where(Article.published >= day_start(flt.since))
        if flt.until:
            query = query.where(Article.published < day_start(flt.until + timedelta(days=1)))
        if flt.territory:
            units = resolve_territory(session, flt.territory)
            inside = select(Fact.article_id).where(
                _territory_clause(units, Fact.territory_kato, Fact.territory_name)
            )
            query = query.where(Article.id.in_(inside))  # type: ignore[union-attr]
        query = query.order_by(Article.published, Article.id).offset(flt.offset)  # type: ignore[arg-type]
        if flt.limit is not None:
            query = query.limit(flt.limit)
        for art, src in session.exec(query).yield_per(500):
            yield {
                "id": art.id,
                "url": art.url,
                "title": art.title,
                "text": art.text,
                "summary": art.summary,
                "source": src.name,
                "published": iso_time(art.published),
                "fetched": iso_time(art.fetched),
                "lang": art.lang,
            }
    finally:
        if own:
            session.close()
