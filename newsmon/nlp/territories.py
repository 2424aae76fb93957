"""Territory mentions in Russian and Kazakh text, resolved against the gazetteer (component `newsmon_territories`).

A mention is a name in any case form with its type word when it has one: «Шемонаихинского района»,
«Шемонаиха ауданының», «с. Волчанка», «Өскеменде», «ВКО». Russian forms are normalized by rules (pymorphy3
where they do not decide), Kazakh forms by stripping case and possessive endings; every candidate form is
checked against the gazetteer's index. Among same-named units the genitive chain decides («… района ВКО»),
then the regions and districts the article names, then the higher level. A village needs a type word
(«село», «с.», «ауылы»), or a capitalized name in an article about its district or region. Sentences in
the other language (a Kazakh paragraph in a Russian article) are read with that language's rules.

The component writes `doc.spans["territories"]` (`span._.territory` is a TerritoryRef) and `doc._.region`
(the KATO code of the top-level unit the article is mostly about: title mentions count three times).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from spacy.attrs import IDX, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example

from newsmon.kato import ASTANA
from newsmon.nlp.gazetteer import (
    LEVEL_RANK,
    MODE_ABBR,
    MODE_AFTER,
    MODE_BARE,
    MODE_BEFORE,
    Entry,
    Gazetteer,
    TerritoryRef,
    Unit,
    bare_name,
    core_gazetteer,
    fold,
    kato_prefix,
    looks_kk,
    skeleton,
    variant,
)
from newsmon.text import CYR_LOWER, CYR_UPPER, KK_LOWER, KK_UPPER, kk_stems
from newsmon.text import morph as _morph

SPAN_KEY = "territories"
UNITS_FILE = "units.jsonl"  # the component's gazetteer on disk: one unit a line
LABEL = "TERRITORY"
REGION, CITY, DISTRICT, RURAL, SETTLEMENT = (
    "region",
    "city",
    "district",
    "rural_district",
    "settlement",
)
Levels = tuple[str, ...]

# ---------------------------------------------------------------------------------------------
# type words


def _forms(words: str, levels: Levels) -> dict[str, Levels]:
    return {w: levels for w in words.split()}


RU_TYPES: dict[str, Levels] = {
    **_forms("область области областью областей областям областях областями обл обл.", (REGION,)),
    **_forms(
        "район района району районом районе районы районов районам районами районах р-н р-на р-не р-ну "
        "р-ном",
        (DISTRICT,),
    ),
    **_forms(
        "город города городу городом городе городов городам городами городах г. гор.", (CITY,)
    ),
    **_forms(
        "село села селу селом селе сел сёл селам селами селах с. аул аула аулу аулом ауле аулы аулов аулам "
        "аулах деревня деревни деревне деревню деревней станция станции станцию ст. пос. п. "
        "поселок посёлок поселка посёлка поселку посёлку поселком посёлком поселке посёлке поселки посёлки "
        "поселков посёлков поселкам посёлкам поселках посёлках",
        (SETTLEMENT,),
    ),
    **_forms("с.о с.о.", (RURAL,)),
}
# adjectives that act as a type word after a name: «Сырымская районная больница», «… областной филиал»
RU_TYPES_AFTER: dict[str, Levels] = {
    **_forms(
        "областной областного областному областным областном областная областную областные областных "
        "областными",
        (REGION,),
    ),
    **_forms(
        "районный районного районному районным районном районная районной районную районное районные "
        "районных районными",
        (DISTRICT,),
    ),
    **_forms(
        "городской городского городскому городским городском городская городскую городское городские "
        "городских городскими",
        (CITY,),
    ),
}
_RU_RURAL_1 = set(
    "сельский сельского сельскому сельским сельском сельские сельских сельскими аульный аульного "
    "аульному аульным аульном поселковый поселкового поселковом".split()
)
_RU_RURAL_2 = set(
    "округ округа округу округом округе округи округов округам округами округах".split()
)
_RU_ADMIN_1 = set("сельская сельской сельскую поселковая поселковой поселковую".split())
_RU_ADMIN_2 = set("администрация администрации администрацию администрацией".split())
_RU_PLURAL = set(
    "области областей областям областях областями районы районов районам районами районах городов "
    "городам городами городах села сел сёл селам селами селах аулы аулов аулах поселки поселков "
    "поселках округи округов округах".split()
)
_GLUE_TYPE_FORMS = sorted(
    (f for f in RU_TYPES if len(f) >= 5 and not f.endswith(".")), key=len, reverse=True
)
_GLUE_PREFIXES = {f[:5] for f in _GLUE_TYPE_FORMS}
_GLUE_SUFFIXES = {f[-5:] for f in _GLUE_TYPE_FORMS}
_RU_TYPE_FIRST = set(RU_TYPES) | _RU_RURAL_1 | _RU_ADMIN_1 | {"с.о"}

KK_TYPE_BASES: dict[str, Levels] = {
    # adjectives of the unit first («Алматы облыстық соты» names the region, as «областной» does)
    "облыстық": (REGION,),
    "аудандық": (DISTRICT,),
    "қалалық": (CITY,),
    "облыс": (REGION,),
    "аудан": (DISTRICT,),
    "қала": (CITY,),
    "ауыл": (SETTLEMENT,),
    "кент": (SETTLEMENT,),
    "село": (SETTLEMENT,),
}
KK_TYPE_ABBR: dict[str, Levels] = {
    "обл.": (REGION,),
    "ауд.": (DISTRICT,),
    "қ.": (CITY,),
    "а.": (SETTLEMENT,),
    "г.": (CITY,),
    "с.": (SETTLEMENT,),
}
CONJ = {"и", "или", ",", ";", "/", "және", "мен", "бен", "пен", "немесе"}

# a capitalized name right after these is a street, river, organisation … («улица Абая», «реки Урал»)
RU_BLOCK = re.compile(
    r"^(?:улиц|ул\.|проспект|пр-т|пр\.|переул|бульвар|площад|шоссе|набережн|микрорайон|мкр|жк$|парк|сквер|"
    r"река$|реки$|реке$|реку$|рекой$|рекою$|рек$|реками$|реках$|рекам$|озер|водохранилищ|канал|перевал|хребет|"
    r"гор[аыеу]$|приток|аэропорт|вокзал|гидропост|пост$|посту$|поста$|тоо$|ао$|ип$|тц$|трц$|бц$|кафе|ресторан|гостиниц|"
    r"отел|стадион|школ|колледж|лице|гимнази|университет|академи|фонд|компани|холдинг|банк|имени$|им\.$|"
    r"памятник|монумент|мемориал|мавзоле|телеканал|газет|сайт|фк$|клуб|команд|месторожден|бизнес-центр|жилой|"
    r"комплекс|санатори|курорт|завод|фабрик|рынок|рынка|базар|ооо$|пао$|зао$)"
)
# … and a bare name right before these is one too («Сергеевском водохранилище», «Орал өзені»)
RU_BLOCK_AFTER = re.compile(
    r"^(?:водохранилищ|озер|ГЭС|ТЭЦ|ГРЭС|полигон|месторожден|заповедник|перевал|ущель|"
    r"хребт|хребет|нацпарк|аэропорт|вокзал)",
    re.I,
)
KK_BLOCK_AFTER = re.compile(
    r"^(?:өзен|көше|даңғыл|көл|тау|шың|жота|алаң|саябақ|бұлақ|су$|жол$|жолы$|бөген|"
    # an organisation named after the place («Қарағанды мемлекеттік университеті»)
    r"мемлекеттік|университет|академия|институт|колледж|зауыт|комбинат|компания|банк|"
    r"клуб|футбол|театр|филармония)"
)
OPEN_QUOTES, CLOSE_QUOTES, BOTH_QUOTES = "«“„", "»”", "\"'"
NOT_UNITS = {
    "казахстан",
    "казакстан",
    "республика",
    "россия",
    "ресей",
    "китай",
    "кытай",
    "узбекистан",
    "озбекстан",
    "кыргызстан",
    "москва",
    "маскеу",
    "европа",
    "азия",
}
_SURNAME = re.compile(
    r"(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ский|цкий|ская|улы|ұлы|кызы|қызы|уулу)$"
)
_PLACE_PREPS = {
    "в",
    "во",
    "из",
    "изо",
    "до",
    "под",
    "около",
    "возле",
    "близ",
    "через",
    "город",
    "города",
    "городе",
    "г.",
    "пригороде",
    "окрестностях",
}
_FUNCTION_WORDS = {
    "и",
    "или",
    "а",
    "но",
    "в",
    "во",
    "на",
    "с",
    "со",
    "по",
    "из",
    "к",
    "у",
    "о",
    "об",
    "от",
    "до",
    "за",
    "для",
    "при",
    "же",
    "ли",
    "не",
    "что",
    "как",
    "где",
    "также",
    "уже",
}
_KK_LETTERS = re.compile(f"[{KK_LOWER}{KK_UPPER}]")
_RU_FUNCTION = {
    "в",
    "и",
    "на",
    "что",
    "по",
    "с",
    "не",
    "из",
    "за",
    "к",
    "от",
    "для",
    "это",
    "как",
    "его",
}

# ---------------------------------------------------------------------------------------------
# word normalization (cached per word form)

_CYR_UPPER = CYR_UPPER
_CYR_LOWER = CYR_LOWER
_GLUED_PREFIX = re.compile(
    rf"^(?:[{_CYR_LOWER}]{{1,2}}|[{_CYR_UPPER}]{{1,5}})(?=[{_CYR_UPPER}][{_CYR_LOWER}]{{2}})"
)
# a word glued to the previous one at a former HTML boundary: a lower-case letter followed by an
# upper-case one inside a Cyrillic word («западеАкмолинской», «школуВ»): the name starts at the capital
_GLUED_INNER = re.compile(rf"[{_CYR_LOWER}](?=[{_CYR_UPPER}][{_CYR_LOWER}]{{2}})")
_DIGIT_TAIL = re.compile(r"(?<=[^\W\d_]{3})\d+$")  # «Астане15 апреля»: a date glued to the name
_LEAD_WORD = re.compile(r"^[\w-]+")
_DOMAIN = re.compile(r"\.[a-z]{2,}$", re.I)
# Russian case endings → what the nominative may end with instead (masculine, feminine, neuter, plural)
_RU_NOUN_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ами", ("ы", "и", "а", "")),
    ("ями", ("и", "я", "ь")),
    ("ах", ("ы", "и", "а", "")),
    ("ях", ("и", "я", "ь")),
    ("ам", ("ы", "и", "а", "")),
    ("ям", ("и", "я", "ь")),
    ("ов", ("ы", "")),
    ("ев", ("и", "й")),
    ("ой", ("а",)),
    ("ою", ("а",)),
    ("ей", ("я", "ь")),
    ("ею", ("я",)),
    ("ом", ("", "о")),
    ("ем", ("ь", "й", "е", "")),
    ("а", ("", "о")),
    ("я", ("ь", "й", "е")),
    ("у", ("", "а", "о")),
    ("ю", ("ь", "й", "я", "е")),
    ("е", ("", "а", "я", "о", "й", "ь")),
    ("и", ("а", "я", "ь", "й")),
    ("ы", ("а", "")),
)
_RU_ADJ = re.compile(
    r"^(.{3,}?)(ого|его|ому|ему|ыми|ими|ым|им|ом|ем|ой|ей|ую|юю|ая|яя|ое|ее|ые|ие|ых|их|ий|ый)$"
)
_ADJ_FORM = re.compile(r"(?<=[а-яё]{3})(?:ого|ому|ым|им|ом|ой|ую|ая|ий|ый|ие|ые|их|ых|ими|ыми)$")
_ADJ_LOOKING = re.compile(r"(?:[сц]к|н)(?:ого|ому|ым|им|ом|ой|ую|ая|ое|ий|ый|ие|ые|их|ых|ими|ыми)$")


@functools.lru_cache(maxsize=200_000)
def ru_keys(word: str) -> frozenset[str]:
    """Candidate nominative keys of a Russian word form: «Шемонаихинского» → {шемонаихинский, …}."""
    w = fold(word)
    out = {w}
    m = _RU_ADJ.match(w)
    if m:
        stem = m.group(1)
        out.update((stem + "ий", stem + "ый", stem + "ой"))
    for end, adds in _RU_NOUN_RULES:
        if w.endswith(end) and len(w) - len(end) >= 2:
            stem = w[: -len(end)]
            out.update(stem + a for a in adds)
    return frozenset(out)


@functools.lru_cache(maxsize=200_000)
def kk_keys(word: str) -> frozenset[str]:
    """Folded stems of a Kazakh word form («Өскеменде» → {оскемен, …})."""
    return frozenset(fold(s) for s in kk_stems(word))


@functools.lru_cache(maxsize=100_000)
def word_info(word: str) -> tuple[bool, bool, bool]:
    """pymorphy3 on one Russian word: (a dictionary word, a person's name or surname, a place name)."""
    parses = _morph().parse(word.lower())
    known = _morph().word_is_known(word.lower())
    person = any(
        bool({"Name", "Surn", "Patr"} & set(re.split(r"[ ,]", str(p.tag)))) and p.score >= 0.1
        for p in parses[:3]
    )
    geo = any("Geox" in p.tag for p in parses[:4])
    return known, person, geo


@functools.lru_cache(maxsize=50_000)
def is_known_word(word: str) -> bool:
    return len(word) >= 2 and bool(_morph().word_is_known(word.lower()))


def nominative(word: str) -> str:
    """A nominative guess for a Russian name the gazetteer lacks («селе Ивановке» → «Ивановка»)."""
    if not re.search(r"(?:е|у|ой|ом|ем)$", word) or not word[:1].isupper():
        return word
    for p in _morph().parse(word)[:3]:
        if (
            p.tag.POS == "NOUN"
            and p.tag.case != "nomn"
            and ("Geox" in p.tag or "Name" not in p.tag)
        ):
            nf = str(p.normal_form)
            return nf[:1].upper() + nf[1:]
    return word


# ---------------------------------------------------------------------------------------------
# mentions


@dataclass(eq=False)
class Mention:
    start: int  # token index, type words included
    end: int
    name_start: int
    name_end: int
    cands: list[Unit]
    levels: Levels | None  # what the type word allows; None when the name stands bare
    lang: str = "ru"
    unknown: str | None = None  # a typed name the gazetteer lacks (a nominative guess)
    unknown_level: str | None = None
    surface: str | None = None
    place_prep: bool = False  # after «в», «из», «до» …: a place, not a person
    fuzzy: bool = False
    group: int = -1  # a coordinated list («в селах А, Б и В»)
    in_title: bool = False
    chain_parent: Mention | None = None
    chained: bool = False
    unit: Unit | None = None
    ref: TerritoryRef | None = None
    dropped: bool = False


@dataclass(slots=True)
class _Tok:
    text: str
    lower: str
    surface: str  # the word to match: glued prefixes and trailing punctuation removed
    cap: bool
    abbr: bool
    sent_start: bool
    quoted: bool
    lang: str


@dataclass
class _Ctx:
    region_w: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    unit_w: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    total: float = 0.0
    within: str | None = None

    def top_regions(self) -> set[int]:
        if not self.region_w:
            return set()
        best = max(self.region_w.values())
        return {r for r, w in self.region_w.items() if w >= best}


class TerritoryFinder:
    """Finds and resolves territory mentions in a token sequence whose main language is `lang`."""

    def __init__(self, gaz: Gazetteer, lang: str) -> None:
        if lang not in ("ru", "kk"):
            raise ValueError(f"unsupported language {lang!r}: use ru or kk")
        self.gaz = gaz
        self.lang = lang
        self._regions_by_name: dict[str, Unit] | None = None

    # == public ==================================================================================
    def find(
        self,
        words: list[str],
        sent_starts: list[bool] | None = None,
        spaces: list[bool] | None = None,
        *,
        title_end: int = 0,
        explicit: bool = False,
        within: str | None = None,
    ) -> list[Mention]:
        """Resolved mentions of a token sequence; `explicit`: the text is known to name a territory."""
        n = len(words)
        if sent_starts is None:
            sent_starts = [i == 0 for i in range(n)]
        if spaces is None:
            spaces = [True] * n
        toks = self._toks(words, sent_starts, spaces)
        keys: list[frozenset[str] | None] = [None] * n
        mentions: list[Mention] = []
        group = [0]
        lo = 0
        while lo < n:
            hi = lo + 1
            while hi < n and toks[hi].lang == toks[lo].lang:
                hi += 1
            mentions.extend(self._detect(toks, keys, lo, hi, toks[lo].lang, group))
            lo = hi
        for m in mentions:
            m.in_title = m.start < title_end
        self._resolve(toks, mentions, explicit, within)
        return [m for m in mentions if not m.dropped and m.ref is not None]

    def resolve_text(self, text: str, within: str | None = None) -> TerritoryRef | None:
        """The most specific unit of the first mention (chain) in a short text."""
        mentions = self.find(tokenize(text), explicit=True, within=within)
        if not mentions:
            return None
        chain = [mentions[0]]
        for m in mentions[1:]:
            if m.start - chain[-1].end <= 1:
                chain.append(m)
            else:
                break
        return min(chain, key=lambda m: LEVEL_RANK[m.ref.level] if m.ref else 9).ref

    def candidates_of_text(self, text: str) -> list[Unit]:
        """Every unit the first name of `text` can denote (no context, no gating)."""
        words = tokenize(text)
        toks = self._toks(words, [i == 0 for i in range(len(words))], [True] * len(words))
        keys: list[frozenset[str] | None] = [None] * len(toks)
        mentions = self._detect(toks, keys, 0, len(toks), self.lang, [0])
        return mentions[0].cands if mentions else []

    # == tokens ==================================================================================
    def _toks(self, words: list[str], sent_starts: list[bool], spaces: list[bool]) -> list[_Tok]:
        toks: list[_Tok] = []
        depth = 0
        lang = self.lang
        after_break = False  # «…\nВ Тоболе»: the sentence starts at the word after a line break
        for i, w in enumerate(words):
            start = sent_starts[i] or after_break
            after_break = start and w.isspace()
            if start:
                depth = 0
            if w.islower() and w.isalpha():  # the common case, fast
                toks.append(_Tok(w, w, w, False, False, start, depth > 0, lang))
                continue
            surface = w
            m = _GLUED_PREFIX.match(w)
            if m and not w.isupper():
                surface = w[m.end() :]
            if surface[1:].lower() != surface[1:]:  # a capital inside the word: glued?
                last = None
                for last in _GLUED_INNER.finditer(surface):  # noqa: B007 - the last match is wanted
                    pass
                if last is not None:
                    surface = surface[last.end() :]
            if surface[-1:].isdigit():
                surface = _DIGIT_TAIL.sub("", surface)
            if _DOMAIN.search(surface):
                surface = ""
            lead = _LEAD_WORD.match(surface)
            if lead and lead.end() < len(surface) and lead.end() >= 2 and not surface.endswith("."):
                surface = lead.group()  # «ВКО).Также» → ВКО
            elif (
                lead
                and surface.endswith(".")
                and lead.end() == len(surface) - 1
                and len(surface) > 4
            ):
                surface = lead.group()
            is_abbr = surface.isupper() and 2 <= len(surface.replace("-", "")) <= 6
            toks.append(
                _Tok(
                    w,
                    w.lower(),
                    surface,
                    surface[:1].isupper(),
                    is_abbr,
                    start,
                    depth > 0,
                    lang,
                )
            )
            if not w.isalnum():
                for ch in w:
                    if ch in OPEN_QUOTES:
                        depth += 1
                    elif ch in CLOSE_QUOTES:
                        depth = max(0, depth - 1)
                    elif ch in BOTH_QUOTES and w == ch:
                        opening = i == 0 or spaces[i - 1] or words[i - 1] in "(["
                        depth = depth + 1 if opening else max(0, depth - 1)
        self._sentence_languages(toks)
        return toks

    def _sentence_languages(self, toks: list[_Tok]) -> None:
        """Mark the sentences written in the other language (a Kazakh paragraph in a Russian article)."""
        start = 0
        n = len(toks)
        while start < n:
            end = start + 1
            while end < n and not toks[end].sent_start:
                end += 1
            alpha = [t for t in toks[start:end] if t.surface[:1].isalpha()]
            kk_words = sum(1 for t in alpha if _KK_LETTERS.search(t.text))
            ru_words = sum(1 for t in alpha if t.lower in _RU_FUNCTION)
            lang = self.lang
            if (
                self.lang == "ru"
                and kk_words >= 2
                and kk_words >= 0.2 * len(alpha)
                and ru_words <= kk_words
            ):
                lang = "kk"
            elif self.lang == "kk" and kk_words == 0 and ru_words >= 2 and len(alpha) >= 4:
                lang = "ru"
            if lang != self.lang:
                for t in toks[start:end]:
                    t.lang = lang
            start = end

    def _keys(self, t: _Tok) -> frozenset[str]:
        s = t.surface
        if s.endswith(".") and len(s) > 2:
            s = s[:-1]
        if t.lang == "kk":
            if "-" in s:  # «ШҚО-да», «Алматы-дағы»
                head, _, tail = s.partition("-")
                if tail and tail.islower():
                    return kk_keys(head) | {fold(head)}
            return kk_keys(s) | {fold(s)}
        return ru_keys(s)

    def _key_at(
        self, toks: list[_Tok], i: int, keys: list[frozenset[str] | None]
    ) -> frozenset[str]:
        k = keys[i]
        if k is None:
            k = keys[i] = self._keys(toks[i])
        return k

    # == type words ==============================================================================
    def _type_at(
        self, toks: list[_Tok], i: int, hi: int, after: bool = False
    ) -> tuple[Levels, int, bool] | None:
        """(levels, tokens taken, plural) when a type word starts at token i; `after`: one following a name."""
        if i >= hi:
            return None
        t = toks[i]
        low = t.lower
        nxt = toks[i + 1].lower if i + 1 < hi else ""
        if t.lang == "ru":
            if low in _RU_RURAL_1 and nxt in _RU_RURAL_2:
                return (RURAL,), 2, nxt in _RU_PLURAL
            if low in _RU_ADMIN_1 and nxt in _RU_ADMIN_2:
                return (RURAL,), 2, False
            if low == "с.о" and nxt == ".":
                return (RURAL,), 2, False
            if low in RU_TYPES:
                if low in ("г.", "с.", "п.", "ст.") and i > 0 and toks[i - 1].text[:1].isdigit():
                    return None  # «2024 г.» is a year, «п. 3» a paragraph
                return RU_TYPES[low], 1, low in _RU_PLURAL
            if after and low in RU_TYPES_AFTER:
                return RU_TYPES_AFTER[low], 1, False
            if (
                not t.cap
                and len(low) > 6
                and (low[:5] in _GLUE_PREFIXES or low[-5:] in _GLUE_SUFFIXES)
            ):
                return _glued_type(low)
            return None
        if low in KK_TYPE_ABBR:
            return KK_TYPE_ABBR[low], 1, False
        if low.startswith("ауылдық") and "округ" in kk_stems(nxt):
            return (RURAL,), 2, "округтер" in kk_stems(nxt)
        if t.cap and not t.sent_start:
            return None
        stems = kk_stems(low)
        if "округ" in stems:
            return (RURAL,), 1, "округтер" in stems
        if low.startswith("аулы"):  # «аулында», «аулын»: ауыл drops its ы before a vowel ending
            return (SETTLEMENT,), 1, False
        for base, levels in KK_TYPE_BASES.items():
            if base in stems:
                plural = any(s.endswith(("лар", "лер", "дар", "дер", "тар", "тер")) for s in stems)
                return levels, 1, plural
        return None

    # == names ===================================================================================
    def _names_at(
        self, toks: list[_Tok], i: int, hi: int, keys: list[frozenset[str] | None]
    ) -> list[tuple[int, list[Entry]]]:
        """Gazetteer entries whose words start at token i, longest first: [(end, entries)]."""
        t = toks[i]
        if not (t.cap or t.abbr) or not t.surface[:1].isalpha():
            return []
        k0 = self._key_at(toks, i, keys)
        found: dict[int, list[Entry]] = defaultdict(list)
        seen: set[int] = set()
        # Kazakh names written without Kazakh letters («Орал») mean something else in Russian text
        kk_ok = t.lang == "kk" or bool(_KK_LETTERS.search(t.surface))
        exact_units: set[int] = set()
        # the exact spelling, then the variant one (Дж/Ж, й/ы/и/і, soft sign) for units not found
        # exactly; `_typed_entries` and the bare-name rules decide how far a variant may go
        for vary in (False, True):
            if vary:
                k0 = _variant_keys(k0, 4)
            index = self.gaz.vindex if vary else self.gaz.index
            for k in k0:
                for e in index.get(k, ()):
                    if id(e) in seen or (vary and e.unit in exact_units):
                        continue
                    seen.add(id(e))
                    if e.kk and not kk_ok and e.mode == MODE_BARE:
                        continue
                    if e.mode == MODE_ABBR and e.cased[0] != t.surface.split("-")[0]:
                        continue
                    if e.mode == MODE_BARE and _gender_clash(t.surface, e.cased[0]):
                        continue  # «поселок Заречный» is not the village Заречное
                    n = len(e.keys)
                    if i + n > hi:
                        continue
                    ok = True
                    for j in range(1, n):
                        words = self._key_at(toks, i + j, keys)
                        if vary:
                            words = _variant_keys(words, 0)
                        if toks[i + j].sent_start or not (e.keys[j] & words):
                            ok = False
                            break
                    if ok:
                        found[i + n].append(e)
                        if not vary:
                            exact_units.add(e.unit)
        return sorted(found.items(), key=lambda kv: -kv[0])

    def _glued_name(
        self,
        toks: list[_Tok],
        i: int,
        keys: list[frozenset[str] | None],
        typed: bool = False,
    ) -> list[tuple[int, list[Entry]]]:
        """A name glued to the next word at an HTML boundary: «Алматыподдержал», «Петропавловскаостались»,
        «ВАстанепеременная». A bare one must be a major city; after a type word (`typed`) any name of
        one word serves («области Жетысусильный»), the type word checks it."""
        s = toks[i].surface
        if toks[i].lang != "ru" or len(s) < 8 or not toks[i].cap or is_known_word(s):
            return []
        for cut in range(len(s) - 3, 3, -1):
            head, rest = s[:cut], s[cut:]
            if not rest.islower():
                continue
            entries = [
                e
                for k in ru_keys(head)
                for e in self.gaz.index.get(k, ())
                if len(e.keys) == 1
                and not e.kk
                and (typed or (e.mode == MODE_BARE and self.gaz.units[e.unit].core))
            ]
            if entries and is_known_word(rest) and not word_info(rest)[1]:
                toks[i].surface, keys[i] = head, None  # the name alone from here on
                return [(i + 1, entries)]
        return []

    # == detection ===============================================================================
    def _detect(
        self,
        toks: list[_Tok],
        keys: list[frozenset[str] | None],
        lo: int,
        hi: int,
        lang: str,
        group: list[int],
    ) -> list[Mention]:
        out: list[Mention] = []
        ru = lang == "ru"
        i = lo
        blocked = False
        while i < hi:
            t = toks[i]
            low = t.lower
            if ru and _blocks(low):  # «улица Абая», «микрорайонов Шымсити, Туран, Асар»
                blocked = True
                i += 1
                continue
            if blocked and not (t.cap or low in CONJ or t.text in "-–"):
                blocked = False
            if blocked:
                i += 1
                continue
            if not ru and low.startswith("елорда") and "елорда" in kk_stems(low):
                capital = self._capital(toks, i)
                if capital is not None:
                    out.append(capital)
                    i += 1
                    continue
            if not (t.cap or t.abbr):
                if ru and (
                    low in _RU_TYPE_FIRST
                    or (len(low) > 6 and (low[:5] in _GLUE_PREFIXES or low[-5:] in _GLUE_SUFFIXES))
                ):
                    typ = self._type_at(toks, i, hi)
                else:
                    typ = None
                if typ is None:
                    i += 1
                    continue
            elif ru and low in ("г.", "с.", "п.", "ст."):
                typ = self._type_at(toks, i, hi)
            else:
                typ = None
            if ru and typ is not None:
                levels, width, _ = typ
                j = i + width
                if j < hi and toks[j].lower in ("имени", "им."):
                    j += 1
                members = self._list_after(toks, keys, j, hi, levels, group[0], lang, typ[2])
                if members:
                    members[0].start = i
                    out.extend(members)
                    group[0] += 1
                    i = members[-1].end
                    continue
                i += width
                continue
            found = self._names_at(toks, i, hi, keys)
            if not found and t.cap and ru:
                found = self._glued_name(toks, i, keys)
            made: Mention | list[Mention] | None = None
            if found:
                made = self._mention_from(toks, keys, i, hi, found, group[0], lang)
            if made is None and t.cap:
                made = self._unknown_typed(toks, i, hi, lang, bool(found))
            if made is None and t.cap and ru and not found:
                made = self._typo_city(toks, i)
            if made is None:
                i += 1
                continue
            if isinstance(made, list):
                out.extend(made)
                group[0] += 1
                i = made[-1].end
            else:
                out.append(made)
                i = made.end
        if not ru and out:
            out = self._kk_lists(toks, keys, out, lo, hi, group)
        if len(out) > 1:
            self._region_lists(toks, out)
        return out

    def _region_lists(self, toks: list[_Tok], out: list[Mention]) -> None:
        """A list of bare names with a region's short form among them is a list of regions: in «Ақмола,
        Атырау, Шығыс Қазақстан, Павлодар» Atyrau and Pavlodar are the regions, not their centres."""
        runs: list[list[Mention]] = []
        for m in out:
            prev = runs[-1][-1] if runs else None
            if (
                prev is not None
                and m.levels is None
                and m.start - prev.end == 1
                and toks[prev.end].lower in CONJ
            ):
                runs[-1].append(m)
            elif m.levels is None:
                runs.append([m])
        for run in runs:
            if len(run) < 2 or not any(
                any(u.level == REGION for u in m.cands) and all(u.level != CITY for u in m.cands)
                for m in run
            ):
                continue
            for m in run:
                regions = [r for r in (self._region_named_as(u) for u in m.cands) if r]
                if regions:
                    m.cands = list(dict.fromkeys(regions))

    def _region_named_as(self, u: Unit) -> Unit | None:
        """The region a city shares its name with (Атырау → Атырауская область), or None."""
        if u.level == REGION:
            return u
        if u.level != CITY:
            return None
        table = self._regions_by_name
        if table is None:
            table = self._regions_by_name = {
                fold(r.name_kk.removesuffix(" облысы")): r
                for r in self.gaz.units
                if r.level == REGION and r.name_kk
            }
        return table.get(fold(u.name_kk or u.name))

    def _capital(self, toks: list[_Tok], i: int) -> Mention | None:
        """«елорда» (the capital) in Kazakh news is Astana, unless the former or southern capital."""
        t = toks[i]
        if t.quoted or (t.cap and not t.sent_start):
            return None  # a name: «Елорда жастары», the newspaper «Елорда»
        if i > 0 and toks[i - 1].lower in ("бұрынғы", "оңтүстік", "ескі"):
            return None
        astana = self.gaz.by_kato.get(ASTANA)
        if astana is None:
            return None
        return Mention(i, i + 1, i, i + 1, [astana], (CITY,), "kk")

    def _kk_lists(
        self,
        toks: list[_Tok],
        keys: list[frozenset[str] | None],
        out: list[Mention],
        lo: int,
        hi: int,
        group: list[int],
    ) -> list[Mention]:
        """Kazakh names coordinated before one plural type word take its type: «Ақмола, Қарағанды және
        Қостанай облыстарында», «Ерейментау, Аршалы, Атбасар аудандары» (regions and districts, not the
        towns of the same name)."""
        kept: list[Mention] = []
        claimed = hi  # tokens from here on belong to a list already
        for m in reversed(out):
            if m.start >= claimed or m.end > claimed:
                continue  # a bare name inside a list: the list's type replaces it
            kept.append(m)
            if m.levels is None or m.unknown is not None or m.lang != "kk":
                continue
            typ = self._type_at(toks, m.name_end, hi, after=True)
            if typ is None or not typ[2]:
                continue
            members: list[Mention] = []
            p = m.start - 1
            while p > lo and toks[p].lower in CONJ and not toks[p].sent_start:
                item = self._kk_item(toks, keys, lo, p, typ[0])
                if item is None:
                    break
                members.append(item)
                p = item.start - 1
            if members:
                claimed = members[-1].start
                group[0] += 1
                for mm in (m, *members):
                    mm.group = group[0]
                kept.extend(members)
        return sorted(kept, key=lambda mm: mm.start)

    def _kk_item(
        self,
        toks: list[_Tok],
        keys: list[frozenset[str] | None],
        lo: int,
        end: int,
        levels: Levels,
    ) -> Mention | None:
        """The list item that ends at token `end`: a name of 1-3 words of one of `levels`."""
        starts = []
        for start in range(end - 1, max(lo, end - 3) - 1, -1):
            t = toks[start]
            if not t.surface[:1].isalpha() or t.lower in CONJ:
                break
            if t.cap:
                starts.append(start)
            if t.sent_start:
                break
        for start in reversed(starts):  # the longest name first («Шығыс Қазақстан»)
            for e_end, entries in self._names_at(toks, start, end, keys):
                if e_end == end:
                    cands = self._units(self._typed_entries(entries, levels, False, "kk"))
                    if cands:
                        return Mention(start, end, start, end, cands, levels, "kk")
        if starts and starts[0] == end - 1:  # one word the index lacks: by its consonants
            sk = skeleton(fold(toks[end - 1].surface))
            units = [
                self.gaz.units[u]
                for u in self.gaz.skeletons.get(sk, [])
                if self.gaz.units[u].level in levels
            ]
            if units:
                return Mention(end - 1, end, end - 1, end, units, levels, "kk", fuzzy=True)
        return None

    def _typed_entries(
        self, entries: list[Entry], levels: Levels, before: bool, lang: str
    ) -> list[Entry]:
        """Entries compatible with a type word of `levels` placed before (or after) the name."""
        ok = []
        for e in entries:
            level = self.gaz.units[e.unit].level
            if level not in levels and not (SETTLEMENT in levels and level == CITY and before):
                continue
            if lang == "ru":
                if before and e.mode in (MODE_BEFORE, MODE_BARE):
                    ok.append(e)
                elif before and e.kk and e.mode == MODE_AFTER and level in (DISTRICT, RURAL):
                    ok.append(e)  # «район Есиль», «районам Шал акына»: the Kazakh form of the name
                elif not before and e.mode == MODE_AFTER and not e.kk:
                    ok.append(e)
            elif e.mode in (MODE_AFTER, MODE_BARE, MODE_BEFORE):
                ok.append(e)
        if lang == "kk":  # KATO spells Kazakh names the Russian way: a variant is as good as exact
            return ok
        return [e for e in ok if not e.variant] or ok  # a variant spelling only when nothing exact

    def _units(self, entries: Iterable[Entry]) -> list[Unit]:
        seen: dict[int, Unit] = {}
        for e in entries:
            seen.setdefault(e.unit, self.gaz.units[e.unit])
        return list(seen.values())

    def _list_after(
        self,
        toks: list[_Tok],
        keys: list[frozenset[str] | None],
        j: int,
        hi: int,
        levels: Levels,
        group: int,
        lang: str,
        plural: bool = False,
    ) -> list[Mention]:
        """Names after a type word, and the list it heads: «селах Капитоновка, Иванковка и Вознесенка»."""
        members: list[Mention] = []
        typed_alt: dict[int, list[Unit]] = {}  # the districts a plural «районам X» set aside for X
        while j < hi:
            found = self._names_at(toks, j, hi, keys)
            if not found and lang == "ru":
                found = self._glued_name(toks, j, keys, typed=True)
            cands: list[Unit] = []
            end = j
            for e_end, entries in found:
                ok = self._typed_entries(entries, levels, True, lang)
                if ok:
                    cands, end = self._units(ok), e_end
                    if levels == (DISTRICT,):
                        # «районам Алматы» are the districts of the city; «в районе Алматы» may be either
                        # (Astana's district, or the city): the article's context decides
                        cities = self._units(
                            e
                            for e in entries
                            if e.mode == MODE_BARE and self.gaz.units[e.unit].level == CITY
                        )
                        if cities and plural:
                            typed_alt[len(members)] = cands
                            cands = cities
                        elif cities:
                            cands = cands + cities
                    break
            t = toks[j]
            if SETTLEMENT in levels and any(u.level == SETTLEMENT for u in cands):
                cands = [u for u in cands if u.level == SETTLEMENT]  # «в селе Орал» is not Уральск
            if cands:
                members.append(Mention(j, end, j, end, cands, levels, lang, group=group))
            elif (
                t.cap and t.surface[:1].isalpha() and not t.abbr and not self._type_at(toks, j, hi)
            ):
                if found or _ADJ_FORM.search(t.surface) or fold(t.surface) in NOT_UNITS:
                    break  # a unit of another kind, or an adjective («и Сырымскую районную»), ends the list
                end = j + 1
                while (
                    end < hi
                    and end - j < 3
                    and toks[end].cap
                    and toks[end].surface[:1].isalpha()
                    and not self._names_at(toks, end, hi, keys)
                    and not self._type_at(toks, end, hi)
                ):
                    end += 1
                surface = " ".join(toks[k].surface for k in range(j, end))
                name = " ".join(nominative(toks[k].surface) for k in range(j, end))
                members.append(
                    Mention(
                        j,
                        end,
                        j,
                        end,
                        [],
                        levels,
                        lang,
                        unknown=name,
                        unknown_level=levels[0],
                        surface=surface,
                        group=group,
                    )
                )
            else:
                break
            k = end
            if k + 1 < hi and toks[k].lower in CONJ and toks[k + 1].cap:
                j = k + 1
                continue
            if (
                k + 2 < hi
                and toks[k].text == ","
                and toks[k + 1].lower in ("и", "а")
                and toks[k + 2].cap
            ):
                j = k + 2
                continue
            break
        # «районам Есиль и Шал акына»: a list of districts, not the districts of a city
        if len(members) > 1:
            for n, alt in typed_alt.items():
                members[n].cands = alt
        return members

    def _unknown_typed(
        self, toks: list[_Tok], i: int, hi: int, lang: str, known: bool
    ) -> Mention | None:
        """A name with a type word that the gazetteer lacks: «Арысского района», «Жарқайың ауданы» (Kazakh
        names are looked up by their consonants), «Западно-Казахстанкой области» (a typo)."""
        t = toks[i]
        if t.abbr:
            return None
        typ = self._type_at(toks, i + 1, hi, after=True)
        if not typ:
            return None
        levels, width, _ = typ
        if lang == "kk":
            sk = skeleton(fold(t.surface))
            units = [
                self.gaz.units[u]
                for u in self.gaz.skeletons.get(sk, [])
                if self.gaz.units[u].level in levels
            ]
            if units:
                return Mention(i, i + 1 + width, i, i + 1, units, levels, lang, fuzzy=True)
            return None
        s = t.surface
        if levels[0] not in (REGION, DISTRICT, RURAL) or not _ADJ_FORM.search(s):
            return None
        stem = _ADJ_FORM.sub("", s)
        masc = stem + ("ый" if stem.endswith("н") and not stem.endswith(("ин", "ын")) else "ий")
        name = {
            REGION: stem + "ая область",
            DISTRICT: masc + " район",
            RURAL: masc + " сельский округ",
        }
        return Mention(
            i,
            i + 1 + width,
            i,
            i + 1,
            [],
            levels,
            lang,
            unknown=name[levels[0]],
            unknown_level=levels[0],
            surface=s,
        )

    def _mention_from(
        self,
        toks: list[_Tok],
        keys: list[frozenset[str] | None],
        i: int,
        hi: int,
        found: list[tuple[int, list[Entry]]],
        group: int,
        lang: str,
    ) -> Mention | list[Mention] | None:
        ru = lang == "ru"
        # a type word after the name (Russian adjectives, every Kazakh name)
        for end, entries in found:
            # «Ғабит Мүсірепов атындағы аудан»: «named after» between the name and its type word
            named = int(not ru and end < hi and toks[end].lower == "атындағы")
            typ = self._type_at(toks, end + named, hi, after=True)
            if typ:
                levels, width, _ = typ
                ok = self._typed_entries(entries, levels, False, lang)
                if ok:
                    return Mention(i, end + named + width, i, end, self._units(ok), levels, lang)
                if not ru or _ADJ_FORM.search(toks[end - 1].surface):
                    return None  # «Алтайского района»: a typed name of another kind, not a bare one
        if ru:  # coordinated adjectives: «Мангистауской и Туркестанской областях»
            chain = self._coordinated(toks, keys, i, hi, found, group)
            if chain:
                return chain
        # a bare name: cities, villages, abbreviations
        for end, entries in found:
            bare = [
                e
                for e in entries
                if e.mode in (MODE_BARE, MODE_ABBR)
                and (not e.variant or self.gaz.units[e.unit].core)  # a bare variant: major places
            ]
            if not bare:
                continue
            surface = fold(toks[i].surface.rstrip("."))
            if surface in NOT_UNITS or (lang == "kk" and kk_keys(toks[i].surface) & NOT_UNITS):
                return None  # Kazakhstan itself and foreign places, even where a village shares the name
            exact = [e for e in bare if surface in e.keys[0]] if end == i + 1 else bare
            if (
                ru
                and not exact
                and _ADJ_LOOKING.search(surface)
                and end < hi
                and toks[end].text.isalpha()
                and toks[end].text.islower()
                and toks[end].lower not in _FUNCTION_WORDS
            ):
                return None  # «Петропавловском водохранилище»: an adjective with its noun, not the city
            if (
                exact
            ):  # «Актау» is the city, not a village «Актай»; «Караганды» may still be Караганда
                top = max(LEVEL_RANK[self.gaz.units[e.unit].level] for e in exact)
                bare = [
                    e for e in bare if e in exact or LEVEL_RANK[self.gaz.units[e.unit].level] > top
                ]
            prep = i > 0 and toks[i - 1].lower in _PLACE_PREPS
            return Mention(
                i,
                end,
                i,
                end,
                self._units(bare),
                None,
                lang,
                surface=toks[i].surface,
                place_prep=prep,
            )
        return None

    def _coordinated(
        self,
        toks: list[_Tok],
        keys: list[frozenset[str] | None],
        i: int,
        hi: int,
        found: list[tuple[int, list[Entry]]],
        group: int,
    ) -> list[Mention] | None:
        adjs: list[tuple[int, int, list[Entry]]] = []
        cur, j = found, i
        while True:
            entries = [e for _, es in cur for e in es if e.mode == MODE_AFTER and not e.kk]
            if not entries:
                return None
            end = max(e_end for e_end, es in cur if any(e.mode == MODE_AFTER for e in es))
            adjs.append((j, end, entries))
            typ = self._type_at(toks, end, hi, after=True)
            if typ:
                levels, width, _ = typ
                if len(adjs) < 2:
                    return None
                out = []
                for idx, (s, e, es) in enumerate(adjs):
                    ok = self._typed_entries(es, levels, False, "ru")
                    if not ok:
                        return None
                    last = idx == len(adjs) - 1
                    out.append(
                        Mention(
                            s,
                            e + (width if last else 0),
                            s,
                            e,
                            self._units(ok),
                            levels,
                            "ru",
                            group=group,
                        )
                    )
                return out
            k = end
            if k < hi and toks[k].lower in CONJ:
                k += 1
                if k < hi and toks[k].lower in ("и", "а"):
                    k += 1
                if k >= hi or not toks[k].cap:
                    return None
                cur = self._names_at(toks, k, hi, keys)
                if not cur:
                    return None
                j = k
                continue
            return None

    # == resolution ==============================================================================
    def _resolve(
        self, toks: list[_Tok], mentions: list[Mention], explicit: bool, within: str | None
    ) -> None:
        gaz = self.gaz
        # tokens of mentions that are not themselves bare village names («Дархан Мыңбай» is a person)
        covered = {
            k
            for m in mentions
            if m.levels is not None or not all(self._needs_context(u, m) for u in m.cands)
            for k in range(m.start, m.end)
        }
        for m in mentions:
            if m.levels is None:
                self._filter_untyped(toks, m, explicit, covered)
        live = [m for m in mentions if not m.dropped]
        # genitive chains: adjacent mentions constrain each other («… района ВКО», «ШҚО Шемонаиха ауданы»)
        for a, b in itertools.pairwise(live):
            gap = b.start - a.end
            if a.group >= 0 and a.group == b.group:
                continue  # two members of one list: neither lies inside the other
            if gap == 0 or (gap == 1 and toks[a.end].text in ",("):
                self._link(a, b)
        groups: dict[int, list[Mention]] = defaultdict(list)
        for m in live:
            if m.group >= 0:
                groups[m.group].append(m)
        for members in groups.values():
            # a list shares the chain of its last member (Russian «сел А, Б района В») or, failing
            # that, of its first (Kazakh «Балқаш ауданындағы А, Б ауылдары»)
            tail = members[-1] if members[-1].chain_parent is not None else members[0]
            if tail.chain_parent is None:
                continue
            for m in members:
                if m.chain_parent is None:
                    m.chain_parent = tail.chain_parent
                    inside = [u for u in m.cands if self._inside_any(u, tail.chain_parent.cands)]
                    if inside:
                        m.cands, m.chained = inside, True
        ctx = self._context(live, within)
        for m in live:
            if m.unknown is not None and not m.cands:
                self._fuzzy(m)
        for m in live:
            self._choose(m, ctx, explicit)
        for members in groups.values():  # unknown list members: the place of the known ones
            known = [m for m in members if m.unit is not None and m.unit.level == SETTLEMENT]
            for m in members:
                if (
                    m.ref is None
                    and m.unknown
                    and m.unknown_level == SETTLEMENT
                    and not m.dropped
                    and known
                ):
                    parent = gaz.parent(known[0].unit) if known[0].unit else None
                    if parent is not None and parent.level == RURAL:
                        parent = gaz.parent(parent)
                    if parent is not None:
                        m.ref = TerritoryRef(
                            m.unknown, SETTLEMENT, None, [*gaz.path(parent), m.unknown], 0.5
                        )

    def _context(self, live: list[Mention], within: str | None) -> _Ctx:
        """What the article is about: regions and units named without ambiguity (title counts 3×)."""
        ctx = _Ctx(within=within)
        for m in live:
            if not m.cands or (
                m.levels is None and all(self._needs_context(u, m) for u in m.cands)
            ):
                continue
            w = 3.0 if m.in_title else 1.0
            regions = {self.gaz.region(u).idx for u in m.cands}
            if len(regions) == 1:
                ctx.region_w[regions.pop()] += w
                ctx.total += w
            if len(m.cands) == 1 and m.cands[0].level != SETTLEMENT:
                ctx.unit_w[m.cands[0].idx] += w
        return ctx

    def _inside_any(self, u: Unit, others: list[Unit]) -> bool:
        return any(o is not u and self.gaz.within(o, u) for o in others)

    def _link(self, a: Mention, b: Mention) -> None:
        """Constrain adjacent mentions: one inside the other (Russian genitive order or Kazakh order)."""
        gaz = self.gaz
        if a.cands and b.cands:
            down = [(x, y) for x in a.cands for y in b.cands if x is not y and gaz.within(y, x)]
            up = (
                []
                if down
                else [(x, y) for x in a.cands for y in b.cands if x is not y and gaz.within(x, y)]
            )
            pairs = down or up
            if not pairs:
                if a.levels and a.levels[0] == SETTLEMENT and b.levels and len(b.cands) == 1:
                    # a typed village the chain places elsewhere: KATO (2022) lacks it there
                    a.unknown, a.unknown_level, a.cands = (
                        a.surface or _surface_name(a),
                        SETTLEMENT,
                        [],
                    )
                    a.chain_parent = b
                return
            a.cands = list(dict.fromkeys(x for x, _ in pairs))
            b.cands = list(dict.fromkeys(y for _, y in pairs))
            a.chained = b.chained = True
            if down:
                a.chain_parent = b
            else:
                b.chain_parent = a
        elif a.unknown and b.cands and a.unknown_level:
            if LEVEL_RANK[b.cands[0].level] > LEVEL_RANK[a.unknown_level]:
                a.chain_parent = b
        elif (
            b.unknown
            and a.cands
            and b.unknown_level
            and LEVEL_RANK[a.cands[0].level] > LEVEL_RANK[b.unknown_level]
            and b.lang == "kk"
        ):
            b.chain_parent = a

    def _filter_untyped(
        self, toks: list[_Tok], m: Mention, explicit: bool, covered: set[int]
    ) -> None:
        """Drop bare names that are not territories: in quotes, after «улица», next to a person's name …"""
        if explicit:
            return
        t = toks[m.name_start]
        prev = toks[m.name_start - 1] if m.name_start > 0 else None
        nxt = toks[m.name_end] if m.name_end < len(toks) else None
        ru = m.lang == "ru"
        if t.quoted and not t.abbr:
            m.cands = []
        if fold(t.surface) in NOT_UNITS:
            m.cands = []
        if nxt is not None and (
            RU_BLOCK_AFTER.match(nxt.lower)
            if ru
            else (KK_BLOCK_AFTER.match(nxt.lower) and not _declined(t.surface, m.cands))
        ):
            m.cands = []  # «Сергеевском водохранилище», «Орал өзені» (but «Оралда су көп» is the city)
        # a first name between a surname and a patronymic: «Көлгінов Алтай Сейдірұлы»; but a Kazakh
        # place in a case form after a surname is where the person is: «Сапарбаев Алматыда болды»
        after_surname = _personal(prev, m.name_start - 1 in covered, _SURNAME_SHAPE) and not (
            m.lang == "kk" and _declined(t.surface, m.cands)
        )
        if after_surname or _personal(nxt, m.name_end in covered, _PATRONYMIC):
            m.cands = []
        if m.lang == "kk":  # Kazakh names of people are village names too: a village needs «ауылы»
            m.cands = [u for u in m.cands if u.level != SETTLEMENT]
        gated = [u for u in m.cands if self._needs_context(u, m)]
        if gated and len(gated) == len(m.cands):
            word = t.surface
            in_name = (
                prev is not None
                and prev.cap
                and not prev.sent_start
                and m.name_start - 1 not in covered
                and not prev.abbr
                and prev.surface[:1].isalpha()
            ) or (
                nxt is not None
                and nxt.cap
                and not nxt.sent_start
                and m.name_end not in covered
                and nxt.surface[:1].isalpha()
                and not nxt.abbr
            )
            if in_name:  # part of a longer proper name: «Қозы Көрпеш», «Аманбек Калжанов»
                m.cands = []
            elif ru:
                known, is_person, geo = word_info(word)
                if (
                    is_person
                    or (geo and known and all(u.level == SETTLEMENT for u in gated))
                    or (t.sent_start and m.name_end - m.name_start == 1 and known)
                ):
                    # a person's name, a famous place elsewhere, a common word: only a named city
                    # («Сатпаев», «Курчатов» are surnames too) stays, and it needs its region in the article
                    m.cands = [u for u in m.cands if u.level == CITY and u.core]
        if not m.cands:
            m.dropped = True

    def _needs_context(self, u: Unit, m: Mention) -> bool:
        """Villages, small towns, and cities named like people («Сатпаева» without «в») need their area named."""
        if u.level == SETTLEMENT:
            return True
        if u.level == CITY:
            if u.core:
                # Russian: the form as written («Сатпаева»); Kazakh: the name (endings like -ның look like -ын)
                named = fold(m.surface or "") if m.lang == "ru" else fold(u.name_kk or u.name)
                return bool(m.surface) and bool(_SURNAME.search(named)) and not m.place_prep
            parent = self.gaz.parent(u)
            return parent is not None and parent.level != REGION
        return False

    def _context_ok(self, u: Unit, ctx: _Ctx, n_same_region: int) -> bool:
        if ctx.within and u.kato and u.kato.startswith(kato_prefix(ctx.within)):
            return True
        region = self.gaz.region(u).idx
        if u.level != SETTLEMENT:
            return region in ctx.region_w
        if any(a.idx in ctx.unit_w for a in self.gaz.ancestors(u) if a.level != REGION):
            return True
        return region in ctx.top_regions() and n_same_region == 1

    def _fuzzy(self, m: Mention) -> None:
        """A typed region, city or district with a typo, one letter off in a name longer than six
        letters («городов Кокшету», «Западно-Казахстанкой области», «Тасклинском районе»)."""
        if m.unknown_level not in (REGION, CITY, DISTRICT) or m.unknown is None:
            return
        targets = [fold(m.unknown.split()[0] if m.unknown_level != CITY else m.unknown)]
        if m.surface and m.unknown_level == CITY:
            targets.append(fold(m.surface))
        for target in targets:
            if len(target) > 6:
                best = self._close(target, m.unknown_level)
                if len(best) > 1 and m.chain_parent is not None and m.chain_parent.cands:
                    best = [u for u in best if self._inside_any(u, m.chain_parent.cands)]
                if len(best) == 1:
                    m.cands, m.unknown, m.fuzzy = best, None, True
                    return

    def _close(self, target: str, level: str) -> list[Unit]:
        from rapidfuzz.distance import Levenshtein

        limit = 1 if len(target) < 12 else 2
        return [
            u
            for u, names in _level_names(self.gaz, level)
            if any(
                abs(len(c) - len(target)) <= limit and Levenshtein.distance(c, target) <= limit
                for c in names
            )
        ]

    def _typo_city(self, toks: list[_Tok], i: int) -> Mention | None:
        """«в Петропавловкске»: after a place preposition, an unknown word one letter off a major city."""
        t = toks[i]
        if (
            i == 0
            or toks[i - 1].lower not in _PLACE_PREPS
            or len(t.surface) <= 6
            or t.abbr
            or not t.surface.isalpha()
            or is_known_word(t.surface)
            or word_info(t.surface)[1]
        ):
            return None
        found: dict[int, Unit] = {}
        for k in ru_keys(t.surface):
            if len(k) > 6:
                for u in self._close(k, CITY):
                    found[u.idx] = u
        if len(found) != 1:
            return None
        return Mention(
            i, i + 1, i, i + 1, list(found.values()), None, "ru", surface=t.surface, fuzzy=True
        )

    def _choose(self, m: Mention, ctx: _Ctx, explicit: bool) -> None:
        gaz = self.gaz
        if m.dropped:
            return
        if not m.cands:
            if m.unknown and m.chain_parent is not None:
                parent = m.chain_parent
                pu = parent.unit or (parent.cands[0] if parent.cands else None)
                if pu is None:
                    return
                level = m.unknown_level or SETTLEMENT
                m.ref = TerritoryRef(m.unknown, level, None, [*gaz.path(pu), m.unknown], 0.5)
            return
        cands = m.cands
        if m.levels is None and not explicit:
            per_region: dict[int, int] = defaultdict(int)
            for u in cands:
                if u.level == SETTLEMENT:
                    per_region[gaz.region(u).idx] += 1
            cands = [
                u
                for u in cands
                if not self._needs_context(u, m)
                or self._context_ok(u, ctx, per_region[gaz.region(u).idx])
            ]
            if not cands:
                m.dropped = True
                return
        if len(cands) == 1:
            u = cands[0]
            conf = 0.7 if m.fuzzy else (0.95 if m.levels or m.chained else 0.9)
            if len(m.cands) > 1:
                conf = 0.85
            m.unit, m.ref = u, gaz.ref(u, conf)
            return
        scored = sorted(
            ((self._score(u, ctx), u) for u in cands), key=lambda su: (-su[0], su[1].kato or "")
        )
        (best, u), second = scored[0], scored[1][0]
        conf = 0.85 if best - second >= 1.0 else (0.7 if best > second else 0.5)
        if m.chained:
            conf = max(conf, 0.8)
        m.unit, m.ref = u, gaz.ref(u, conf)

    def _score(self, u: Unit, ctx: _Ctx) -> float:
        gaz = self.gaz
        s = 0.5 * LEVEL_RANK[u.level] + (0.3 if u.core else 0.0) + (0.2 if u.level == CITY else 0.0)
        if ctx.within and u.kato and u.kato.startswith(kato_prefix(ctx.within)):
            s += 6.0
        if ctx.total:
            s += 4.0 * ctx.region_w.get(gaz.region(u).idx, 0.0) / ctx.total
        if any(a.idx in ctx.unit_w for a in gaz.ancestors(u) if a.level != REGION):
            s += 3.0
        return s


def lookup(gaz: Gazetteer, name_or_abbr: str, lang: str | None = None) -> list[TerritoryRef]:
    """Every unit the name can denote in `gaz` (any case form, abbreviations, Kazakh), best first."""
    found: list[Unit] = []
    guess = ["kk", "ru"] if looks_kk(name_or_abbr) else ["ru", "kk"]
    for lg in [lang] if lang else guess:
        found = TerritoryFinder(gaz, lg).candidates_of_text(name_or_abbr)
        if found:
            break
    if not found:
        found = gaz.by_normalized_key(name_or_abbr)
    ordered = sorted(found, key=lambda u: (-LEVEL_RANK[u.level], not u.core, u.kato or ""))
    return [gaz.ref(u, 1.0 / len(ordered)) for u in ordered]


def resolve(
    gaz: Gazetteer, text: str, lang: str = "ru", *, within: str | None = None
) -> TerritoryRef | None:
    """The unit a mention denotes («Шемонаихинского района», «Өскеменде», «ВКО»); None if none.

    In a genitive chain the most specific unit is returned, resolved consistently with the rest.
    `within` (a KATO code or prefix) prefers units inside it, like the region an article is about.
    """
    return TerritoryFinder(gaz, lang).resolve_text(text, within=within)


@functools.lru_cache(maxsize=8)
def _level_names(gaz: Gazetteer, level: str) -> list[tuple[Unit, list[str]]]:
    """Folded names of the candidates for a typo: core regions and cities, every district (its
    adjective or noun without the type word)."""
    out = []
    for u in gaz.units:
        if u.level != level or u.minor or not (u.core or level == DISTRICT):
            continue
        names = []
        for nm in (u.name, *u.aliases):
            if _KK_LETTERS.search(nm):
                continue
            words = nm.split()
            if level == REGION and len(words) > 1 and words[1] == "область":
                nm = words[0]
            elif level == DISTRICT:
                nm = bare_name(nm)
            names.append(fold(nm))
        out.append((u, names))
    return out


@functools.lru_cache(maxsize=100_000)
def _variant_keys(keys: frozenset[str], min_len: int) -> frozenset[str]:
    """The `variant` forms of a word's keys; a name's first word needs 4+ letters (the variant index
    has no shorter key)."""
    return frozenset(variant(k) for k in keys if len(k) >= min_len)


@functools.lru_cache(maxsize=50_000)
def _blocks(low: str) -> bool:
    if not RU_BLOCK.match(low):
        return False
    return not _glued_preposition(low)


@functools.lru_cache(maxsize=20_000)
def _glued_preposition(word: str) -> bool:
    """«школув», «Позжев»: a word with a one-letter preposition glued to it (the place follows it)."""
    low = word.lower()
    return (
        len(low) > 3
        and low[-1:] in ("в", "с", "к", "у", "о")
        and not is_known_word(low)
        and is_known_word(low[:-1])
    )


@functools.lru_cache(maxsize=20_000)
def _glued_type(low: str) -> tuple[Levels, int, bool] | None:
    """A type word glued to the next word at an HTML boundary: «областяхостаются», «областииз-за»,
    or to the previous one: «югеобласти Абай»."""
    if is_known_word(low):  # «подобласти» is a word of its own
        return None
    for form in _GLUE_TYPE_FORMS:
        if low.endswith(form) and len(low) > len(form) + 1 and is_known_word(low[: -len(form)]):
            return RU_TYPES[form], 1, form in _RU_PLURAL
        if low.startswith(form):
            rest = low[len(form) :]
            if rest in RU_TYPES:  # «районахобласти Жетысу»: the last type word heads the name
                return RU_TYPES[rest], 1, rest in _RU_PLURAL
            if (
                rest in ("в", "и", "с", "к", "у", "о")
                or is_known_word(rest.split("-")[0])
                or is_known_word(rest)
            ):
                return RU_TYPES[form], 1, form in _RU_PLURAL
    return None


_NOM_GENDER = {
    "ый": "m",
    "ий": "m",
    "ая": "f",
    "яя": "f",
    "ое": "n",
    "ее": "n",
    "ые": "p",
    "ие": "p",
}


def _gender_clash(surface: str, name: str) -> bool:
    """True when a nominative place adjective and a gazetteer name differ in gender (Заречный, Заречное)."""
    a, b = _NOM_GENDER.get(surface[-2:].lower()), _NOM_GENDER.get(name[-2:].lower())
    return a is not None and b is not None and a != b and len(surface) > 5


_PATRONYMIC = re.compile(r"(?:ович|евич|овна|евна|ична|улы|кызы)$")
_SURNAME_SHAPE = re.compile(r"(?:ов|ев|ова|ева)$")


def _personal(t: _Tok | None, covered: bool, shape: re.Pattern[str]) -> bool:
    """True when a capitalized neighbour of a bare name is a surname or patronymic in any case form."""
    if t is None or covered or not t.cap or t.abbr or not t.surface[:1].isalpha():
        return False
    if t.lang == "ru" and _glued_preposition(t.surface):
        return False
    forms = kk_stems(t.surface) if t.lang == "kk" else ru_keys(t.surface)
    return any(len(f) >= 5 and shape.search(fold(f)) for f in forms)


def _declined(surface: str, units: list[Unit]) -> bool:
    """True when a Kazakh name carries a case ending («Оралда»), i.e. is not the bare name of a river."""
    f = fold(surface)
    for u in units:
        for name in (u.name, u.name_kk or "", *u.aliases):
            if name and fold(name.split()[0]) == f:
                return False
    return True


def _surface_name(m: Mention) -> str:
    return m.cands[0].name if m.cands else (m.unknown or "")


_TOKEN = re.compile(r"с\.о\.?|р-н[а-я]*|[^\W\d_](?:\w|-(?=\w))*\.?|\d+|[^\w\s]")
_DOT_ABBR = {"г.", "с.", "п.", "ст.", "обл.", "пос.", "гор.", "қ.", "а.", "ауд.", "им.", "с.о."}


def tokenize(text: str) -> list[str]:
    """A plain-text tokenizer for short mentions: «г.Алматы» → ['г.', 'Алматы']."""
    out = []
    for m in _TOKEN.finditer(text):
        w = m.group()
        if w.endswith(".") and w.lower() not in _DOT_ABBR and len(w) > 1:
            out.extend([w[:-1], "."])
        else:
            out.append(w)
    return out


# ---------------------------------------------------------------------------------------------
# the spaCy component


def _extensions() -> None:
    if not Span.has_extension("territory"):
        Span.set_extension("territory", default=None)
    if not Doc.has_extension("region"):
        Doc.set_extension("region", default=None)


class TerritoryRecognizer:
    """Writes `doc.spans["territories"]` (each span's `._.territory` is a TerritoryRef) and `doc._.region`.

    Its gazetteer is data, like a SpanRuler's patterns: given by `initialize(gazetteer=…)` (the
    extraction stage loads it from the database), saved by `to_disk` as `units.jsonl` and read back by
    `from_disk`, so a saved pipeline needs no database. Before `initialize` it is the built-in core."""

    def __init__(self, nlp: Language, name: str, *, title_chars: int = 400) -> None:
        _extensions()
        self.name = name
        self.lang = nlp.lang if nlp.lang in ("ru", "kk") else "ru"
        self.title_chars = title_chars
        self._finder: TerritoryFinder | None = None

    @property
    def finder(self) -> TerritoryFinder:
        """Built on first use (from the built-in core when `initialize` gave no gazetteer)."""
        if self._finder is None:
            self._use(core_gazetteer())
        assert self._finder is not None
        return self._finder

    @property
    def gazetteer(self) -> Gazetteer:
        return self.finder.gaz

    def _use(self, gazetteer: Gazetteer) -> None:
        self._finder = TerritoryFinder(gazetteer, self.lang)
        _morph()  # pymorphy3's dictionaries load once, here rather than inside the first article

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Language | None = None,
        gazetteer: Gazetteer | None = None,
        units: Iterable[dict[str, object]] | None = None,
    ) -> None:
        """Take the gazetteer to resolve against: `gazetteer` (e.g. `get_gazetteer(database_url)`), or
        `units` as rows written by `to_disk` (`[initialize.components.<name>.units]` in a config, e.g.
        `{"@readers": "srsly.read_jsonl.v1", "path": ".../units.jsonl"}`); neither: the built-in core."""
        if gazetteer is None and units is not None:
            gazetteer = Gazetteer.from_rows(units)
        self._use(gazetteer if gazetteer is not None else core_gazetteer())

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        with (path / UNITS_FILE).open("w", encoding="utf-8") as out:
            for row in self.gazetteer.rows():
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        (path / "cfg").write_text(json.dumps({"source": self.gazetteer.source}), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TerritoryRecognizer:
        path = Path(path)
        source = json.loads((path / "cfg").read_text(encoding="utf-8")).get("source", "disk")
        with (path / UNITS_FILE).open(encoding="utf-8") as lines:
            rows = [json.loads(line) for line in lines if line.strip()]
        self._use(Gazetteer.from_rows(rows, str(source)))
        return self

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            doc.spans[SPAN_KEY] = []
            doc._.region = None
            return doc
        # arrays, not Token objects: iterating a Doc costs more than the whole search
        arr = doc.to_array([ORTH, SPACY, SENT_START, IDX]).tolist()
        strings = doc.vocab.strings
        words = [strings[row[0]] for row in arr]
        spaces = [bool(row[1]) for row in arr]
        if doc.has_annotation("SENT_START"):
            sent_starts = [row[2] == 1 for row in arr]
            sent_starts[0] = True
        else:
            sent_starts = [True] + ["\n" in w for w in words[:-1]]
        title_end = 0  # the pipeline's text is «title\nbody»: tokens before the first line break
        for i, w in enumerate(words):
            if arr[i][3] > self.title_chars:
                break
            if "\n" in w or (i and "\n" in words[i - 1] + (" " if spaces[i - 1] else "")):
                title_end = i
                break
        mentions = self.finder.find(words, sent_starts, spaces, title_end=title_end)
        spans = []
        weights: dict[str, float] = defaultdict(float)
        first: dict[str, int] = {}
        for m in mentions:
            span = Span(doc, m.start, m.end, label=LABEL)
            span._.territory = m.ref
            spans.append(span)
            region = _region_of(m.ref, self.finder.gaz)
            if region:
                weights[region] += 3.0 if m.in_title else 1.0
                first.setdefault(region, m.start)
        doc.spans[SPAN_KEY] = spans
        doc._.region = max(weights, key=lambda r: (weights[r], -first[r])) if weights else None
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in stream:
            yield self(doc)


def _region_of(ref: TerritoryRef | None, gaz: Gazetteer) -> str | None:
    if ref is None:
        return None
    if ref.kato:
        top = gaz.by_kato.get(ref.kato[:2] + "0000000")
        return top.kato if top is not None else ref.kato[:2] + "0000000"
    top_unit = gaz.top_unit(ref.path[0]) if ref.path else None
    return top_unit.kato if top_unit is not None else None


@Language.factory(
    "newsmon_territories",
    default_config={"title_chars": 400},
    assigns=["doc.spans", "span._.territory", "doc._.region"],
)
def make_territories(nlp: Language, name: str, title_chars: int) -> TerritoryRecognizer:
    """Territory mentions resolved against the gazetteer `initialize` gives (by default the built-in
    core; the extraction stage gives the KATO import merged with the core)."""
    return TerritoryRecognizer(nlp, name, title_chars=title_chars)


__all__ = [
    "SPAN_KEY",
    "TerritoryFinder",
    "TerritoryRecognizer",
    "kk_keys",
    "lookup",
    "make_territories",
    "resolve",
    "ru_keys",
    "tokenize",
]
