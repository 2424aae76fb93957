"""From a processed Doc to facts: one fact per thing per article, with its mentions and evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from spacy.tokens import Doc, Span

from newsmon.nlp.gazetteer import TerritoryRef
from newsmon.nlp.records import AkimFact, AmountFact, FactKind, ProgramFact, TerritoryFact
from newsmon.text import fold

MONEY_UNITS = ("KZT", "USD", "RUB", "EUR")
MAX_SENTENCE_CHARS = 600


class FactExtra(TypedDict, total=False):
    """Keys a fact carries beyond CONTRACT §2 (stored in `fact.extra`, written as they are)."""

    acting: bool  # akim: an acting head or deputy
    implicit: bool  # amount: the currency comes from the article, not the words
    kind: str  # amount: money, percent, area, count
    event: str  # akim: appointed, dismissed, acting or mention


@dataclass
class FactRecord:
    """A fact as the extractor builds it, before it is stored (CONTRACT §2 keys by kind)."""

    kind: FactKind
    text: str
    sentence: str
    start: int
    end: int
    confidence: float
    person: str | None = None
    role: str | None = None
    program: str | None = None
    value: float | None = None
    unit: str | None = None
    raw: str | None = None
    territory: TerritoryRef | None = None
    mentions: list[list[int]] = field(default_factory=list)
    extra: FactExtra = field(default_factory=FactExtra)


def evidence(span: Span) -> str:
    """The sentence that holds `span`, cut around it when the sentence runs long (glued HTML text)."""
    sent = span.sent
    if len(sent.text) <= MAX_SENTENCE_CHARS:
        return sent.text
    doc_text = span.doc.text
    half = MAX_SENTENCE_CHARS // 2
    lo = max(sent.start_char, span.start_char - half)
    hi = min(sent.end_char, span.end_char + half)
    return doc_text[lo:hi]


def _territory_in_sentence(span: Span) -> TerritoryRef | None:
    """The most specific territory mentioned in the sentence of `span` (amounts carry it)."""
    if "territories" not in span.doc.spans:
        return None
    order = {"settlement": 0, "rural_district": 1, "district": 2, "city": 3, "region": 4}
    sent = span.sent
    refs: list[TerritoryRef] = [
        t._.territory
        for t in span.doc.spans["territories"]
        if t.start >= sent.start and t.end <= sent.end and t._.territory is not None
    ]
    if not refs:
        return None
    return min(refs, key=lambda r: order.get(r.level, 9))


def _surname(person: str) -> str:
    return fold(person.split()[-1], kazakh=False) if person.split() else person.lower()


class _Merger:
    """One fact per key: later mentions add their offsets, the best-supported mention wins."""

    def __init__(self) -> None:
        self.facts: dict[tuple[str | float | None, ...], FactRecord] = {}

    def add(self, key: tuple[str | float | None, ...], fact: FactRecord) -> None:
        old = self.facts.get(key)
        if old is None:
            fact.mentions = [[fact.start, fact.end]]
            self.facts[key] = fact
            return
        old.mentions.append([fact.start, fact.end])
        if fact.territory and not old.territory:
            old.territory = fact.territory
        if fact.program and not old.program:
            old.program = fact.program
        if len(fact.person or "") > len(old.person or ""):
            old.person = fact.person
        if fact.extra.get("event") == "appointed":  # one mention says so: the article reports it
            old.extra["event"] = "appointed"
        old.confidence = max(old.confidence, fact.confidence)


def build_facts(doc: Doc) -> list[FactRecord]:
    """Facts of every kind in `doc`, de-duplicated per article."""
    merger = _Merger()
    for span in doc.spans.get("akims", []):
        akim: AkimFact = span._.akim
        fact = FactRecord(
            "akim",
            span.text,
            evidence(span),
            span.start_char,
            span.end_char,
            akim.confidence,
            person=akim.person,
            role=akim.role,
            territory=akim.territory,
            extra=FactExtra(acting=True, event=akim.event)
            if akim.acting
            else FactExtra(event=akim.event),
        )
        # a dismissal is a fact of its own beside mentions of the same person in the article
        dismissed = akim.event == "dismissed"
        merger.add(("akim", _surname(akim.person), akim.role, dismissed), fact)
    for span in doc.spans.get("amounts", []):
        amount: AmountFact = span._.amount
        fact = FactRecord(
            "amount",
            span.text,
            evidence(span),
            span.start_char,
            span.end_char,
            amount.confidence,
            value=amount.value,
            unit=amount.unit,
            raw=amount.raw,
            program=amount.program,
            territory=_territory_in_sentence(span),
            extra=FactExtra(implicit=amount.implicit, kind=amount.kind),
        )
        merger.add(("amount", round(amount.value, 2), amount.unit), fact)
    for span in doc.spans.get("programs", []):
        program: ProgramFact = span._.program
        fact = FactRecord(
            "program",
            span.text,
            evidence(span),
            span.start_char,
            span.end_char,
            0.9,
            program=program.name,
        )
        merger.add(("program", program.name.lower()), fact)
    for span in doc.spans.get("territories", []):
        ref: TerritoryFact | None = span._.territory
        if ref is None:
            continue
        fact = FactRecord(
            "territory",
            span.text,
            evidence(span),
            span.start_char,
            span.end_char,
            ref.confidence,
            territory=ref,
        )
        merger.add(("territory", ref.kato or ref.name), fact)
    return list(merger.facts.values())
