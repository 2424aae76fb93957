"""Text normalisation, the one home: case folding, ё, Kazakh↔Russian letters, stemming, lemmas, languages.

Every module that compares words imports from here (as natasha hands one `MorphVocab` to every
extractor): one fold function, one table of Kazakh letters, one pymorphy3 analyzer per process, one
definition of the language codes. This module imports nothing from newsmon, so every stage may use it.

The Kazakh letters Russian lacks are written, in Russian text, with the Russian letter they sound
closest to (`KK_TO_RU`: Өскемен → Оскемен, Тілеубаев → Тилеубаев). One letter is folded two ways,
named here: `I_TRANSLIT` (і → и, the default: names and words across languages) and `I_KEY`
(і → ы, and a Latin i typed for і → ы: the territory key of the gold GUIDELINE, which the gazetteer and
the territory finder also match with, because their word lists are written against it: «округі» ~
«округы»).
"""

from __future__ import annotations

import functools
import re
from typing import Any, Final, Literal

# ---------------------------------------------------------------------------------------------
# language codes

LANGS = ("ru", "kk", "en")  # every language an article may be stored in (detected or given)
# the languages newsmon analyses and speaks: pipelines, NER models, digests, the web UI
NLP_LANGS = LANGS[:2]

# ---------------------------------------------------------------------------------------------
# letters

# THE Kazakh letter table: each letter Russian lacks → the Russian letter it is written with
KK_TO_RU = {
    "ә": "а",
    "ғ": "г",
    "қ": "к",
    "ң": "н",
    "ө": "о",
    "ұ": "у",
    "ү": "у",
    "һ": "х",
    "і": "и",
}
KK_LOWER = "".join(KK_TO_RU)  # әғқңөұүһі
KK_UPPER = KK_LOWER.upper()  # ӘҒҚҢӨҰҮҺІ
KK_LETTERS = frozenset(KK_LOWER + KK_UPPER)
CYR_LOWER = "а-яё" + KK_LOWER  # regex class bodies: Russian and Kazakh Cyrillic
CYR_UPPER = "А-ЯЁ" + KK_UPPER
# the one letter folded two ways (module docstring): the transliteration and the territory-key variant
ILetter = Literal["и", "ы"]
I_TRANSLIT: Final = "и"
I_KEY: Final = "ы"
# each Russian letter with the Kazakh letters written as it, and ё with е (for patterns matching both)
RU_TWINS = {
    ru: ru + "".join(kk for kk, r in KK_TO_RU.items() if r == ru)
    for ru in dict.fromkeys(KK_TO_RU.values())
} | {"е": "её"}

_YO = {"ё": "е", "Ё": "Е"}


def _letters(i: ILetter) -> dict[str, str]:
    """The table in both cases, with і as `i`; the key variant also reads a Latin i typed for і."""
    lower = KK_TO_RU | {"і": i}
    latin_i = {"i": i} if i == I_KEY else {}
    return lower | {k.upper(): v.upper() for k, v in lower.items()} | latin_i


_FOLD_TABLES = {None: str.maketrans(_YO)} | {
    i: str.maketrans(_letters(i) | _YO) for i in (I_TRANSLIT, I_KEY)
}
_TRANSLIT_TABLES = {i: str.maketrans(_letters(i)) for i in (I_TRANSLIT, I_KEY)}


def fold(text: str, *, kazakh: bool = True, i: ILetter = I_TRANSLIT, lower: bool = True) -> str:
    """Text as words are compared: lower case, ё→е, Kazakh letters as their Russian counterparts.

    `kazakh=False` keeps Kazakh letters (lower case and ё only); `i` is how і folds (`I_TRANSLIT` и,
    or `I_KEY` ы); `lower=False` keeps the case (and the length: spans found in the result are spans
    of `text`).
    """
    if lower:
        text = text.lower()
    return text.translate(_FOLD_TABLES[i if kazakh else None])


# the territory-key variant (I_KEY): what the gazetteer, the territory finder and the scorer compare
key_fold = functools.partial(fold, i=I_KEY)


def kk_to_ru(text: str, *, i: ILetter = I_TRANSLIT) -> str:
    """Transliteration: Kazakh letters written with their Russian counterparts, all else kept (ё too)."""
    return text.translate(_TRANSLIT_TABLES[i])


def skeleton(word: str) -> str:
    """Consonants of a key-folded word with Russian↔Kazakh spelling differences evened out (Курчум ~ Күршім)."""
    s = key_fold(word).replace("дж", "ж").translate(_SIBILANTS)
    s = _NOT_CONSONANT.sub("", s)
    return _REPEATS.sub(r"\1", s)


def name_word_key(word: str) -> str:
    """The key a word of a person's name is compared by across Russian and Kazakh spellings: its first
    letter folded (Kazakh letters as Russian ones) and its consonants (`skeleton`). «Нұрлан» and
    «Нурлан», «Төлеубаев» and «Тулеубаев», «Жұмабаев» and «Жумабаев» share one; «Ерлан» and «Арлан»
    do not (the first letter), nor «Жумабаев» and «Жумагулов» (the consonants)."""
    folded = fold(word)
    return folded[:1] + skeleton(folded)


_SIBILANTS = str.maketrans("чщцх", "шшск")
_NOT_CONSONANT = re.compile(r"[аеиоуыэюяйъь\W\d_]")
_REPEATS = re.compile(r"(.)\1+")
_VOWELS = frozenset("аеиоуыэюяaeiouy")


def initial_consonants(word: str, consonants: int = 4) -> str:
    """The first consonants of a folded word: «Төлеубаевтың» and «Тулеубаева» are both «тлбв».

    Transliteration between Kazakh and Russian changes vowels (ө/у, ұ/у, ү/у) and case endings change
    the tail; the leading consonants of a name survive both.
    """
    return "".join(ch for ch in fold(word) if ch not in _VOWELS)[:consonants]


# ---------------------------------------------------------------------------------------------
# words, lemmas and stems

WORD = re.compile(r"[^\W_]+")
LEMMA_CACHE = 200_000  # distinct word forms remembered per process


@functools.lru_cache(maxsize=1)
def morph() -> Any:
    """The process's one pymorphy3 analyzer (its dictionaries load once, on first use)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=LEMMA_CACHE)
def ru_lemma(word: str) -> str:
    """The Russian lemma of `word` (акимов → аким); words with Kazakh letters go to the Kazakh stemmer.

    pymorphy3 often offers several lemmas with equal scores (акимы: аким | акима; паводков: паводковый
    | паводок); the best score decides, then a noun reading, then the shorter lemma, so every form of a
    word lands on the same one.
    """
    w = fold(word, kazakh=False)
    if KK_LETTERS.intersection(w):
        return kk_stem(w)
    if not re.search("[а-я]", w):
        return w
    best: dict[str, tuple[float, int]] = {}
    for parse in morph().parse(w):
        nf = fold(parse.normal_form, kazakh=False, lower=False)
        score = (round(parse.score, 2), int(parse.tag.POS == "NOUN"))
        best[nf] = max(best.get(nf, score), score)
    if not best:
        return w
    return min(best, key=lambda nf: (-best[nf][0], -best[nf][1], len(nf), nf))


# Kazakh: two stemmers with one purpose each. `kk_stem` gives the ONE stem the search index stores
# (endings stripped layer by layer, each only after the sounds it may follow), `kk_stems` gives EVERY
# stem a suffix strip may leave, for lookups that try each against a list of known names.
_VOWELS_KK = frozenset("аәеёиоөуұүыіэюя")
_VOICELESS = frozenset("кқпстфхцчшщ")
_VOICED = frozenset("жзлрйуы") | frozenset("бвгғд")
_NASAL = frozenset("мнң")
_POSS = frozenset("ыі")
_ANY: frozenset[str] | None = None

# Kazakh endings by layer (stem + plural + possessive + case), each with the sounds that may precede it
_CASE = {
    "ның": _VOWELS_KK | _NASAL,
    "нің": _VOWELS_KK | _NASAL,
    "дың": _VOICED,
    "дің": _VOICED,
    "тың": _VOICELESS,
    "тің": _VOICELESS,
    "ға": _VOWELS_KK | _VOICED | _NASAL,
    "ге": _VOWELS_KK | _VOICED | _NASAL,
    "қа": _VOICELESS,
    "ке": _VOICELESS,
    "ды": _VOICED | _NASAL,
    "ді": _VOICED | _NASAL,
    "ты": _VOICELESS,
    "ті": _VOICELESS,
    "да": _VOWELS_KK | _VOICED | _NASAL,
    "де": _VOWELS_KK | _VOICED | _NASAL,
    "та": _VOICELESS,
    "те": _VOICELESS,
    "дан": _VOWELS_KK | _VOICED,
    "ден": _VOWELS_KK | _VOICED,
    "тан": _VOICELESS,
    "тен": _VOICELESS,
    "нан": _POSS | _NASAL,
    "нен": _POSS | _NASAL,
    "бен": frozenset("жз"),
    "пен": _VOICELESS,
    "мен": _POSS,
    "дағы": _VOWELS_KK | _VOICED | _NASAL,
    "дегі": _VOWELS_KK | _VOICED | _NASAL,
    "тағы": _VOICELESS,
    "тегі": _VOICELESS,
    "на": _POSS,
    "не": _POSS,
    "н": _POSS,
    "нда": _POSS,
    "нде": _POSS,
    "ндағы": _POSS,
    "ндегі": _POSS,
}
_POSSESSIVE = {
    "ы": _VOICELESS | _VOICED | _NASAL | frozenset("лр"),
    "і": _VOICELESS | _VOICED | _NASAL | frozenset("лр"),
    "сы": _VOWELS_KK - _POSS,
    "сі": _VOWELS_KK - _POSS,
    "лары": _ANY,
    "лері": _ANY,
    "дары": _ANY,
    "дері": _ANY,
    "тары": _ANY,
    "тері": _ANY,
}
_PLURAL = {"лар": _ANY, "лер": _ANY, "дар": _ANY, "дер": _ANY, "тар": _ANY, "тер": _ANY}
_LAYERS = [sorted(d.items(), key=lambda kv: -len(kv[0])) for d in (_CASE, _POSSESSIVE, _PLURAL)]
# words whose ending only looks like a suffix
_KK_KEEP = frozenset({"теңге", "қарағанды", "ақмола", "атырау"})
_KK_KEEP_ENDINGS = ("стан", "стен")
_DEVOICE = {"б": "п", "г": "к", "ғ": "қ"}
KK_MIN_STEM = 3


@functools.lru_cache(maxsize=LEMMA_CACHE)
def kk_stem(word: str) -> str:
    """A Kazakh word without its case, possessive and plural endings (ауданының → аудан)."""
    w = fold(word, kazakh=False)
    for layer in _LAYERS:
        if w in _KK_KEEP or w.endswith(_KK_KEEP_ENDINGS):
            break
        for suffix, before in layer:
            if not w.endswith(suffix):
                continue
            rest = w[: -len(suffix)]
            if len(rest) < KK_MIN_STEM or not _VOWELS_KK.intersection(rest):
                continue
            if before is not None and rest[-1] not in before:
                continue
            w = rest
            break
    if len(w) > KK_MIN_STEM and w[-1] in _DEVOICE:  # мектебі → мектеб → мектеп
        w = w[:-1] + _DEVOICE[w[-1]]
    return w


KK_SUFFIXES = tuple(
    sorted(
        set(
            "ның нің дың дің тың тің ға ге қа ке на не ны ні ды ді ты ті да де та те нда нде дан ден тан "
            "тен нан нен мен бен пен менен дағы дегі тағы тегі ндағы ндегі лар лер дар дер тар тер сы сі "
            "ы і н а е ша ше".split()
        ),
        key=len,
        reverse=True,
    )
)


@functools.lru_cache(maxsize=LEMMA_CACHE)
def kk_stems(word: str) -> frozenset[str]:
    """A Kazakh word with case, possessive and plural endings stripped, every stage: «ауданының» → {аудан, …}."""
    w = word.lower().replace("i", "і")  # a Latin i typed for і
    out = {w}
    frontier = [w]
    for _ in range(4):
        nxt = []
        for s in frontier:
            for suf in KK_SUFFIXES:
                if s.endswith(suf) and len(s) - len(suf) >= 2:
                    stem = s[: -len(suf)]
                    if stem not in out:
                        out.add(stem)
                        nxt.append(stem)
        frontier = nxt
        if not frontier:
            break
    return frozenset(out)


def normalize_word(word: str, lang: str | None) -> str:
    """The indexed form of one word of an article in `lang`."""
    if lang == "kk":
        return kk_stem(word)
    return ru_lemma(word)


def word_forms(word: str) -> list[str]:
    """Every indexed form a query word may have: as Russian and as Kazakh (the language is unknown)."""
    forms = [ru_lemma(word), kk_stem(word)]
    return list(dict.fromkeys(forms))


def normalize_text(text: str, lang: str | None) -> str:
    """`text` as the search index stores it: its words, normalized, separated by spaces."""
    return " ".join(normalize_word(m.group(), lang) for m in WORD.finditer(text))
