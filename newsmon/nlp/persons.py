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

from newsmon.text import morph as _morph

_NAME_WORD = re.compile(
    r"^[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][a-zа-яёәғқңөұүһі]+(?:-[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ]?[a-zа-яёәғқңөұүһі]+)?$"
)
_INITIALS = re.compile(r"^(?:[А-ЯЁӘҒҚҢӨҰҮҺІA-Z]\.){1,2}(?:[А-ЯЁӘҒҚҢӨҰҮҺІ][а-яёәғқңөұүһі]+)?$")
# capitalised words that start a sentence or name a thing, never a person
_NOT_NAMES = {
    "аким",
    "акима",
    "акимат",
    "акимата",
    "область",
    "области",
    "район",
    "района",
    "город",
    "города",
    "сельского",
    "округа",
    "республики",
    "казахстан",
    "казахстана",
    "президент",
    "министр",
    "министерство",
    "также",
    "напомним",
    "ранее",
    "по",
    "в",
    "на",
    "при",
    "это",
    "как",
    "сегодня",
    "вчера",
    "кроме",
    "однако",
    "глава",
    "заместитель",
    "әкім",
    "әкімі",
    "облыс",
    "облысы",
    "аудан",
    "ауданы",
    "қала",
    "қаласы",
    "ауылдық",
    "округі",
    "бүгін",
    "сондай-ақ",
    "мемлекет",
    "басшысы",
    "ведомство",
    "управления",
    "департамент",
    "комиссия",
    "его",
    "ее",
    "её",
    "акимом",
    "акиму",
    "акиме",
    "акимы",
    "замакима",
    "заместителя",
    "заместителем",
    "әкімінің",
    "врио",
    "и.о.",
}


@dataclass
class Person:
    start: int  # token index in the doc
    end: int
    name: str  # nominative, as best morphology allows


def _is_name_token(text: str) -> bool:
    return (
        bool(_NAME_WORD.match(text) or _INITIALS.match(text))
        and text.lower() not in _NOT_NAMES
        and is_name_like(text)
    )


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
        if cspan is None:
            continue
        start, end = cspan.start, cspan.end
        # slovnet sometimes takes the title in: «Аким Ерлан Петров»
        while start < end and doc[start].lower_ in _NOT_NAMES:
            start += 1
        if start < end:
            found.append(Person(start, end, doc[start:end].text))
    return found


def model_persons(sent: Span) -> list[Person]:
    """PER entities the pipeline's own NER already put on the doc."""
    return [
        Person(ent.start, ent.end, ent.text) for ent in sent.ents if ent.label_ in ("PER", "PERSON")
    ]


# ---- nominative forms -------------------------------------------------------------------------


_KK_CASE_SUFFIXES = sorted(
    [
        "ның",
        "нің",
        "дың",
        "дің",
        "тың",
        "тің",
        "ға",
        "ге",
        "қа",
        "ке",
        "на",
        "не",
        "да",
        "де",
        "та",
        "те",
        "нда",
        "нде",
        "дан",
        "ден",
        "тан",
        "тен",
        "нан",
        "нен",
        "мен",
        "бен",
        "пен",
        "ны",
        "ні",
        "ды",
        "ді",
        "ты",
        "ті",
    ],
    key=len,
    reverse=True,
)
_SURNAME_END = re.compile(
    r"(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ий|бай|улы|лы|кызы|қызы|ко|ук|юк)$"
)
_VERBISH = {"VERB", "INFN", "PRTS", "PRTF", "ADVB", "PREP", "CONJ", "PRCL"}

# Russian case endings of names, by case: (ending, replacement), longest first. Surnames in -ов/-ев/-ин
# and Kazakh names decline like Russian ones; indeclinable forms (-улы, -кызы, Гульнур) match nothing.
_ENDINGS: dict[str, list[tuple[str, str]]] = {
    "gent": [
        ("овой", "ова"),
        ("евой", "ева"),
        ("иной", "ина"),
        ("ыной", "ына"),
        ("ии", "ия"),
        ("ьи", "ья"),
        ("ы", "а"),
        ("и", "а"),
        ("я", "й"),
        ("а", ""),
    ],
    "datv": [
        ("овой", "ова"),
        ("евой", "ева"),
        ("иной", "ина"),
        ("ыной", "ына"),
        ("ии", "ия"),
        ("е", "а"),
        ("ю", "й"),
        ("у", ""),
    ],
    "ablt": [
        ("овым", "ов"),
        ("евым", "ев"),
        ("иным", "ин"),
        ("ыным", "ын"),
        ("овой", "ова"),
        ("евой", "ева"),
        ("иной", "ина"),
        ("ей", "я"),
        ("ой", "а"),
        ("ем", "й"),
        ("ом", ""),
    ],
    "loct": [
        ("овой", "ова"),
        ("евой", "ева"),
        ("иной", "ина"),
        ("ии", "ия"),
        ("ове", "ов"),
        ("еве", "ев"),
        ("ине", "ин"),
        ("е", ""),
    ],
}
_ENDINGS["accs"] = [
    ("ову", "ова"),
    ("еву", "ева"),
    ("ину", "ина"),
    ("ию", "ия"),
    ("у", "а"),
    ("ю", "я"),
    ("а", ""),
]
_CASE_OF_HEAD = {
    "аким": "nomn",
    "акима": "gent",
    "акиму": "datv",
    "акимом": "ablt",
    "акиме": "loct",
    "акимы": "nomn",
    "акимов": "gent",
    "акимам": "datv",
    "акимами": "ablt",
    "акимах": "loct",
    "замакима": "nomn",
    "заместитель": "nomn",
    "заместителя": "gent",
    "заместителю": "datv",
    "заместителем": "ablt",
    "заместителе": "loct",
    "заместители": "nomn",
    "заместителей": "gent",
    "зам": "nomn",
}
_VOWELS = set("аеёиоуыэюяәөүұі")


def head_case(word: str) -> str:
    """Grammatical case of the title word a name stands beside («акима» → gent)."""
    return _CASE_OF_HEAD.get(word.lower(), "nomn")


def unglue(word: str) -> str:
    """«Досаеврассказал» → «Досаев»: a surname glued to the next word at an HTML boundary."""
    if len(word) < 9 or not word[:1].isupper():
        return word
    morph = _morph()
    for k in range(len(word) - 3, 3, -1):
        head, rest = word[:k], word[k:]
        if not _SURNAME_END.search(head.lower()):
            continue
        parses = morph.parse(rest)
        if parses and parses[0].is_known and _VERBISH & set(parses[0].tag.grammemes):
            return head
    return word


def to_nominative(word: str, case: str) -> str:
    """One name word from `case` to the nominative by the endings Russian gives names."""
    if case == "nomn" or "." in word:
        return word
    low = word.lower()
    for ending, repl in _ENDINGS.get(case, []):
        stem = low[: -len(ending)] if ending else low
        if low.endswith(ending) and len(stem) >= 3:
            if repl == "" and stem[-1] in _VOWELS:
                continue  # «Гульнара» in the genitive is «Гульнары», never «Гульнара»
            return word[: len(word) - len(ending)] + repl
    return word


def looks_nominative_only(name: str) -> bool:
    """A name that can only be nominative: a known first name read only so («Жанна», «Зарина»), or a
    man's surname with no case ending («Жумагазиев»)."""
    words = name.split()
    if len(words) > 1 and re.search(r"(?:ов|ев|ёв|ин|ын)$", words[-1]):
        return True
    parses = [p for p in _morph().parse(words[0]) if "Name" in p.tag.grammemes]
    return bool(parses) and all("nomn" in p.tag for p in parses) and any(p.is_known for p in parses)


def is_name_like(word: str) -> bool:
    """Not a word the dictionary knows only as something other than a name («Администрацией»)."""
    if "." in word or not word[:1].isupper():
        return "." in word
    parses = _morph().parse(word)
    known = [p for p in parses if p.is_known]
    if not known:
        return True
    return any({"Name", "Surn", "Patr"} & p.tag.grammemes for p in known)


def nominative(name: str, lang: str, case: str = "nomn") -> str:
    """«Ерболата Досаева» (gent) → «Ерболат Досаев»; Kazakh case endings stripped."""
    words = [unglue(w) for w in name.split()]
    if lang == "kk":
        return " ".join(_kk_nominative(w) for w in words)
    last = len(words) - 1
    # a surname in -ы/-и is Kazakh and indeclinable («Сатыбалды»); only first names end so in the genitive
    return " ".join(
        w if n == last and n > 0 and w[-1:] in "ыи" else to_nominative(w, case)
        for n, w in enumerate(words)
    )


def _kk_nominative(word: str) -> str:
    for suf in _KK_CASE_SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 4:
            return word[: -len(suf)]
    return word
