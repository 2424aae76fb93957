"""What every filter shares: the fact kinds, validation of dates, language and paging, names matched word by word, sources by name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlmodel import Session, select

from newsmon.errors import InputError, NotFoundError
from newsmon.store.models import SummaryPersonUnit, SummaryProgramDay
from newsmon.text import LANGS, fold

FACT_KINDS = ("akim", "amount", "program", "territory")


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


QUOTES = "«»\"'“”„`"


def plain_name(text: str) -> str:
    """A name as names are compared: folded (case, ё), quotes stripped, spaces squeezed."""
    return " ".join(fold(text.strip(QUOTES + " "), kazakh=False).split())


def normalize_unit(unit: str) -> str:
    """KZT, USD, … in upper case; тенге/₸ and similar words as their code; other units as given."""
    key = unit.strip().lower()
    if key in _UNIT_ALIASES:
        return _UNIT_ALIASES[key]
    return (
        unit.strip().upper() if len(key) == 3 and key.isalpha() and key.isascii() else unit.strip()
    )


def check_dates(since: date | None, until: date | None) -> None:
    if since and until and since > until:
        raise InputError(f"--since {since} is after --until {until}")


def check_lang(lang: str | None) -> None:
    if lang is not None and lang not in LANGS:
        raise InputError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")


def check_page(limit: int | None, offset: int) -> None:
    if (limit is not None and limit < 0) or offset < 0:
        raise InputError("--limit and --offset must not be negative")


def resolve_source(session: Session, name: str) -> int:
    """The id of the source called `name` (case-insensitive); NotFoundError with close names."""
    rows = session.execute(sa.text("SELECT id, name FROM source")).all()
    for sid, sname in rows:
        if sname == name.strip() or plain_name(sname) == plain_name(name):
            return int(sid)
    raise NotFoundError(f"unknown source {name!r}" + _suggest_plain(name, [r[1] for r in rows]))


def _suggest_plain(text: str, names: list[str]) -> str:
    scored = process.extract(text, names, scorer=fuzz.WRatio, limit=3)
    close = [name for name, score, _ in scored if score >= 60]
    return f"; did you mean {', '.join(close)}?" if close else ""


def match_names(session: Session, column: Any, wanted: str, kinds: Sequence[str]) -> list[str]:
    """Stored values of `column` that `wanted` names: every word of it starts a word of the value
    (case, ё and Russian endings aside: «сикпаевой» finds «Ботагоз Сикпаева»)."""
    query_words = [w for w in re.findall(r"[^\W_]+", plain_name(wanted))]
    if not query_words:
        raise InputError("the name to look for has no letters")
    out = []
    for value, words in _distinct_values(session, column):
        if all(any(_word_fits(q, w) for w in words) for q in query_words):
            out.append(value)
    return out


_values_cache: dict[tuple[str, str, int], list[tuple[str, list[str]]]] = {}
_SUMMARY_VALUES: dict[str, Any] = {
    "person": SummaryPersonUnit.__table__.c.person,  # type: ignore[attr-defined]
    "program": SummaryProgramDay.__table__.c.program,  # type: ignore[attr-defined]
}


def _distinct_values(session: Session, column: Any) -> list[tuple[str, list[str]]]:
    """Distinct values of a fact column with their folded words; cached until facts change (max id)."""
    top = session.execute(sa.text("SELECT coalesce(max(id), 0) FROM fact")).scalar_one()
    key = (str(session.get_bind().engine.url), column.key, top)
    if key not in _values_cache:
        # persons (akim facts) and programmes (programme and amount facts) from the summaries the
        # extract stage keeps: a few thousand rows, not a scan of every fact's index entry
        source = _SUMMARY_VALUES.get(column.key)
        query = (
            sa.select(source).distinct()
            if source is not None
            else select(column).where(column.is_not(None)).distinct()
        )
        values = session.execute(query).scalars().all()
        if len(_values_cache) > 16:
            _values_cache.clear()
        _values_cache[key] = [(v, re.findall(r"[^\W_]+", plain_name(v))) for v in values]
    return _values_cache[key]


def _word_fits(query: str, word: str) -> bool:
    if word.startswith(query):
        return True
    common = _common_prefix(query, word)
    return common >= 4 and common >= len(word) - 2 and common >= len(query) - 3


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
