"""The project's NER models in the fact path: their spans as extra candidates for the rule components.

`newsmon_fact_ner` runs after `newsmon_territories` and `newsmon_programs` and adds, per enabled use:
- `per`: the model's PER spans as `doc.ents`, which `newsmon_akims` then takes as the persons of a
  sentence (instead of natasha/slovnet in Russian and name patterns in Kazakh);
- `loc`: a LOC span that no territory mention covers, resolved against the gazetteer (the same
  finder as the rules, so Kazakhstan itself, foreign places and unknown names resolve to nothing);
- `program`: a PROGRAM span (Kazakh model: KazNERD PROJECT) that no programme mention covers, with the
  canonical name of the programme catalogue when it is known, its own text when it is not.

Which uses ship per language is decided by the ablation in BENCHMARKS.md (settings `fact_ner_ru`,
`fact_ner_kk`); the uses are part of the extractor version, so changing them re-extracts.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from newsmon.nlp.lang import lang_of
from newsmon.nlp.ner.labels import to_canonical
from newsmon.nlp.records import ProgramFact

USES = ("loc", "per", "program")
_QUOTES = "«»\"“”„'`"


def parse_uses(value: str) -> tuple[str, ...]:
    """`"loc,program"` → ("loc", "program"); an unknown use is a ValueError naming the known ones."""
    uses = tuple(sorted({u.strip().lower() for u in value.split(",") if u.strip()}))
    unknown = [u for u in uses if u not in USES]
    if unknown:
        raise ValueError(f"unknown NER use {unknown[0]!r} in {value!r}: use {', '.join(USES)}")
    return uses


@lru_cache(maxsize=4)
def _ner_model(lang: str, path: str) -> Language:
    from newsmon.nlp.ner.runner import load_model

    return load_model(lang, Path(path))


def _free(span_start: int, span_end: int, taken: list[tuple[int, int]]) -> bool:
    return all(span_end <= s or span_start >= e for s, e in taken)


class NerFacts:
    """Adds NER spans to `doc.spans["territories"]` and `doc.spans["programs"]` where rules found none."""

    def __init__(self, nlp: Language, name: str, uses: Iterable[str], model_path: str) -> None:
        self.nlp = nlp
        self.name = name
        self.lang = lang_of(nlp)
        self.uses = parse_uses(",".join(uses))
        self.model_path = model_path

    def __call__(self, doc: Doc) -> Doc:
        if not self.uses or not len(doc):
            return doc
        ents = [
            (e.start_char, e.end_char, to_canonical(e.label_, self.lang))
            for e in _ner_model(self.lang, self.model_path)(doc.text).ents
        ]
        if "per" in self.uses:
            self._persons(doc, [(s, e) for s, e, label in ents if label == "PER"])
        if "loc" in self.uses:
            self._territories(doc, [(s, e) for s, e, label in ents if label == "LOC"])
        if "program" in self.uses:
            self._programs(doc, [(s, e) for s, e, label in ents if label == "PROGRAM"])
        return doc

    def _persons(self, doc: Doc, names: list[tuple[int, int]]) -> None:
        spans = [doc.char_span(s, e, label="PER", alignment_mode="contract") for s, e in names]
        doc.ents = [s for s in spans if s is not None and len(s)]

    def _territories(self, doc: Doc, locs: list[tuple[int, int]]) -> None:
        spans = list(doc.spans.get("territories", []))
        taken = [(s.start_char, s.end_char) for s in spans]
        finder = self.nlp.get_pipe("newsmon_territories").finder  # type: ignore[attr-defined]
        for start, end in locs:
            if not _free(start, end, taken):
                continue
            ref = finder.resolve_text(doc.text[start:end], within=doc._.region)
            span = doc.char_span(start, end, label="TERRITORY", alignment_mode="expand")
            if ref is None or span is None:
                continue
            span._.territory = ref
            spans.append(span)
            taken.append((start, end))
        doc.spans["territories"] = sorted(spans, key=lambda s: s.start)

    def _programs(self, doc: Doc, names: list[tuple[int, int]]) -> None:
        spans = list(doc.spans.get("programs", []))
        taken = [(s.start_char, s.end_char) for s in spans]
        finder = self.nlp.get_pipe("newsmon_programs").finder  # type: ignore[attr-defined]
        for start, end in names:
            text = doc.text[start:end].strip(_QUOTES + " ")
            if not _free(start, end, taken) or len(text) < 3:
                continue
            span = doc.char_span(start, end, label="PROGRAM", alignment_mode="expand")
            if span is None:
                continue
            span._.program = ProgramFact(finder.canonical(text)[0])
            spans.append(span)
            taken.append((start, end))
        doc.spans["programs"] = sorted(spans, key=lambda s: s.start)


@Language.factory(
    "newsmon_fact_ner",
    default_config={"uses": [], "model_path": ""},
    requires=["doc.spans"],
    assigns=["doc.ents", "doc.spans", "span._.territory", "span._.program"],
)
def make_ner_facts(nlp: Language, name: str, uses: list[str], model_path: str) -> NerFacts:
    """The project's NER model (`model_path`, default models/<lang>) as candidates for facts."""
    return NerFacts(nlp, name, uses, model_path)
