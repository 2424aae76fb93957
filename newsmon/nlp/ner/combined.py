"""`newsmon_ner_ru`: the project's Russian model, with chosen labels taken from natasha/slovnet instead.

Added after `ner` in the ru pipeline: entities of the model whose canonical label is in
`natasha_labels` are replaced by natasha's entities of those labels; a remaining model entity that
overlaps a natasha entity is dropped (in «мэра Москвы» natasha's LOC «Москвы» beats a model POSITION:
factRuEval marks only the name, and NEREL marks both). Which labels come from natasha is
measured per label on NEREL dev and factRuEval dev (models/ru/combine.json, models/ru/MODEL_CARD.md).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from newsmon.nlp.ner.labels import to_canonical
from newsmon.nlp.ner.natasha_ner import natasha_entities


class NatashaCombiner:
    def __init__(self, nlp: Language, name: str, natasha_labels: list[str]) -> None:
        self.name = name
        self.natasha_labels = set(natasha_labels)

    def __call__(self, doc: Doc) -> Doc:
        if not self.natasha_labels:
            return doc
        kept = [e for e in doc.ents if to_canonical(e.label_, "ru") not in self.natasha_labels]
        added: list[Span] = []
        for start, end, label in next(natasha_entities([doc.text])):
            if label in self.natasha_labels:
                span = doc.char_span(start, end, label=label, alignment_mode="expand")
                if span is not None:
                    added.append(span)
        added = filter_spans(added)
        taken = {i for span in added for i in range(span.start, span.end)}
        doc.ents = sorted(added + [e for e in kept if taken.isdisjoint(range(e.start, e.end))],
                          key=lambda span: span.start)
        return doc


@Language.factory(
    "newsmon_ner_ru",
    default_config={"natasha_labels": ["PER", "LOC", "ORG"]},
    requires=["doc.ents"],
    assigns=["doc.ents"],
)
def make_natasha_combiner(nlp: Language, name: str, natasha_labels: list[str]) -> NatashaCombiner:
    return NatashaCombiner(nlp, name, natasha_labels)
