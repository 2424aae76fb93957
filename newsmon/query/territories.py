"""Territory filters: a unit named in Russian or Kazakh (any case form, abbreviations) or by KATO code, and everything inside it."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlmodel import Session

from newsmon.errors import GazetteerError, InputError, NotFoundError
from newsmon.kato import kato_prefix
from newsmon.nlp.gazetteer import core_units
from newsmon.query.filters import QUOTES, plain_name
from newsmon.store.models import ArticleTerritory, Fact
from newsmon.store.summary import STORED_PREFIX_LENGTHS
from newsmon.text import WORD, fold, word_forms

LEVELS = ("region", "city", "district", "rural_district", "settlement")


# abbreviations every reader knows; the gazetteer knows more
_ABBREVIATIONS = {
    "вко": "Восточно-Казахстанская область",
    "ско": "Северо-Казахстанская область",
    "зко": "Западно-Казахстанская область",
}


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
    out: list[tuple[str | None, str | None, str]] = []
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
    return len(query) == len(name) and all(q & n for q, n in zip(query, name, strict=True))


def _strip_types(key: tuple[frozenset[str], ...]) -> tuple[frozenset[str], ...]:
    return tuple(k for k in key if not k & _TYPE_WORDS)


@dataclass
class _Known:
    units: list[Unit]
    names: dict[str, list[Unit]]  # every spelling (ru, kk, alias, raw) → units
    folded: dict[str, list[Unit]] | None = None  # `names` by plain_name, built on first use


_known_cache: dict[tuple[str, int, int], _Known] = {}


def _known_units(session: Session) -> _Known:
    """Units of the Territory table and of stored facts, with every name they go by (cached per database state)."""
    bind = session.get_bind()
    n_terr = session.execute(sa.text("SELECT count(*) FROM territory")).scalar_one()
    n_fact = session.execute(sa.text("SELECT coalesce(max(id), 0) FROM fact")).scalar_one()
    cache_key = (str(bind.engine.url), n_terr, n_fact)
    if cache_key in _known_cache:
        return _known_cache[cache_key]
    names: dict[str, list[Unit]] = defaultdict(list)
    rows = []
    imported = False
    for kato, parent, level, name, name_kk, raw, al, source in session.execute(
        sa.text("SELECT kato, parent, level, name, name_kk, raw, aliases, source FROM territory")
    ).all():
        rows.append(
            (kato, parent, level, name, name_kk, raw, json.loads(al) if isinstance(al, str) else al)
        )
        imported = imported or source == "kato"
    if not imported:  # the built-in core (regions, major cities, its districts) before any import
        have = {r[0] for r in rows}
        rows += [
            (u.kato, u.parent, u.level, u.name, u.name_kk, None, u.aliases)
            for u in core_units()
            if u.kato and u.kato not in have
        ]
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
    # (from the units the extract stage counts, summary_territory: no scan of the facts)
    for code, name, lvl in session.execute(
        sa.text(
            "SELECT kato, name, level FROM summary_territory WHERE name != '' "
            "ORDER BY kato, name, level"
        )
    ).all():
        kato, level = code or None, lvl or None
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
        from newsmon.nlp.territories import lookup

        refs = list(lookup(g, text))
    except Exception:  # noqa: BLE001 - an incomplete gazetteer must not break queries: fall back to ours
        return None
    return [Unit(name=r.name, level=r.level, kato=r.kato, path=tuple(r.path or ())) for r in refs]


def _gazetteer(session: Session) -> Any:
    try:
        from newsmon.nlp.gazetteer import get_gazetteer  # local: built by the extraction stage
    except ImportError:  # an install without the NLP stage's dependencies: our own names only
        return None
    try:
        return get_gazetteer(session.get_bind().engine.url.render_as_string(hide_password=False))
    except (GazetteerError, sa.exc.SQLAlchemyError):  # a broken core file or territory table
        return None


def resolve_territory(session: Session, text: str) -> list[Unit]:
    """The units `text` names (a KATO code, a name in Russian or Kazakh in any case form, an abbreviation).

    Several units share some names (villages); all of them are returned. NotFoundError suggests close names.
    """
    raw = text.strip().strip(QUOTES).strip()
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
    expanded = _ABBREVIATIONS.get(plain_name(raw).replace(".", ""), raw)
    exact = known.names.get(raw) or known.names.get(expanded)
    if exact:
        return _best(exact)
    folded = _folded_names(known)
    if plain_name(expanded) in folded:
        return _best(folded[plain_name(expanded)])
    # case forms and Kazakh endings: compare word by word, only names sharing the first letters
    key = _name_key(expanded)
    heads = {f[:3] for k in key for f in k}
    candidates = [
        name
        for name in known.names
        if {w[:3] for w in plain_name(name).replace("-", " ").split()} & heads
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
    if known.folded is None:
        folded: dict[str, list[Unit]] = defaultdict(list)
        for name, units in known.names.items():
            folded[plain_name(name)] += units
        known.folded = dict(folded)
    return known.folded


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
        plain_name(text), {n: plain_name(n) for n in names}, scorer=fuzz.WRatio, limit=limit
    )
    return list(dict.fromkeys([*extra, *(name for _, score, name in scored if score >= 60)]))[
        :limit
    ]


def _suggest(text: str, close: list[str]) -> str:
    if close:
        return f"; did you mean {', '.join(f'«{c}»' for c in close)}?"
    return "; no close name is known (run `newsmon gazetteer import` to load all of KATO)"


def _prefix_split(units: Sequence[Unit]) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """A filter's KATO prefixes kept in article_territory, the ranges that are not, the names."""
    stored: list[str] = []
    other: list[tuple[str, str]] = []
    for lo, hi, _ in kato_ranges(units):
        if lo is not None and hi is not None:
            if len(lo) in STORED_PREFIX_LENGTHS:
                stored.append(lo)
            else:
                other.append((lo, hi))
    return stored, other, [u.name for u in units]


def articles_in(units: Sequence[Unit]) -> Any:
    """The ids of the articles with a fact in one of `units` (as `territory_clause` matches facts),
    from each article's territories (article_territory, kept by the extract stage)."""
    stored, other, names = _prefix_split(units)
    at = ArticleTerritory.__table__  # type: ignore[attr-defined]
    cond = [sa.and_(at.c.kato == "", at.c.name.in_(names))]
    if stored:
        cond.append(at.c.kato.in_(stored))
    query: Any = sa.select(at.c.article_id).where(sa.or_(*cond))
    if other:  # a unit whose code is no KATO code: its prefix is not kept, so probe the facts
        fact = Fact.__table__  # type: ignore[attr-defined]
        query = sa.union(
            query,
            sa.select(fact.c.article_id).where(
                sa.or_(*(fact.c.territory_kato.between(lo, hi) for lo, hi in other))
            ),
        )
    return query


def articles_in_sql(units: Sequence[Unit], params: dict[str, Any], article: str) -> str:
    """`articles_in` as an SQL condition on the column `article` (text queries); fills `params`."""
    stored, other, names = _prefix_split(units)
    conds = []
    for i, name in enumerate(names):
        params[f"at_n{i}"] = name
    names_in = ", ".join(f":at_n{i}" for i in range(len(names)))
    conds.append(f"(kato = '' AND name IN ({names_in}))")
    if stored:
        for i, code in enumerate(stored):
            params[f"at_k{i}"] = code
        conds.append(f"kato IN ({', '.join(f':at_k{i}' for i in range(len(stored)))})")
    sql = f"{article} IN (SELECT article_id FROM article_territory WHERE {' OR '.join(conds)})"
    if other:
        ranges = []
        for i, (lo, hi) in enumerate(other):
            params[f"at_lo{i}"], params[f"at_hi{i}"] = lo, hi
            ranges.append(f"territory_kato BETWEEN :at_lo{i} AND :at_hi{i}")
        sql = f"({sql} OR {article} IN (SELECT article_id FROM fact WHERE {' OR '.join(ranges)}))"
    return sql


def territory_clause(units: Sequence[Unit], kato_col: Any, name_col: Any) -> Any:
    conds = []
    for lo, hi, name in kato_ranges(units):
        if lo is not None:
            conds.append(kato_col.between(lo, hi))
        conds.append(sa.and_(kato_col.is_(None), name_col == name))
    return sa.or_(*conds)
