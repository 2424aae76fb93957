"""From a processed Doc to facts: one fact per thing per article, with its mentions and evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc, Span

from newsmon.text import fold

MONEY_UNITS = ("KZT", "USD", "RUB", "EUR")
MAX_SENTENCE_CHARS = 600


@dataclass
class FactRecord:
    """A fact as the extractor builds it, before it is stored (CONTRACT §2 keys by kind)."""

    kind: str
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
    territory: dict[str, Any] | None = None
    mentions: list[list[int]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


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


def _territory_in_sentence(span: Span) -> dict[str, Any] | None:
    """The most specific territory mentioned in the sentence of `span` (amounts carry it)."""
    if "territories" not in span.doc.spans:
        return None
    order = {"settlement": 0, "rural_district": 1, "district": 2, "city": 3, "region": 4}
    sent = span.sent
    refs = [
        t._.territory
        for t in span.doc.spans["territories"]
        if t.start >= sent.start and t.end <= sent.end and t._.territory is not None
    ]
    if not refs:
        return None
    return min(refs, key=lambda r: order.get(r.level, 9)).as_dict()


def _surname(person: str) -> str:
    return fold(person.split()[-1], kazakh=False) if person.split() else person.lower()


class _Merger:
    """One fact per key: later mentions add their offsets, the best-supported mention wins."""

    def __init__(self) -> None:
        self.facts: dict[tuple[Any, ...], FactRecord] = {}

    def add(self, key: tuple[Any, ...], fact: FactRecord) -> None:
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
        a = span._.akim
        fact = FactRecord(
            "akim",
            span.text,
            evidence(span),
            span.start_char,
            span.end_char,
            a["confidence"],
            person=a["person"],
            role=a["role"],
            territory=a["territory"],
            extra={**({"acting": True} if a.get("acting") else {}), "event": a["event"]},
        )
        # a dismissal is a fact of its own beside mentions of the same person in the article
        dismissed = a["event"] == "dismissed"
        merger.add(("akim", _surname(a["person"]), a["role"], dismissed), fact)
    for span in doc.spans.get("amounts", []):
        a = span._.amount
        fact = FactRecord(
            "amount",
            span.text,
            evidence(span),
            span.start_char,
            span.end_char,
            float(a.get("confidence", 0.9)),
            value=float(a["value"]),
            unit=a["unit"],
            raw=a.get("raw", span.text),
            program=a.get("program"),
            territory=_territory_in_sentence(span),
            extra={k: a[k] for k in ("implicit", "kind") if k in a},
        )
        merger.add(("amount", round(float(a["value"]), 2), a["unit"]), fact)
    for span in doc.spans.get("programs", []):
        name = span._.program
        fact = FactRecord(
            "program", span.text, evidence(span), span.start_char, span.end_char, 0.9, program=name
        )
        merger.add(("program", name.lower()), fact)
    for span in doc.spans.get("territories", []):
        ref = span._.territory
        if ref is None:
            continue
        fact = FactRecord(
            "territory",
            span.text,
            evidence(span),
            span.start_char,
            span.end_char,
            float(getattr(ref, "confidence", 0.9)),
            territory=ref.as_dict(),
        )
        merger.add(("territory", ref.kato or ref.name), fact)
    return list(merger.facts.values())
