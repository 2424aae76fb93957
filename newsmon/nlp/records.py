"""The typed records the NLP components set on spans, one per fact kind.

Each component writes one record per span in its own extension attribute, and `newsmon.nlp.facts`
turns them into `FactRecord`s without re-shaping them through dicts:

| span group | attribute | record |
|---|---|---|
| `doc.spans["akims"]` | `span._.akim` | `AkimFact` |
| `doc.spans["amounts"]` | `span._.amount` | `AmountFact` |
| `doc.spans["programs"]` | `span._.program` | `ProgramFact` |
| `doc.spans["territories"]` | `span._.territory` | `TerritoryFact` (the gazetteer's `TerritoryRef`) |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from newsmon.nlp.gazetteer import TerritoryRef

__all__ = ["AkimFact", "AmountFact", "FactKind", "ProgramFact", "TerritoryFact"]

FactKind = Literal["akim", "amount", "program", "territory"]
TerritoryFact = (
    TerritoryRef  # name, level, kato, path (CONTRACT §2) and the resolution's confidence
)


@dataclass(frozen=True)
class AkimFact:
    """An akim (or deputy, or acting head) named with the unit they head."""

    person: str  # full name, nominative, as the text gives it
    role: str  # «аким», «заместитель акима», «и.о. акима»
    territory: TerritoryRef | None
    confidence: float
    acting: bool = False
    event: str = "mention"  # appointed, dismissed, acting or mention (nlp.akims EVENT_*)


@dataclass
class AmountFact:
    """A normalized amount: money, a percentage, an area, a count …"""

    value: float  # whole units («1,5 млрд тенге» → 1.5e9)
    unit: str  # KZT, USD, RUB, EUR, %, ha, km, people …
    raw: str  # the surface text
    kind: str  # money, percent, area, count … (the span's label, lower case)
    implicit: bool = False  # the currency comes from the article, not the words
    confidence: float = 0.9
    range: str | None = None  # «от 5 до 10 млн»: which end this is
    program: str | None = None  # the programme it belongs to (set by the programmes component)


@dataclass(frozen=True)
class ProgramFact:
    """A state programme mention, by its canonical name (nominative, no quotes)."""

    name: str

    def __bool__(self) -> bool:
        return bool(self.name)
