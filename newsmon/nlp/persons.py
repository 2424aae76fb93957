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


# a family name or patronymic by its ending, in any case form («Досаевтың», «Сейдірұлының», «Петровой»)
_SURNAME_SHAPE = re.compile(
    r"(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ұлы|улы|қызы|кызы)"
    r"(?:а|у|ым|ом|ой|е|ы|і|ның|нің|тың|тің|дың|дің|қа|ке|ға|ге|ны|ні|ты|ті|пен|бен|мен|нан|нен"
    r"|тан|тен|дан|ден|да|де|та|те)?$"
)


def surname_shaped(word: str) -> bool:
    return bool(_SURNAME_SHAPE.search(word.lower())) and len(word) >= 5


@lru_cache(maxsize=50_000)
def _proper_only(word: str) -> bool:
    """The dictionary knows the word only as a proper name of some kind («Дархан»: a town)."""
    known = [p for p in _morph().parse(word) if p.is_known]
    return bool(known) and all(
        {"Geox", "Orgn", "Name", "Surn", "Patr"} & p.tag.grammemes for p in known
    )


def pattern_persons(
    doc: Doc, start: int, end: int, places: set[int] | frozenset[int] = frozenset()
) -> list[Person]:
    """Runs of two or three capitalised words (or initials and a surname) inside doc[start:end].

    A capitalised word the dictionary knows as something else («Алтай», «Алмаз», «Дархан») still counts
    before a word shaped like a family name, between a family name and a patronymic, or, when the
    dictionary knows it only as a proper name, before another name word; never when it opens the
    sentence. Tokens of `places` (territory mentions) are cut off the ends of a run while two words
    remain («Бердібек Сапарбаев Алматыда» → «Бердібек Сапарбаев»)."""
    strong = [_is_name_token(doc[i].text) for i in range(start, end)]
    for k in range(len(strong)):
        i = start + k
        tok = doc[i]
        if strong[k] or tok.is_sent_start or not _NAME_WORD.match(tok.text):
            continue
        if tok.lower_ in _NOT_NAMES or (i > start and doc[i - 1].is_quote):
            continue
        nxt_name = k + 1 < len(strong) and strong[k + 1]
        between = (
            0 < k < len(strong) - 1
            and strong[k - 1]
            and nxt_name
            and surname_shaped(doc[i - 1].text)
            and surname_shaped(doc[i + 1].text)
        )
        if between or (
            nxt_name and (surname_shaped(doc[i + 1].text) or _proper_only(tok.text))
        ):  # «Алтай Көлгінов», «Көлгінов Алтай Сейдірұлы», «Дархан Сатыбалды»
            strong[k] = True
    found: list[Person] = []
    i = start
    while i < end:
        if not strong[i - start]:
            i += 1
            continue
        j = i
        while j < end and j - i < 3 and strong[j - start]:
            j += 1
        a, b = i, j
        while b - a > 2 and (a in places or b - 1 in places):
            a, b = (a + 1, b) if a in places else (a, b - 1)
        if b - a >= 2:
            found.append(Person(a, b, doc[a:b].text))
            i = j
        else:
            i += 1
    return found


@lru_cache(maxsize=1)
def _natasha() -> Any:
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


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
    """PER spans of natasha/slovnet in a Russian sentence, as the text writes them (`nominative` puts
    them in the nominative from the title's case: natasha's own morphology tagging cost a third of the
    extraction time and its normal forms went unused)."""
    from natasha import Doc as NDoc

    segmenter, ner = _natasha()
    text, offsets = _spaced(sent)
    ndoc = NDoc(text)
    ndoc.segment(segmenter)
    ndoc.tag_ner(ner)
    doc = sent.doc
    found = []
    for span in ndoc.spans:
        if span.type != "PER":
            continue
        char_start, char_end = offsets[span.start], offsets[span.stop - 1] + 1
        cspan = doc.char_span(char_start, char_end, alignment_mode="expand")
        if cspan is None:
            continue
        start, end = cspan.start, cspan.end
        # slovnet sometimes takes the title in: «Аким Ерлан Петров»
        while start < end and doc[start].lower_ in _NOT_NAMES:
            start += 1
        while end > start and doc[end - 1].lower_ in _NOT_NAMES:  # «Асет Жумабаев Акимом»
            end -= 1
        if start < end:
            found.append(Person(start, end, doc[start:end].text))
    return found


def model_persons(sent: Span) -> list[Person]:
    """PER entities the pipeline's own NER already put on the doc."""
    return [
        Person(ent.start, ent.end, ent.text) for ent in sent.ents if ent.label_ in ("PER", "PERSON")
    ]


# ---- nominative forms -------------------------------------------------------------------------


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


_GLUED = re.compile(r"(?<=[a-zа-яёәғқңөұүһі])(?=[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ])")


def clean_name(name: str) -> str:
    """«Асет ЖумабаевАкимом» → «Асет Жумабаев»: a word glued to the name at an HTML boundary is cut
    off, and so are title words at the end («Ерлан Петров Аким»)."""
    words: list[str] = []
    for w in name.split():
        parts = _GLUED.split(w)
        words.append(parts[0])
        if len(parts) > 1:
            break  # what follows the glue point is the next word of the sentence
    while len(words) > 1 and words[-1].lower() in _NOT_NAMES:
        words.pop()
    return " ".join(words)


_MASC_SURNAME = re.compile(r"(?:ов|ев|ёв|ин|ын)$")


def _agree_first_names(words: list[str]) -> list[str]:
    """«Бакытжана Сагинтаев» → «Бакытжан Сагинтаев»: beside a man's surname in the nominative, a first
    name in -а after a consonant is a genitive left by the text (unless the dictionary knows it as a
    nominative name: «Никита»)."""
    if len(words) < 2 or not _MASC_SURNAME.search(words[-1].lower()):
        return words
    out = list(words)
    for n, w in enumerate(words[:-1]):
        low = w.lower()
        if len(low) < 5 or not low.endswith("а") or low[-2] in _VOWELS or "." in w:
            continue
        parses = [p for p in _morph().parse(w) if p.is_known and "Name" in p.tag.grammemes]
        if any("nomn" in p.tag for p in parses):
            continue
        out[n] = w[:-1]
    return out


def nominative(name: str, lang: str, case: str = "nomn") -> str:
    """«Ерболата Досаева» (gent) → «Ерболат Досаев»; Kazakh case endings stripped."""
    words = [unglue(w) for w in clean_name(name).split()]
    if lang == "kk":
        return " ".join(_kk_nominative(w) for w in words)
    last = len(words) - 1
    # a surname in -ы/-и is Kazakh and indeclinable («Сатыбалды»); only first names end so in the genitive
    words = [
        w if n == last and n > 0 and w[-1:] in "ыи" else to_nominative(w, case)
        for n, w in enumerate(words)
    ]
    return " ".join(_agree_first_names(words))


# Kazakh case endings of names and what the stem must end in for each (consonant assimilation):
# «Досаевтың», «Сикпаеваның», «Ерланға», «Асқарға», «Нұрланмен». Endings that also close common names
# («Зарина», «Айдана», «Сатыбалды», «Назерке») are left alone; the accusative is taken off only after a
# family-name ending («Досаевты»).
_KK_VOWELS = "аәеёиоөуұүыіэюя"
_KK_VOICED = "лрйумнңжз"
_KK_ENDINGS: list[tuple[str, str]] = [
    # (ending, letters the stem may end in)
    ("ның", _KK_VOWELS + "мнң"),
    ("нің", _KK_VOWELS + "мнң"),
    ("дың", "лрйужз"),
    ("дің", "лрйужз"),
    ("тың", "бвгдкқпстфхцчшщ"),
    ("тің", "бвгдкқпстфхцчшщ"),
    ("мен", _KK_VOWELS + "лрйумнңжз"),
    ("бен", "мнңжз"),
    ("пен", "бвгдкқпстфхцчшщ"),
    ("нан", "мнң"),
    ("нен", "мнң"),
    ("дан", _KK_VOWELS + "лрйужз"),
    ("ден", _KK_VOWELS + "лрйужз"),
    ("тан", "бвгдкқпстфхцчшщ"),
    ("тен", "бвгдкқпстфхцчшщ"),
    ("ға", _KK_VOWELS + _KK_VOICED),
    ("ге", _KK_VOWELS + _KK_VOICED),
    ("қа", "бвгдкқпстфхцчшщ"),
    ("ке", "бвгдкқпстфхцчшщ"),
]
_KK_AFTER_SURNAME = ["ны", "ні", "ды", "ді", "ты", "ті"]  # accusative


def _kk_nominative(word: str) -> str:
    low = word.lower()
    for suf, before in _KK_ENDINGS:
        stem = low[: -len(suf)]
        if low.endswith(suf) and len(stem) >= 4 and stem[-1] in before:
            return word[: -len(suf)]
    for suf in _KK_AFTER_SURNAME:
        if low.endswith(suf) and _MASC_SURNAME.search(low[: -len(suf)].removesuffix("а")):
            return word[: -len(suf)]
    return word
