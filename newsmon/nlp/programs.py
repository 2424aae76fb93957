"""Programmes, projects and initiatives in Russian and Kazakh, resolved to one canonical name.

`newsmon_programs` writes `doc.spans["programs"]`; each span has `span._.program`, a `ProgramFact` with the canonical name
(nominative, no quotes), and its text is the mention as written. Sources:
- known programmes from `newsmon/data/programs.yaml` (names, Russian and Kazakh names, variants, kind,
  source) plus `settings.programs_file`, matched in any case form, with Kazakh suffixes, Kazakh or
  Russian letters and any dash («Ауыл аманатына», «Ауыл-Ел бесігі», «5 – 20 – 25»); a Kazakh mention
  of a programme known by its Russian name gets the Russian name («Жайлы мектеп» → Комфортная школа);
- a quoted name next to a programme word, after it («программа "…"», «Мемлекеттік бағдарлама "…"») or
  before it («"…" бағдарламасы», «"…" – это программа», a quoted heading over the programme's
  description), coordinated names («"A", "B" және "C" бағдарламалары»), hashtags after one;
- a capitalised name without quotes after «программа» / «ипотека» («ипотека Отау») or before a Kazakh
  «бағдарламасы» / «ипотекасы» («биыл Жас Өркен бағдарламасы»).
Not programmes: quotes owned by a place, body or work («ЖК "Шаңырақ"», «"X" орталығы», «"X" әні»),
slogans and hashtag lists of a campaign, TV shows, owners after the programme word («программа ЕС»).
Unknown names are one per article whatever their dashes; once a quoted name is a programme in an
article, its other quoted mentions there are too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import ensure_path

from newsmon.errors import ConfigError
from newsmon.nlp.amounts import link_amounts_to_programs
from newsmon.nlp.records import ProgramFact
from newsmon.settings import PACKAGE_DIR
from newsmon.text import RU_TWINS, fold

SPAN_KEY = "programs"
LABEL = "PROGRAM"
BUILTIN_FILE = PACKAGE_DIR / "data" / "programs.yaml"

_L = "a-zA-Zа-яА-ЯёЁәғқңөұүһіӘҒҚҢӨҰҮҺІ"
_LOW = "a-zа-яёәғқңөұүһіǵńúý"
_NB = rf"(?<![{_L}])"
_NA = rf"(?![{_L}\d])"

# ---- the programme list -------------------------------------------------------------------------


class ProgramEntry(BaseModel):
    """One entry of programs.yaml."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    variants: list[str] = Field(default_factory=list)
    context: Literal["auto", "required", "optional"] = "auto"
    # documentation of the entry (the built-in list fills them all; user files may omit them):
    ru: str | None = None  # the official Russian name, matched like a variant
    kk: str | None = None  # the official Kazakh name, matched like a variant
    kind: str | None = None  # state, national_project, housing, business, rural, campaign, …
    source: str | None = None  # where the names were taken from (gov.kz, adilet.zan.kz, …)


@dataclass(frozen=True)
class Program:
    name: str
    variants: tuple[str, ...]
    needs_context: bool = False
    context_set: bool = False  # False: one-word names need context, longer ones do not
    kind: str | None = None
    source: str | None = None
    ru: str | None = None  # the official Russian and Kazakh names (programs.yaml `ru`, `kk`)
    kk: str | None = None

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.variants)


def _entries(data: Any, path: Path) -> list[Any]:
    if isinstance(data, dict) and set(data) == {"programs"}:
        data = data["programs"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a list of programmes under `programs:`")
    return data


def load_programs(path: Path) -> list[Program]:
    """Programmes from one YAML file; ConfigError names the entry and field of any mistake."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"programmes file not found: {path} (check NEWSMON_PROGRAMS_FILE)"
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    out: list[Program] = []
    for i, raw in enumerate(_entries(data, path), start=1):
        label = raw.get("name") if isinstance(raw, dict) else None
        where = f"{path}: entry {i}" + (
            f" ({label.strip()})" if isinstance(label, str) and label.strip() else ""
        )
        if not isinstance(raw, dict):
            raise ConfigError(
                f"{where}: expected a mapping with `name` and optional `variants`, `context`"
            )
        try:
            entry = ProgramEntry.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "entry"
            raise ConfigError(f"{where}: field `{field}`: {err['msg']}") from None
        fields = [
            ("name", entry.name),
            *((f"variants.{k}", v) for k, v in enumerate(entry.variants)),
            *((f, v) for f, v in (("ru", entry.ru), ("kk", entry.kk)) if v is not None),
        ]
        names: list[str] = []
        for field, n in fields:
            if not n.strip():
                raise ConfigError(f"{where}: field `{field}`: empty name")
            if n.strip() not in names:
                names.append(n.strip())
        out.append(
            Program(
                " ".join(names[0].split()),
                tuple(names[1:]),
                entry.context == "required",
                entry.context != "auto",
                entry.kind,
                entry.source,
                entry.ru,
                entry.kk,
            )
        )
    return out


def default_programs(extra_file: Path | None = None, builtin: bool = True) -> list[Program]:
    """The built-in list merged with `extra_file` (the caller's `settings.programs_file`, if any);
    later entries win."""
    programs = load_programs(BUILTIN_FILE) if builtin else []
    if extra_file:
        programs += load_programs(Path(extra_file))
    return programs


# ---- matching -----------------------------------------------------------------------------------

_KK_TWINS = RU_TWINS
_DASHES = "-–—"
_QUOTES = '«»"“”„'


def name_key(name: str) -> str:
    """Comparison key: lower case, Kazakh letters folded, quotes dropped, dashes and spaces squeezed."""
    s = fold(name)
    s = re.sub(f"[{_QUOTES}']", " ", s)
    s = re.sub(rf"\s*[{_DASHES}]\s*", "-", s)
    return " ".join(s.split())


def _char_rx(c: str) -> str:
    low = fold(c)
    twins = _KK_TWINS.get(low)
    if twins:
        chars = twins.upper() if c.isupper() else twins
        return f"[{chars}]"
    return re.escape(c)


_ADJ_END = re.compile(r"(?:ая|яя|ый|ий|ой|ое|ее|ые|ие)$")


def _word_rx(word: str, last: bool, first: bool) -> str:
    """A word that may take case endings (Russian) or suffixes (Kazakh)."""
    tail = 7 if last else 3
    if len(word) >= 5 and _ADJ_END.search(word):
        stem, ending = word[:-2], rf"[{_LOW}]{{1,3}}"
    elif len(word) >= 4 and word[-1].lower() in "аяыіиоеь" and word[-1].isalpha():
        stem, ending = word[:-1], rf"[{_LOW}]{{0,{tail}}}"
    elif word[-1].isalpha():
        stem, ending = word, rf"[{_LOW}]{{0,{tail}}}"
    else:
        stem, ending = word, ""
    head = _char_rx(stem[0]) if first else "(?i:" + _char_rx(stem[0]) + ")"
    rest = "".join(_char_rx(c) for c in stem[1:])
    return head + f"(?i:{rest}{ending})"


_PREFIX_FOLD = str.maketrans("\u00a0\t\n\r\u202f–—", "     --")  # after text.fold


def _prefix_char_rx(c: str) -> str:
    """A folded prefix letter as a character class: «а» → [аә], «-» → any dash, « » → any space."""
    if c == "-":
        return "[-–—]"
    if c == " ":
        return r"\s"
    return f"[{_KK_TWINS[c]}]" if c in _KK_TWINS else re.escape(c)


def _prefix(name: str) -> str:
    return fold(name[:2]).translate(_PREFIX_FOLD)


def variant_rx(name: str) -> str:
    """A name in any case form, with any dash (spaced or not) where it has one: «5-20-25» = «5 – 20 – 25»."""
    parts = re.split(rf"(\s*[{_DASHES}]\s*|\s+)", name.strip())
    words, seps = parts[0::2], parts[1::2]
    out = []
    for k, w in enumerate(words):
        if k:
            out.append(r"\s*[-–—]\s*" if seps[k - 1].strip() else r"\s+")
        out.append(_word_rx(w, last=k == len(words) - 1, first=k == 0))
    return "".join(out)


_RU_TRIGGER = (
    r"(?:гос|под|нац)?программ(?:а|ы|е|у|ой|ою|ам|ами|ах)?|(?:нац|мега)?проект(?:а|у|ом|е|ы|ов|ам|ами|ах)?"
    r"|инициатив(?:а|ы|е|у|ой|ам|ами|ах)?|акци(?:я|и|ю|ей|ям|ями|ях)|кампани(?:я|и|ю|ей|ям|ями|ях)"
    r"|ипотек(?:а|и|е|у|ой|ою)|стипенди(?:я|и|ю|ей)"
)
_KK_TRIGGER = (
    r"бағдарлама[а-яәғқңөұүһі]{0,8}|жоба[а-яәғқңөұүһі]{0,8}|бастама[а-яәғқңөұүһі]{0,8}"
    r"|акция[а-яәғқңөұүһі]{0,6}|науқан[а-яәғқңөұүһі]{0,6}|ипотека[а-яәғқңөұүһі]{0,6}"
    r"|стипендия[а-яәғқңөұүһі]{0,6}"
)
TRIGGER = re.compile(rf"{_NB}(?:(?P<ru>{_RU_TRIGGER})|(?P<kk>{_KK_TRIGGER})){_NA}", re.IGNORECASE)
KK_TRIGGER_AFTER = re.compile(rf"(?:{_KK_TRIGGER}){_NA}", re.IGNORECASE)
# a Kazakh programme word names what follows it only in the nominative («Мемлекеттік бағдарлама
# "Еңбек"»); a case form («бағдарламаларды енгізу нәтижесінде "X"») is the end of its own phrase
_KK_NOMINATIVE = re.compile(
    r"(?:бағдарлама|жоба|бастама|акция|науқан|ипотека|стипендия)(?:сы|ы)?", re.IGNORECASE
)
# words that make the quoted name something else: an organisation, a law, a building
_BLOCKERS = set(
    "тоо ао оо ип ргп гкп кгп нао оф оюл жшс ақ кеақ мкк рмк компании компания компанией компаний фонда фонд "
    "фондом банка банк банком газеты журнала агентства телеканала издания партии партия партией закона "
    "законопроекта закон постановления приказа указа кодекса решения жк комплекса центра заң заңы заңның "
    "қаулы қаулысы жарлық жарлығы бұйрық бұйрығы кодекс кодексі "
    # a named event or work inside a programme is not the programme: «неделя "Таза өлке"»
    "неделя недели неделю неделе день дня мероприятие мероприятия конкурс конкурса фестиваль фестиваля "
    "турнир турнира форум форума выставка выставки фильм фильма книга книги апта аптасы күні іс-шара "
    # a slogan, motto or hashtag of a campaign is not a campaign: «неделя кампании под слоганом "X"»
    "слоган слогана слоганом слоганы девиз девиза девизом лозунг лозунга лозунгом хештег хештеги "
    "хештегом хештегами хэштег хэштеги хэштегом хэштегами ұран ұраны ұранымен хештегі хэштегі "
    # a place or team named like a programme: «детский сад "Балапан"», «ЖК "Шаңырақ"»
    "сад сада саду садик садика детсад детсада балабақша балабақшасы ясли университет университета "
    "колледж колледжа лицей лицея гимназия гимназии школа школы мектеп мектебі ресторан ресторана кафе "
    "магазин магазина тц трц кск оси мкр микрорайон микрорайона ықшамаудан ықшамауданы телеканал "
    "команда команды клуб клуба ансамбль ансамбля санаторий санатория".split()
)
# Kazakh puts the head noun after the quotes: «"Шаңырақ" тұрғын үй кешені», «"Таза аула" ұранымен»,
# «"Біз біргеміз" әнін», «"X" мақаласында» (stems: any suffix may follow)
_HEADS_AFTER = re.compile(
    r"(?:(?:ұран|хештег|хэштег|апта|күні|іс-шара|кешен|балабақша|мектеб|аурухана|орталығ|орталық"
    r"|банкі|серіктестіг|компания|ұжым|команда|клуб|журнал|газет|телеарна|арнасы|театр"
    r"|мейрамхана|дүкен|ықшамаудан|фильм|кітаб|байқау|фестивал|турнир|форум|көрме|бекет|пойыз"
    r"|әні|әнін|әнге|мақала|зертхана|қосымша|жүйе|операция|шығарылым|жүргізуші|телехабар|хабары)"
    rf"[{_L}]*|қоры|қорының|қорынан|қорына|қорында)",
    re.IGNORECASE,
)


def _head_after(text: str, pos: int) -> bool:
    """Whether the next three words after `pos` (a closing quote) hold a head noun of another kind
    before any programme word: «"X" тұрғын үй кешені» yes, «"X" тұрғын үй бағдарламасы» no."""
    for w in re.findall(rf"[{_L}\d]+(?:-[{_L}]+)?", text[pos : pos + 50])[:3]:
        if _HEADS_AFTER.fullmatch(w):
            return True
        if KK_TRIGGER_AFTER.fullmatch(w):
            return False
    return False


# the name after these belongs to another phrase: «кампании, которая … - это неделя "X"», «акцию и … "X"»,
# «участников кампании в соцсетях: #A, #B» (a colon opens a list of something else)
_GAP_BREAK = re.compile(
    r"[,:»”()]|\s[-–—]\s|(?<![\w])(?:и|а|но|или|также|және|мен|бен|пен|немесе)(?![\w])",
    re.IGNORECASE,
)
# an organisation named right after the quotes: «"Самұрық-Қазына" АҚ», «"Казатомпром" ЖШС»
_ORG_AFTER = re.compile(r"\s*(?:ТОО|АО|АҚ|ЖШС|КеАҚ|НАО|РГП|ГКП|КГП|ОО|ҚБ|ЖК|LLP|JSC)(?![\w])")
_OPENER = re.compile(r"[«\"“„#]")
_OPEN_CLOSE = {"«": "»", '"': '"', "“": "”", "„": "“"}
_CLOSE_OPEN = {"»": "«", '"': '"', "”": "“", "“": "„"}
_SENT_PUNCT = re.compile(r"[.!?;\n]")
_WORD = re.compile(rf"[{_L}\d]+")
_HASHTAG = re.compile(r"#[\w]{2,40}")
_PREV_QUOTE = re.compile(
    r"[»\"”](?:\s*,\s*|\s*,?\s+(?:және|мен|бен|пен|и|а также)\s+)$", re.IGNORECASE
)
_NEXT_QUOTE = re.compile(
    r"\s*(?:,|и|а также|және|мен|бен|пен)\s*(?=[«\"“„#])", re.IGNORECASE
)  # «"A" и "B"»
# a quoted name before a Russian programme word: «"X" – это государственная программа», «"X" является
# проектом»; before a Kazakh one: «"X" бағдарламасы», «"X"-ке арналған жоба», «"X" – бұл бағдарлама»
_RU_BEFORE_GAP = re.compile(
    r"\s*(?:[-–—]\s*(?:это\s+)?|(?:является|являлся|являлась|стал|стала|стало)\s+)"
    r"(?:[а-яё]+(?:ая|ый|ий|ое|ой|ую|ым|ей|ого)\s+){0,2}",
    re.IGNORECASE,
)
_KK_BEFORE_GAP = re.compile(
    r"(?:-?[а-яәғқңөұүһі]{0,6})?(?:\s*[-–—]\s*(?:бұл\s+)?)?[\s\w-]*",
    re.IGNORECASE,
)
# a verb between the quotes and the programme word makes the quoted words its object: «"Токамакты"
# пайдалануға беру бағдарламасы», «"X" қосымшасын жүктеген … бағдарламасы» (verbal nouns, participles)
_KK_VERB = re.compile(
    rf"(?!(?:деген|арналған|бағытталған|аталатын|аталған|аталады)$)[{_L}]{{3,}}"
    r"(?:у|ю|уға|уге|уды|уді|уын|уін|ған|ген|қан|кен|атын|етін|йтын|йтін)",
    re.IGNORECASE,
)
# a quoted heading followed by the programme's description: on its own line, by any description
# («"Жас кәсіпкер"\nПрограмма направлена …»); after «.» or «:» on the same line, only by one that
# points back at it («"X". Эта программа …», «"X": бұл жоба …»), as quoted speech («"Мы довольны".
# Программа …») is not a heading
_HEADING_GAP = re.compile(
    rf"(?:[.:]?[ \t]*\n\s*(?P<lead>(?:[{_L}]+\s+){{0,2}})"
    rf"|[.:]\s+(?P<pointer>(?:эта|этот|данная|данный|бұл|аталған|осы)\s+(?:[{_L}]+\s+)?))",
    re.IGNORECASE,
)
_LINE_START = re.compile(r"(?:^|[\n.!?])[\s«\"“„—–-]*$")
# a capitalised name without quotes after «программа» / «ипотека»: «по программе Баспана Хит»,
# «ипотека Отау», «программа 2-10-20»
_CAP_WORD = rf"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][{_L}]*"
_CODE = r"\d{1,2}(?:\s?[-–—]\s?\d{1,2}){2,3}"
_BARE_AFTER = re.compile(
    rf"{_NB}(?:(?:гос)?программ(?:а|ы|е|у|ой)|ипотек(?:а|и|е|у|ой))[ \u00a0]+"
    rf"(?P<name>{_CODE}|{_CAP_WORD}(?:[ \u00a0]+(?:{_CAP_WORD}|\d{{4}}))*(?:[ \u00a0]?[-–—][ \u00a0]?\d{{2,4}})?)"
    rf"{_NA}"
)
# Russian oblique-case endings: «программа Минздрава», «программы Евросоюза» name an owner, not a programme
_RU_OBLIQUE = re.compile(r"(?:а|я|ы|и|ой|ей|ого|его|ом|ем|ов|ев|ам|ям|ах|ях|ую|ию)$")
# Kazakh order without quotes: «биыл Жас Өркен бағдарламасы», «Отау ипотекасы»
_KK_CASE_END = re.compile(
    r"(?:ның|нің|дың|дің|тың|тің|ға|ге|қа|ке|на|не|да|де|та|те|нда|нде|нан|нен|дан|ден|тан|тен"
    r"|ды|ді|ты|ті|ны|ні|мен|бен|пен|сы|сі)$",
    re.IGNORECASE,
)
_NOT_NAMES = {
    name_key(w)
    for w in [
        "Елбасы",
        "Президент",
        "Президенттің",
        "Үкімет",
        "Мемлекет",
        "Мемлекеттік",
        "Қазақстан",
        "Республика",
        "Республикалық",
        "Ұлттық",
        "Министрлік",
        "Әкімдік",
        "Программа",
        "Бағдарлама",
        "Жоба",
        # Russian words capitalised after «программа» that name its owner or place, not it
        "Казахстан",
        "Россия",
        "РК",
        "Правительство",
        "Министерство",
        "Акимат",
    ]
}


@dataclass
class Mention:
    start: int
    end: int
    program: str
    known: bool


def _valid_name(name: str) -> bool:
    words = name.split()
    if not 1 <= len(words) <= 8 or len(name) < 2:
        return False
    if not (name[0].isupper() or name[0].isdigit() or name[0] == "#"):
        return False
    low = name.lower()
    return not (
        low.startswith(("о ", "об "))
        or low.endswith("туралы")
        or any(c in _QUOTES for c in name)
        or not (any(c.isalpha() for c in name) or _CODE_NAME.fullmatch(name))
    )


# a programme named by its terms: «7-20-25», «2 – 10 – 20»
_CODE_NAME = re.compile(r"\d{1,2}(?:\s*[-–—]\s*\d{1,2}){2,3}")


def _tidy(name: str) -> str:
    """An unknown name as it is stored: spaces squeezed, a code without spaces («2 – 10 – 20» → 2-10-20)."""
    name = " ".join(name.strip(" .,:;").split())
    return re.sub(r"\s*[-–—]\s*", "-", name) if _CODE_NAME.fullmatch(name) else name


# a programme on television is a show: «"X" бағдарламасының жүргізушісі», «ведущий программы "X"»
_TV = re.compile(
    r"(?<![\w])(?:жүргізуші|шығарылым|эфир|телеарна|көрермен|телехабар|ведущ(?:ий|ая|его|ей|ие|им)"
    r"|телеканал|телезрител|передач[аиеу])",
    re.IGNORECASE,
)


def _on_tv(text: str, start: int, end: int) -> bool:
    """Whether the sentence around `start`…`end` speaks of television."""
    lo = max(0, start - 150)
    cut = _SENT_PUNCT.search(text[lo:start][::-1])
    lo = start - cut.start() if cut else lo
    hi = _SENT_PUNCT.search(text, end, end + 150)
    return bool(_TV.search(text, lo, hi.start() if hi else min(len(text), end + 150)))


class ProgramFinder:
    """Finds programme mentions in a text; built once per pipeline."""

    def __init__(self, programs: Iterable[Program], max_gap_words: int = 6) -> None:
        self.programs = list(programs)
        self.max_gap_words = max_gap_words
        self.by_key: dict[str, Program] = {}
        # known names are tried only where a word starts with one of their first two letters
        self.by_prefix: dict[str, list[tuple[re.Pattern[str], Program, bool, int]]] = {}
        for prog in reversed(self.programs):  # a later file's entry wins over an earlier one
            for n in prog.names():
                self.by_key.setdefault(name_key(n), prog)
                needs = prog.needs_context if prog.context_set else len(n.split()) == 1
                rx = re.compile(variant_rx(n) + _NA)
                for pre in {_prefix(n), _prefix(n).replace("-", " ")}:  # «5-20-25», «5 – 20 – 25»
                    self.by_prefix.setdefault(pre, []).append((rx, prog, needs, len(n)))
        for group in self.by_prefix.values():
            group.sort(key=lambda g: -g[3])
        # where a known name may start: its first letter in its case, then its second letter (one
        # pattern in C, so the per-name patterns run only there: 5x fewer tries on news than one
        # letter in any case)
        alts = {
            _char_rx(n[0]) + f"(?i:{_prefix_char_rx(pre[1])})"
            for prog in self.programs
            for n in prog.names()
            for pre in {_prefix(n), _prefix(n).replace("-", " ")}
            if len(pre) == 2
        }
        self.candidates = re.compile(rf"(?<![\w#-])(?=(?:{'|'.join(sorted(alts))}))")

    def _match_known(
        self, text: str, pos: int, full_end: int | None = None
    ) -> tuple[int, Program, bool] | None:
        group = self.by_prefix.get(_prefix(text[pos : pos + 2]))
        if not group:
            return None
        for rx, prog, needs, _ in group:
            m = rx.fullmatch(text, pos, full_end) if full_end is not None else rx.match(text, pos)
            if m:
                return m.end(), prog, needs
        return None

    def canonical(self, name: str) -> tuple[str, bool]:
        """The canonical name of a quoted name, and whether it is a known programme.

        A known name followed by a heading separator is a named edition of it and stays whole:
        «"Таза Қазақстан. Астана – образец чистоты"» is its own name, not «Таза Қазақстан»."""
        prog = self.by_key.get(name_key(name))
        if prog is None:
            got = self._match_known(name, 0, len(name))
            prog = got[1] if got else None
        if prog is not None:
            return prog.name, True
        clean = _tidy(name)
        got = self._match_known(clean, 0)
        if got is not None and re.match(r"[.:!?]\s+\S", clean[got[0] :]):
            return clean, True
        return clean, False

    def find(self, text: str) -> list[Mention]:
        found: list[Mention] = list(self._known(text))
        unknown = [
            *self._quoted_after_trigger(text),
            *self._quoted_before_trigger(text),
            *self._bare_after_trigger(text),
            *self._bare_before_kk_trigger(text),
        ]
        # one name per programme in an article: «Алматы - наш общий дом» = «Алматы – наш общий дом»
        first: dict[str, str] = {}
        for m in sorted(unknown, key=lambda m: m.start):
            m.program = first.setdefault(name_key(m.program), m.program)
        unknown = [m for m in unknown if m.known or not _on_tv(text, m.start, m.end)]
        found.extend(unknown)
        established = {m.program for m in unknown}
        if established:
            found.extend(self._other_mentions(text, established))
        return _dedupe(found)

    # known names anywhere (single words only in quotes or by a programme word)
    def _known(self, text: str) -> Iterator[Mention]:
        pos = 0
        while (c := self.candidates.search(text, pos)) is not None:
            s = c.start()
            got = self._match_known(text, s)
            if got is None:
                pos = s + 1
                continue
            end, prog, needs = got
            pos = end
            if s and text[s - 1] in _OPEN_CLOSE:
                # in quotes: the quoted name must be this one, an edition of it («"Таза Қазақстан.
                # Астана – …"») or it with a year; «"Нұрлы жол – Ақтөбе" пойызы» is something else
                whole = self._quoted_at(text, s - 1)
                if whole is None:
                    close = text.find(_OPEN_CLOSE[text[s - 1]], end, end + 90)
                    if close != end and not re.fullmatch(r"[\s\d–—-]*", text[end:close]):
                        continue
                elif whole[0].end > end:
                    if whole[0].known:
                        yield whole[0]
                    elif not re.fullmatch(r"[\s\d–—-]*", text[end : whole[0].end]):
                        continue
                if self._owned(text, s - 1, text.find(_OPEN_CLOSE[text[s - 1]], end, end + 90)):
                    continue
            # a name that holds its own programme word («Программа развития регионов») needs no other
            if not needs or TRIGGER.search(text, s, end) or self._has_context(text, s, end):
                yield Mention(s, end, prog.name, True)

    @staticmethod
    def _owned(text: str, open_: int, close: int) -> bool:
        """Whether the quotes at `open_`…`close` name a place, body or work rather than a programme:
        «ЖК "Шаңырақ"», «детский сад "Балапан"», «"Бақытты отбасы" орталығы», «"X" ЖШС»."""
        owner = _WORD.findall(text[max(0, open_ - 30) : open_])
        if owner and owner[-1].lower() in _BLOCKERS:
            return True
        return close >= 0 and bool(
            _ORG_AFTER.match(text, close + 1) or _head_after(text, close + 1)
        )

    def _has_context(self, text: str, start: int, end: int) -> bool:
        before = text[max(0, start - 60) : start]
        after = text[end : end + 40]
        if before.endswith(tuple(_OPEN_CLOSE)) and after.startswith(tuple(_CLOSE_OPEN)):
            return True  # quoted alone (owners were ruled out by the caller)
        last = list(TRIGGER.finditer(before))
        if (
            last
            and len(_WORD.findall(before[last[-1].end() :])) <= 2
            and not _SENT_PUNCT.search(before[last[-1].end() :])
        ):
            return True
        nxt = re.match(rf"[\s»\"”]*([{_L}]+)", after)
        return bool(nxt and KK_TRIGGER_AFTER.fullmatch(nxt.group(1)))

    def _quoted_after_trigger(self, text: str) -> Iterator[Mention]:
        """«программа "X"», «в проекте акимата района "X"», «акция #X», «Мемлекеттік бағдарлама "X"»."""
        for t in TRIGGER.finditer(text):
            kazakh = t.group("kk") is not None
            if kazakh and not _KK_NOMINATIVE.fullmatch(t.group()):
                continue
            pos = t.end()
            q = _OPENER.search(text, pos, pos + 120)
            if q is None:
                continue
            gap = text[pos : q.start()]
            if _SENT_PUNCT.search(gap) or _GAP_BREAK.search(gap):
                continue
            gap_words = _WORD.findall(gap)
            if len(gap_words) > (1 if kazakh else self.max_gap_words) or any(
                w.lower() in _BLOCKERS for w in gap_words
            ):
                continue
            start = q.start()
            while True:
                got = self._quoted_at(text, start)
                if got is None:
                    break
                yield got[0]
                nxt = _NEXT_QUOTE.match(text, got[1])
                if nxt is None:
                    break
                start = nxt.end()

    def _quoted_at(self, text: str, start: int) -> tuple[Mention, int] | None:
        """The quoted name (or hashtag) opening at `start`, and the offset after it."""
        opener = text[start]
        if opener == "#":
            h = _HASHTAG.match(text, start)
            if h is None:
                return None
            return Mention(h.start(), h.end(), h.group(), False), h.end()
        close = text.find(_OPEN_CLOSE[opener], start + 1, start + 90)
        if close < 0:
            return None
        inner = text[start + 1 : close]
        if (
            "\n" in inner
            or inner != inner.strip()
            or not _valid_name(inner)
            or _ORG_AFTER.match(text, close + 1)
            or _head_after(text, close + 1)
        ):
            return None
        name, known = self.canonical(inner)
        return Mention(start + 1, close, name, known), close + 1

    def _quoted_ending_at(self, text: str, close: int) -> Mention | None:
        """The quoted name whose closing quote is at `close`."""
        open_ = text.rfind(_CLOSE_OPEN[text[close]], max(0, close - 90), close)
        if open_ < 0:
            return None
        inner = text[open_ + 1 : close]
        if "\n" in inner or inner != inner.strip() or not _valid_name(inner):
            return None
        name, known = self.canonical(inner)
        return Mention(open_ + 1, close, name, known)

    def _quoted_before_trigger(self, text: str) -> Iterator[Mention]:
        """A quoted name before its programme word: «"Ауыл аманаты" бағдарламасы», «"Нұрлы жер"
        тұрғын үй бағдарламасы», «"X" – это государственная программа», and a quoted heading
        followed by the programme's description («"X"\nПрограмма направлена на …»)."""
        for t in TRIGGER.finditer(text):
            s = t.start()
            back = text[max(0, s - 80) : s]
            closes = [i for i, c in enumerate(back) if c in _CLOSE_OPEN]
            if not closes:
                continue
            ci = closes[-1]
            close = s - len(back) + ci
            gap = back[ci + 1 :]
            m = self._before(text, t, close, gap)
            while m is not None:
                yield m
                # «"Қамқор", "Жас ана" және "Жас кәсіпкер" бағдарламалары»: the names before it
                prev = _PREV_QUOTE.search(text, max(0, m.start - 20), m.start - 1)
                m = self._quoted_ending_at(text, prev.start()) if prev else None

    def _before(self, text: str, t: re.Match[str], close: int, gap: str) -> Mention | None:
        heading = _HEADING_GAP.fullmatch(gap)
        if heading is not None:
            # the description's sentence starts at the word after the separator; the heading starts
            # its own line or sentence
            if not (heading.group("pointer") or (heading.group("lead") or t.group())[0].isupper()):
                return None
            m = self._quoted_ending_at(text, close)
            if m is None or not _LINE_START.search(text, 0, m.start - 1):
                return None
            return m
        if t.group("kk") is not None:
            gap_words = _WORD.findall(gap)
            if (
                len(gap_words) > 3
                or _SENT_PUNCT.search(gap)
                or any(
                    w.lower() in _BLOCKERS or _HEADS_AFTER.fullmatch(w) or _KK_VERB.fullmatch(w)
                    for w in gap_words
                )
                or not _KK_BEFORE_GAP.fullmatch(gap)
            ):
                return None
            return self._quoted_ending_at(text, close)
        if _RU_BEFORE_GAP.fullmatch(gap) and text[close] != "“":
            return self._quoted_ending_at(text, close)
        return None

    def _bare_after_trigger(self, text: str) -> Iterator[Mention]:
        """A capitalised name without quotes after «программа» or «ипотека»: «по программе Баспана
        Хит», «ипотека Отау», «программа 2-10-20»; not an owner in the genitive («программа ЕС»,
        «программы Минздрава»)."""
        for m in _BARE_AFTER.finditer(text):
            name = m.group("name")
            words = name.split()
            first = words[0]
            if not first[0].isdigit():
                if first.isupper() and len(first) > 1:
                    continue
                if name_key(first) in _NOT_NAMES:
                    continue
                last = [w for w in words if not w[0].isdigit()][-1]
                if not re.search("[ӘҒҚҢӨҰҮҺІәғқңөұүһіA-Za-z]", name) and _RU_OBLIQUE.search(
                    last.lower()
                ):
                    continue
            canon, known = self.canonical(name)
            yield Mention(m.start("name"), m.end("name"), canon, known)

    def _bare_before_kk_trigger(self, text: str) -> Iterator[Mention]:
        """Capitalised words without quotes before a Kazakh programme word: «биыл Жас Өркен
        бағдарламасы», «Отау ипотекасы»; a sentence's first word is not taken for a name."""
        for t in KK_TRIGGER_AFTER.finditer(text):
            s = t.start()
            # only «бағдарлама» and «ипотека»: «жоба» is also a draft («Кеңес жобасы»), «бастама»
            # someone's initiative («Назарбаев бастамалары»)
            if (s and text[s - 1].isalpha()) or not t.group().startswith(("бағдарлама", "ипотека")):
                continue
            words = list(re.finditer(rf"[{_L}\d]+(?:-[{_L}\d]+)*", text[max(0, s - 80) : s]))
            base = max(0, s - 80)
            names: list[re.Match[str]] = []
            end = s
            for w in reversed(words):
                between = text[base + w.end() : end]
                if between.strip() or not w.group()[0].isupper() or len(names) == 3:
                    break
                names.insert(0, w)
                end = base + w.start()
            if names and _LINE_START.search(text, 0, base + names[0].start()):
                names = names[1:]  # the sentence's first word is capitalised anyway
            if not names:
                continue
            name = text[base + names[0].start() : base + names[-1].end()]
            if (
                any(w.group().isupper() and len(w.group()) > 1 for w in names)
                or name_key(names[0].group()) in _NOT_NAMES
                or _KK_CASE_END.search(names[-1].group())
            ):
                continue
            canon, known = self.canonical(name)
            yield Mention(base + names[0].start(), base + names[-1].end(), canon, known)

    def _other_mentions(self, text: str, names: set[str]) -> Iterator[Mention]:
        """Other quoted mentions (and hashtags) of names already found to be programmes here."""
        for name in names:
            if name.startswith("#"):
                rx = re.compile(re.escape(name) + r"(?!\w)")
                for m in rx.finditer(text):
                    yield Mention(m.start(), m.end(), name, False)
                continue
            rx = re.compile(r"[«\"“„](" + re.escape(name) + r")[»\"”“]")
            for m in rx.finditer(text):
                yield Mention(m.start(1), m.end(1), name, False)


def _dedupe(mentions: list[Mention]) -> list[Mention]:
    """Overlapping mentions: the known programme first, then the longer one (clusters of overlaps, linear)."""
    out: list[Mention] = []
    cluster: list[Mention] = []
    cluster_end = -1
    for m in [
        *sorted(mentions, key=lambda m: (m.start, m.end)),
        Mention(1 << 62, 1 << 62, "", False),
    ]:
        if cluster and m.start >= cluster_end:
            kept: list[Mention] = []
            for c in sorted(cluster, key=lambda c: (not c.known, -(c.end - c.start), c.start)):
                if all(c.end <= o.start or c.start >= o.end for o in kept):
                    kept.append(c)
            out.extend(sorted(kept, key=lambda c: c.start))
            cluster = []
        cluster.append(m)
        cluster_end = max(cluster_end, m.end) if len(cluster) > 1 else m.end
    return out


# ---- spaCy --------------------------------------------------------------------------------------

if not Span.has_extension("program"):
    Span.set_extension("program", default=None)


class ProgramsComponent:
    """spaCy component: `doc.spans["programs"]` with `span._.program`; links amounts when present."""

    def __init__(
        self, nlp: Language, name: str, programs_file: str | None, builtin: bool, max_gap_words: int
    ) -> None:
        self.name = name
        self.max_gap_words = max_gap_words
        self.programs = default_programs(Path(programs_file) if programs_file else None, builtin)
        self.finder = ProgramFinder(self.programs, max_gap_words)

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        for m in self.finder.find(doc.text):
            span = doc.char_span(m.start, m.end, label=LABEL, alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            span._.program = ProgramFact(m.program)
            spans.append(span)
        doc.spans[SPAN_KEY] = spans
        if "amounts" in doc.spans:
            link_amounts_to_programs(doc)
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        data = [
            {
                "name": p.name,
                "variants": list(p.variants),
                "context": ("required" if p.needs_context else "optional")
                if p.context_set
                else "auto",
                "kind": p.kind,
                "source": p.source,
                "ru": p.ru,
                "kk": p.kk,
            }
            for p in self.programs
        ]
        (path / "programs.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"
        )

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> ProgramsComponent:
        data = json.loads((ensure_path(path) / "programs.json").read_text(encoding="utf-8"))
        self.programs = [
            Program(
                d["name"],
                tuple(d["variants"]),
                d["context"] == "required",
                d["context"] != "auto",
                d.get("kind"),
                d.get("source"),
                d.get("ru"),
                d.get("kk"),
            )
            for d in data
        ]
        self.finder = ProgramFinder(self.programs, self.max_gap_words)
        return self


@Language.factory(
    "newsmon_programs",
    assigns=["doc.spans", "span._.program"],
    default_config={"programs_file": None, "builtin": True, "max_gap_words": 6},
)
def make_programs(
    nlp: Language, name: str, programs_file: str | None, builtin: bool, max_gap_words: int
) -> ProgramsComponent:
    """Programme mentions as `doc.spans["programs"]`: the built-in catalogue (`builtin`) merged with
    `programs_file` (the pipeline builder passes `settings.programs_file`)."""
    return ProgramsComponent(nlp, name, programs_file, builtin, max_gap_words)
