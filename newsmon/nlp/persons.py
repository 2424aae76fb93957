"""Person names near a position word, and their nominative form.

The statistical NER runs only on the sentences that need it (those with a position word), which keeps
the pipeline fast: natasha/slovnet for Russian until the project's own model is trained, the project's
Kazakh model when it is on disk, and a capitalised-name pattern as the fallback for both languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from spacy.tokens import Doc, Span

_NAME_WORD = re.compile(r"^[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][a-zа-яёәғқңөұүһі]+(?:-[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ]?[a-zа-яёәғқңөұүһі]+)?$")
_INITIALS = re.compile(r"^(?:[А-ЯЁӘҒҚҢӨҰҮҺІA-Z]\.){1,2}(?:[А-ЯЁӘҒҚҢӨҰҮҺІ][а-яёәғқңөұүһі]+)?$")
# capitalised words that start a sentence or name a thing, never a person
_NOT_NAMES = {
    "аким", "акима", "акимат", "акимата", "область", "области", "район", "района", "город", "города", "сельского",
    "округа", "республики", "казахстан", "казахстана", "президент", "министр", "министерство", "также", "напомним",
    "ранее", "по", "в", "на", "при", "это", "как", "сегодня", "вчера", "кроме", "однако", "глава", "заместитель",
    "әкім", "әкімі", "облыс", "облысы", "аудан", "ауданы", "қала", "қаласы", "ауылдық", "округі", "бүгін",
    "сондай-ақ", "мемлекет", "басшысы", "ведомство", "управления", "департамент", "комиссия", "его", "ее", "её",
}


@dataclass
class Person:
    start: int  # token index in the doc
    end: int
    name: str  # nominative, as best morphology allows


def _is_name_token(text: str) -> bool:
    return bool(_NAME_WORD.match(text) or _INITIALS.match(text)) and text.lower() not in _NOT_NAMES


def pattern_persons(doc: Doc, start: int, end: int) -> list[Person]:
    """Runs of two or three capitalised words (or initials and a surname) inside doc[start:end]."""
    found: list[Person] = []
    i = start
    while i < end:
        if not _is_name_token(doc[i].text):
            i += 1
            continue
        j = i
        while j < end and j - i < 3 and _is_name_token(doc[j].text):
            j += 1
        if j - i >= 2:
            found.append(Person(i, j, doc[i:j].text))
            i = j
        else:
            i += 1
    return found


@lru_cache(maxsize=1)
def _natasha() -> Any:
    from natasha import MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

    emb = NewsEmbedding()
    return Segmenter(), NewsNERTagger(emb), NewsMorphTagger(emb), MorphVocab()


def _spaced(span: Span) -> tuple[str, list[int]]:
    """The span's tokens joined by spaces (undoes «регионовНурлана» glue) and each char's doc offset."""
    parts: list[str] = []
    offsets: list[int] = []
    for tok in span:
        if parts:
            parts.append(" ")
            offsets.append(tok.idx)
        parts.append(tok.text)
        offsets.extend(range(tok.idx, tok.idx + len(tok.text)))
    return "".join(parts), offsets


def natasha_persons(sent: Span) -> list[Person]:
    """PER spans of natasha/slovnet in a Russian sentence, normalized to the nominative."""
    from natasha import Doc as NDoc

    segmenter, ner, morph, vocab = _natasha()
    text, offsets = _spaced(sent)
    ndoc = NDoc(text)
    ndoc.segment(segmenter)
    ndoc.tag_ner(ner)
    ndoc.tag_morph(morph)
    doc = sent.doc
    found = []
    for span in ndoc.spans:
        if span.type != "PER":
            continue
        span.normalize(vocab)
        char_start, char_end = offsets[span.start], offsets[span.stop - 1] + 1
        cspan = doc.char_span(char_start, char_end, alignment_mode="expand")
        if cspan is not None:
            found.append(Person(cspan.start, cspan.end, span.normal or span.text))
    return found


def model_persons(sent: Span) -> list[Person]:
    """PER entities the pipeline's own NER already put on the doc."""
    return [
        Person(ent.start, ent.end, ent.text)
        for ent in sent.ents
        if ent.label_ in ("PER", "PERSON")
    ]


# ---- nominative forms -------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


_KK_CASE_SUFFIXES = sorted(
    ["ның", "нің", "дың", "дің", "тың", "тің", "ға", "ге", "қа", "ке", "на", "не", "да", "де", "та", "те",
     "нда", "нде", "дан", "ден", "тан", "тен", "нан", "нен", "мен", "бен", "пен", "ны", "ні", "ды", "ді", "ты", "ті"],
    key=len, reverse=True,
)


def nominative(name: str, lang: str) -> str:
    """«Ерболата Досаева» → «Ерболат Досаев», «Сикпаевой» → «Сикпаева»; Kazakh case endings stripped."""
    words = name.split()
    if lang == "kk":
        return " ".join(_kk_nominative(w) for w in words)
    morph = _morph()
    out = []
    gender = None
    for w in words:
        if "." in w:
            out.append(w)
            continue
        parses = [p for p in morph.parse(w) if {"Name", "Surn", "Patr"} & p.tag.grammemes or "NOUN" in p.tag]
        chosen = next((p for p in parses if {"Name", "Surn", "Patr"} & p.tag.grammemes), None)
        if chosen is None or "nomn" in chosen.tag:
            out.append(w)
            continue
        if chosen.tag.gender:
            gender = gender or chosen.tag.gender
        infl = chosen.inflect({"nomn", "sing"})
        out.append(_match_case(w, infl.word) if infl else w)
    return " ".join(out)


def _kk_nominative(word: str) -> str:
    for suf in _KK_CASE_SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 4:
            return word[: -len(suf)]
    return word


def _match_case(original: str, inflected: str) -> str:
    if original[:1].isupper():
        parts = inflected.split("-")
        return "-".join(p[:1].upper() + p[1:] for p in parts)
    return inflected
