"""`newsmon_ner_ru`: the project's Russian model, with chosen labels taken from natasha/slovnet instead.

Added after `ner` in the ru pipeline: entities of the model whose canonical label is in
`natasha_labels` are replaced by natasha's entities of those labels; a remaining model entity that
overlaps a natasha entity is dropped (in «мэра Москвы» natasha's LOC «Москвы» beats a model POSITION:
factRuEval marks only the name, and NEREL marks both). Which labels come from natasha is
measured per label on NEREL dev and factRuEval dev (models/ru/combine.json, models/ru/MODEL_CARD.md).
"""

from __future__ import annotations

import itertools
from bisect import bisect_right

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from newsmon.nlp.ner.labels import to_canonical
from newsmon.nlp.ner.natasha_ner import natasha_entities


def split_tokens_at(doc: Doc, offsets: set[int]) -> None:
    """Split the tokens that have one of the character `offsets` inside them (natasha's own tokens differ:
    «сообщает«Лента.ру»», «Сен.», «.РФ»), so natasha's spans keep their exact boundaries."""
    starts = [token.idx for token in doc]
    cuts: dict[int, list[int]] = {}
    for offset in offsets:
        i = bisect_right(starts, offset) - 1
        if i >= 0 and starts[i] < offset < starts[i] + len(doc[i].text):
            cuts.setdefault(i, []).append(offset - starts[i])
    if not cuts:
        return
    with doc.retokenize() as retokenizer:
        for i, points in cuts.items():
            token = doc[i]
            bounds = [0, *sorted(points), len(token.text)]
            parts = [token.text[a:b] for a, b in itertools.pairwise(bounds)]
            retokenizer.split(token, parts, heads=[(token, 0)] * len(parts))


class NatashaCombiner:
    def __init__(self, nlp: Language, name: str, natasha_labels: list[str]) -> None:
        self.name = name
        self.natasha_labels = set(natasha_labels)

    def __call__(self, doc: Doc) -> Doc:
        if not self.natasha_labels:
            return doc
        kept_chars = [
            (e.start_char, e.end_char, e.label_)
            for e in doc.ents
            if to_canonical(e.label_, "ru") not in self.natasha_labels
        ]
        chosen = [
            ent for ent in next(natasha_entities([doc.text])) if ent[2] in self.natasha_labels
        ]
        doc.ents = []
        split_tokens_at(doc, {offset for start, end, _ in chosen for offset in (start, end)})
        kept = [
            span
            for start, end, label in kept_chars
            if (span := doc.char_span(start, end, label=label, alignment_mode="expand")) is not None
        ]
        added: list[Span] = []
        for start, end, label in chosen:
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None:
                added.append(span)
        added = filter_spans(added)
        taken = {i for span in added for i in range(span.start, span.end)}
        doc.ents = sorted(
            added + [e for e in kept if taken.isdisjoint(range(e.start, e.end))],
            key=lambda span: span.start,
        )
        return doc


@Language.factory(
    "newsmon_ner_ru",
    default_config={"natasha_labels": ["PER", "LOC", "ORG"]},
    requires=["doc.ents"],
    assigns=["doc.ents"],
)
def make_natasha_combiner(nlp: Language, name: str, natasha_labels: list[str]) -> NatashaCombiner:
    return NatashaCombiner(nlp, name, natasha_labels)
