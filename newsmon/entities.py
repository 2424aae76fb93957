"""Who is who: the one rule that decides whether two written names are one person.

Extraction (the `person` rows facts point to), queries, the digest and the web compare names only
through this module. A name is read into its parts (`parse_person`): first name, patronymic, surname,
initials; each word is brought to the nominative (pymorphy3 for Russian, the Kazakh case endings for
Kazakh spellings) and compared by `text.name_word_key` (Kazakh letters as Russian ones, the consonant
skeleton): «Нұрлан Бекмұханов», «Нурлан Бекмуханов», «Нурлана Бекмуханова», «Н. Бекмуханов» and
«Бекмұхановтың» are one person; «Ерлан Бекмуханов» is another (the first name decides). A name with no
Cyrillic surname (Latin script, initials alone) names nobody here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from newsmon.text import fold, morph, name_word_key

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*\.?|[^\W\d_]\.")
_CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]", re.I)
_PATRONYMIC = re.compile(r"(?:ович|евич|ьич|овна|евна|ична|инична|ұлы|улы|қызы|кызы)$", re.I)
_SURNAME = re.compile(
    r"(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ский|ская|цкий|цкая|енко|ук|юк)$", re.I
)
# Kazakh case endings of a name, and the letters the stem may end in before each (assimilation)
_KK_VOWELS = "аәеёиоөуұүыіэюя"
_KK_VOICELESS = "бвгдкқпстфхцчшщ"
_KK_ENDINGS: tuple[tuple[str, str], ...] = (
    ("ның", _KK_VOWELS + "мнң"),
    ("нің", _KK_VOWELS + "мнң"),
    ("дың", "лрйужз"),
    ("дің", "лрйужз"),
    ("тың", _KK_VOICELESS),
    ("тің", _KK_VOICELESS),
    ("мен", _KK_VOWELS + "лрйумнңжз"),
    ("бен", "мнңжз"),
    ("пен", _KK_VOICELESS),
    ("нан", "мнң"),
    ("нен", "мнң"),
    ("дан", _KK_VOWELS + "лрйужз"),
    ("ден", _KK_VOWELS + "лрйужз"),
    ("тан", _KK_VOICELESS),
    ("тен", _KK_VOICELESS),
    ("ға", _KK_VOWELS + "лрйумнңжз"),
    ("ге", _KK_VOWELS + "лрйумнңжз"),
    ("қа", _KK_VOICELESS),
    ("ке", _KK_VOICELESS),
)
_KK_ACCUSATIVE = ("ны", "ні", "ды", "ді", "ты", "ті")  # taken off only after a family-name ending
_FAMILY_END = re.compile(r"(?:ов|ев|ин|ын)а?$")
_RU_INSTR = re.compile(r"(?<=(?:ов|ев|ин|ын))(?:ым|ой|ою)$")  # «Бекмухановым», «Сикпаевой»
_GRAMMEMES = {"Name": "first", "Surn": "surname", "Patr": "patronymic"}


@dataclass(frozen=True)
class PersonName:
    """A name read into its parts, each as `name_word_key` of its nominative (None: not given)."""

    surname: str
    first: str | None = None
    initial: str | None = None  # the folded first letter of the first name (given or from `first`)
    patronymic: str | None = None

    def key(self) -> str:
        """The identity of a full name: surname and first name keys (`surname|first`)."""
        return f"{self.surname}|{self.first or ''}"


@functools.lru_cache(maxsize=100_000)
def word_nominative(word: str) -> str:
    """One word of a name in the nominative, lower case: Kazakh case endings off («Досаевтың» →
    «досаевтың»[:-3]), Russian ones by pymorphy3 when it reads the word as a name («Нурланом» →
    «нурлан»), else the instrumental of a family name («Бекмухановым» → «бекмуханов»)."""
    low = word.lower().replace("ё", "е")
    if any(ch in "әғқңөұүһі" for ch in low):
        for suffix, before in _KK_ENDINGS:
            stem = low[: -len(suffix)]
            if low.endswith(suffix) and len(stem) >= 4 and stem[-1] in before:
                return stem
        for suffix in _KK_ACCUSATIVE:
            if low.endswith(suffix) and _FAMILY_END.search(low[: -len(suffix)]):
                return low[: -len(suffix)]
        return low
    for (
        suffix,
        before,
    ) in _KK_ENDINGS:  # a Kazakh ending on a name with no Kazakh letter («Досаевтың»)
        stem = low[: -len(suffix)]
        if (
            (suffix[-1] in "ңғқ" or suffix in ("мен", "пен", "бен"))
            and low.endswith(suffix)
            and len(stem) >= 4
            and stem[-1] in before
        ):
            return stem
    parses = [p for p in morph().parse(low) if p.is_known and _GRAMMEMES.keys() & p.tag.grammemes]
    if parses:
        return str(parses[0].normal_form).replace("ё", "е")
    return _RU_INSTR.sub("", low)


def _is_initials(word: str) -> bool:
    return bool(re.fullmatch(r"(?:[^\W\d_]\.)+[^\W\d_]?\.?", word))


@functools.lru_cache(maxsize=100_000)
def parse_person(name: str) -> PersonName | None:
    """The parts of a written name; None when it names nobody we can tell apart (no Cyrillic
    surname: initials alone, Latin script, an empty or one-letter string)."""
    words = [w for w in _WORD.findall(name or "")]
    initials = [w for w in words if _is_initials(w)]
    full = [w for w in words if not _is_initials(w) and len(w.rstrip(".")) > 1]
    if not full or not all(_CYRILLIC.search(w) for w in full):
        return None
    patronymic = next((w for w in full[1:] if _PATRONYMIC.search(w.lower())), None)
    rest = [w for w in full if w is not patronymic]
    if len(rest) == 1:
        surname, first = rest[0], None
    elif (
        patronymic is not None
        and full.index(patronymic) == 2
        and _SURNAME.search(word_nominative(rest[0]))
    ):
        surname, first = rest[0], rest[1]  # «Бекмуханов Нурлан Абаевич»: the official order
    elif _SURNAME.search(word_nominative(rest[0])) and not _SURNAME.search(
        word_nominative(rest[-1])
    ):
        surname, first = rest[0], rest[-1]  # «Бекмуханов Нурлан»
    else:
        surname, first = rest[-1], rest[0]  # «Нурлан Бекмуханов», the usual order in the news
    first_key = name_word_key(word_nominative(first)) if first else None
    initial = first_key[:1] if first_key else (fold(initials[0])[:1] if initials else None)
    return PersonName(
        surname=name_word_key(word_nominative(surname)),
        first=first_key,
        initial=initial,
        patronymic=name_word_key(word_nominative(patronymic)) if patronymic else None,
    )


def compatible(a: PersonName, b: PersonName) -> bool:
    """Can both names be one person: one surname, and first names (or initials) that do not differ.
    A surname alone is compatible with every bearer of it: the caller decides by the unit."""
    if a.surname != b.surname:
        return False
    if a.first and b.first:
        return a.first == b.first
    if a.initial and b.initial:
        return a.initial == b.initial
    return True


def same_person(a: str, b: str) -> bool:
    """Two written names of one person, by the rule above (both full enough to tell: a first name or
    an initial each, or the same words)."""
    pa, pb = parse_person(a), parse_person(b)
    if pa is None or pb is None:
        return False
    if pa == pb:
        return True
    return compatible(pa, pb) and bool(pa.initial and pb.initial)


def person_key(name: str) -> str:
    """One string for every spelling of one full name (Kazakh or Russian letters, case forms, a
    patronymic or not), for grouping: `surname|first`; an initial gives `surname|н.`, a surname
    alone `surname|`; a name that names nobody (`parse_person` None) is its folded self."""
    p = parse_person(name)
    if p is None:
        return fold(" ".join(name.split()))
    return f"{p.surname}|{p.first or (p.initial + '.' if p.initial else '')}"
