"""watchlist.yaml: people, parties, programmes and territories to follow, with variants in both languages.

```yaml
people:
  - name: Асет Жумабаев
    variants: [Жумабаев, Жұмабаев]
parties:
  - name: AMANAT
    variants: [AMANAT, АМАНАТ]
alerts:          # alert rules: newsmon.alerts.rules
  - name: akims-vko
    kind: akim
    territory: ВКО
    channels: [telegram]
```

How a variant matches (case-insensitive, ё = е):
- each word of the variant, less its final vowels, «ь» and «й» (kept to at least 4 letters), matches
  the start of a word in the text, which may go on with any letters; so case endings are caught in
  both languages: «Жумабаев» finds «Жумабаева», «Жумабаевым»; «Дорожная карта занятости» finds
  «Дорожной карте занятости»; «Ауыл аманаты» finds «Ауыл аманатының»; a bare stem works too
  («Шемонаих» finds «Шемонаиха», «Шемонаихинского», «Шемонаиха ауданы»);
- a variant written in capitals (an acronym: «ВКО», «ШҚО», «AMANAT») matches only in capitals and only
  as a whole word, optionally followed by a hyphenated Kazakh ending («ШҚО-да»).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from newsmon.errors import ConfigError, NotFoundError
from newsmon.settings import PACKAGE_DIR
from newsmon.text import fold

SECTIONS = {
    "people": "person",
    "parties": "party",
    "programmes": "program",
    "territories": "territory",
}
# sections read elsewhere: `alerts` holds alert rules (newsmon.alerts.rules validates them)
OTHER_SECTIONS = ("alerts",)
ENTRY_KEYS = ("name", "variants", "note")
MIN_VARIANT_CHARS = 3
DEFAULT_FILE = Path("watchlist.yaml")
DEMO_FILE = PACKAGE_DIR / "data" / "demo" / "watchlist.yaml"
_LETTER = r"[^\W\d_]"
_SENTENCE = re.compile(r"[^.!?…\n]*(?:[.!?…]+|\n|$)")


_VOWELS_SOFT = set("аәеёиоөуұүыіэюяьйaeiouy")
STEM_KEEP = 4


def stem(word: str) -> str:
    """The word less its final vowels, «ь» and «й», never shorter than STEM_KEEP letters."""
    out = word
    while len(out) > STEM_KEEP and out[-1].lower() in _VOWELS_SOFT:
        out = out[:-1]
    return out


def variant_pattern(variant: str) -> str:
    """The regular expression one variant compiles to (see the module docstring)."""
    words = [
        w for w in variant.split() if any(ch.isalnum() for ch in w)
    ]  # «Ауыл – Ел бесігі»: no «–»
    if variant.upper() == variant and any(ch.isalpha() for ch in variant):
        body = r"\s+".join(re.escape(w) for w in words)
        return rf"(?<!{_LETTER})(?-i:{body})(?:-{_LETTER}+)?(?!{_LETTER})"
    parts = [re.escape(fold(stem(w), kazakh=False, lower=False)) + rf"{_LETTER}*" for w in words]
    return rf"(?<!{_LETTER})" + r"[\s\-–—]+".join(parts)


@dataclass
class Entity:
    """One watched thing; `name` is how reports show it."""

    kind: str  # person | party | program | territory
    name: str
    variants: list[str]
    note: str | None = None
    pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        alternatives = sorted({self.name, *self.variants}, key=len, reverse=True)
        self.pattern = re.compile(
            "|".join(f"(?:{variant_pattern(v)})" for v in alternatives), re.IGNORECASE
        )

    def find(self, text: str) -> list[tuple[int, int]]:
        """Character spans of every mention in `text`."""
        return [m.span() for m in self.pattern.finditer(fold(text, kazakh=False, lower=False))]


@dataclass
class Hit:
    """Mentions of one entity in one text: how many, and the sentence around the first."""

    entity: Entity
    count: int
    sentence: str
    start: int
    end: int


@dataclass
class Watchlist:
    path: Path | None
    entities: list[Entity]

    def __iter__(self) -> Iterator[Entity]:
        return iter(self.entities)

    def __len__(self) -> int:
        return len(self.entities)

    def scan(self, text: str) -> list[Hit]:
        """Every entity mentioned in `text`, with its count and first evidence sentence."""
        hits = []
        for ent in self.entities:
            spans = ent.find(text)
            if spans:
                start, end = spans[0]
                hits.append(Hit(ent, len(spans), sentence_around(text, start, end), start, end))
        return hits

    def lookup(self, query: str) -> Entity:
        """The entity whose name or a variant is `query` (or matches it); NotFoundError suggests names."""
        q = fold(query.strip(), kazakh=False)
        for ent in self.entities:
            if q in {fold(v, kazakh=False) for v in (ent.name, *ent.variants)}:
                return ent
        for ent in self.entities:
            if ent.find(query):
                return ent
        from rapidfuzz import process

        names = {v: ent.name for ent in self.entities for v in (ent.name, *ent.variants)}
        close = process.extract(query, list(names), limit=6, score_cutoff=50)
        suggestions = list(dict.fromkeys(names[c[0]] for c in close))[:3]
        where = f" in {self.path}" if self.path else ""
        hint = f": did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise NotFoundError(f"no watchlist entity {query!r}{where}{hint}")


def sentence_around(text: str, start: int, end: int, limit: int = 400) -> str:
    """The sentence of `text` that holds [start, end), cut to `limit` characters around the span."""
    for m in _SENTENCE.finditer(text):
        if m.start() <= start < max(m.end(), m.start() + 1):
            lo, hi = m.start(), max(m.end(), end)
            break
    else:
        lo, hi = start, end
    if hi - lo > limit:
        lo = max(lo, start - limit // 2)
        hi = min(hi, end + limit // 2)
    return text[lo:hi].strip()


def parse_watchlist(data: Any, path: Path | str | None = None) -> Watchlist:
    """Validate loaded YAML; every problem names its section, entry number and name."""
    where = str(path or "watchlist")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping with sections {', '.join(SECTIONS)}")
    problems: list[str] = []
    entities: list[Entity] = []
    seen: dict[str, str] = {}
    for section in data:
        if section not in SECTIONS and section not in OTHER_SECTIONS:
            known = ", ".join([*SECTIONS, *OTHER_SECTIONS])
            problems.append(f"unknown section {section!r} (known: {known})")
    for section, kind in SECTIONS.items():
        entries = data.get(section) or []
        if not isinstance(entries, list):
            problems.append(f"{section}: must be a list of entries")
            continue
        for i, entry in enumerate(entries, 1):
            label = f"{section}[{i}]"
            if not isinstance(entry, dict):
                problems.append(f"{label}: must be a mapping with 'name' and 'variants'")
                continue
            name = entry.get("name")
            if isinstance(name, str) and name.strip():
                label += f" {name.strip()!r}"
            else:
                problems.append(f"{label}: 'name' is missing or empty")
                continue
            name = name.strip()
            unknown = [k for k in entry if k not in ENTRY_KEYS]
            if unknown:
                problems.append(
                    f"{label}: unknown key {unknown[0]!r} (known: {', '.join(ENTRY_KEYS)})"
                )
            variants = entry.get("variants", [])
            if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
                problems.append(f"{label}: 'variants' must be a list of strings")
                continue
            variants = [v.strip() for v in variants]
            short = [v for v in [name, *variants] if len(v) < MIN_VARIANT_CHARS]
            if short:
                problems.append(
                    f"{label}: variant {short[0]!r} is shorter than {MIN_VARIANT_CHARS} characters"
                )
                continue
            key = name.lower()
            if key in seen:
                problems.append(f"{label}: the name is already used by {seen[key]}")
                continue
            seen[key] = label
            note = entry.get("note")
            entities.append(
                Entity(kind, name, list(dict.fromkeys(variants)), str(note) if note else None)
            )
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(
            f"{where}: {problems[0]}{more}" + "".join(f"\n  {p}" for p in problems[1:])
        )
    return Watchlist(Path(path) if path else None, entities)


def load_watchlist(path: Path | str | None = None, *, required: bool = True) -> Watchlist | None:
    """Read and validate a watchlist file (default: ./watchlist.yaml).

    With `required=False` a missing default file gives None (digests then skip the section).
    """
    p = Path(path) if path else DEFAULT_FILE
    if p.is_dir():
        raise ConfigError(f"{p}: is a directory, not a watchlist file")
    if not p.is_file():
        if path is None and not required:
            return None
        raise ConfigError(
            f"{p}: no such watchlist file (see watchlist.yaml in the project for the format)"
        )
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{p}: not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    return parse_watchlist(data, p)
