"""Programmes, projects and initiatives in Russian and Kazakh, resolved to one canonical name.

`newsmon_programs` writes `doc.spans["programs"]`; each span has `span._.program`, the canonical name
(nominative, no quotes). Two sources:
- known programmes from `newsmon/data/programs.yaml` plus `settings.programs_file`, matched in any
  case form and with Kazakh suffixes («Ауыл аманатына», «по программе Ауыл аманаты»);
- names in quotes next to a programme word: «программа "…"», «акция "…"», «"…" бағдарламасы»,
  and hashtags after one («акция #TazaShym»). Once a quoted name is a programme in an article, its
  other quoted mentions there are too.
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
from newsmon.settings import PACKAGE_DIR, get_settings
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


@dataclass(frozen=True)
class Program:
    name: str
    variants: tuple[str, ...]
    needs_context: bool = False
    context_set: bool = False  # False: one-word names need context, longer ones do not

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
        names = [n.strip() for n in (entry.name, *entry.variants)]
        for k, n in enumerate(names):
            if not n:
                raise ConfigError(
                    f"{where}: field `{'name' if k == 0 else f'variants.{k - 1}'}`: empty name"
                )
        out.append(
            Program(
                " ".join(names[0].split()),
                tuple(names[1:]),
                entry.context == "required",
                entry.context != "auto",
            )
        )
    return out


def default_programs(extra_file: Path | None = None, builtin: bool = True) -> list[Program]:
    """The built-in list merged with `extra_file` (default: settings.programs_file); later entries win."""
    programs = load_programs(BUILTIN_FILE) if builtin else []
    extra = extra_file if extra_file is not None else get_settings().programs_file
    if extra:
        programs += load_programs(Path(extra))
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
        chars = twins + twins.upper() if c.isupper() else twins
        return f"[{chars}]"
    return re.escape(c)


_ADJ_END = re.compile(r"(?:ая|яя|ый|ий|ой|ое|ее|ые|ие)$")


def _word_rx(word: str, last: bool, first: bool) -> str:
    """A word that may take case endings (Russian) or suffixes (Kazakh)."""
    tail = 7 if last else 3
    if len(word) >= 5 and _ADJ_END.search(word):
        stem, ending = word[:-2], rf"[{_LOW}]{{1,3}}"
    elif len(word) >= 4 and word[-1].lower() in "аяыіиоеуь" and word[-1].isalpha():
        stem, ending = word[:-1], rf"[{_LOW}]{{0,{tail}}}"
    elif word[-1].isalpha():
        stem, ending = word, rf"[{_LOW}]{{0,{tail}}}"
    else:
        stem, ending = word, ""
    head = _char_rx(stem[0]) if first else "(?i:" + _char_rx(stem[0]) + ")"
    rest = "".join(_char_rx(c) for c in stem[1:])
    return head + f"(?i:{rest}{ending})"


_PREFIX_FOLD = str.maketrans("\u00a0\t\n\r\u202f", "     ")


def _prefix(name: str) -> str:
    return fold(name[:2]).translate(_PREFIX_FOLD)


def variant_rx(name: str) -> str:
    parts = re.split(rf"(\s*[{_DASHES}]\s+|\s+[{_DASHES}]\s*|\s+)", name.strip())
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
)
_KK_TRIGGER = (
    r"бағдарлама[а-яәғқңөұүһі]{0,8}|жоба[а-яәғқңөұүһі]{0,8}|бастама[а-яәғқңөұүһі]{0,8}"
    r"|акция[а-яәғқңөұүһі]{0,6}|науқан[а-яәғқңөұүһі]{0,6}"
)
TRIGGER = re.compile(rf"{_NB}(?:{_RU_TRIGGER}|{_KK_TRIGGER}){_NA}", re.I)
KK_TRIGGER_AFTER = re.compile(rf"(?:{_KK_TRIGGER}){_NA}", re.I)
# words that make the quoted name something else: an organisation, a law, a building
_BLOCKERS = set(
    "тоо ао оо ип ргп гкп кгп нао оф оюл жшс ақ кеақ мкк рмк компании компания компанией компаний фонда фонд "
    "фондом банка банк банком газеты журнала агентства телеканала издания партии партия партией закона "
    "законопроекта закон постановления приказа указа кодекса решения жк комплекса центра заң заңы заңның "
    "қаулы қаулысы жарлық жарлығы бұйрық бұйрығы кодекс кодексі "
    # a named event or work inside a programme is not the programme: «неделя "Таза өлке"»
    "неделя недели неделю неделе день дня мероприятие мероприятия конкурс конкурса фестиваль фестиваля "
    "турнир турнира форум форума выставка выставки фильм фильма книга книги апта аптасы күні іс-шара".split()
)
# the name after these belongs to another phrase: «кампании, которая … - это неделя "X"», «акцию и … "X"»
_GAP_BREAK = re.compile(
    r"[,»”()]|\s[-–—]\s|(?<![\w])(?:и|а|но|или|также|және|мен|бен|пен|немесе)(?![\w])", re.I
)
# an organisation named right after the quotes: «"Самұрық-Қазына" АҚ», «"Казатомпром" ЖШС»
_ORG_AFTER = re.compile(r"\s*(?:ТОО|АО|АҚ|ЖШС|КеАҚ|НАО|РГП|ГКП|КГП|ОО|ҚБ|ЖК|LLP|JSC)(?![\w])")
_OPENER = re.compile(r"[«\"“„#]")
_OPEN_CLOSE = {"«": "»", '"': '"', "“": "”", "„": "“"}
_SENT_PUNCT = re.compile(r"[.!?;\n]")
_WORD = re.compile(rf"[{_L}\d]+")
_HASHTAG = re.compile(r"#[\w]{2,40}")
_NEXT_QUOTE = re.compile(r"\s*(?:,|и|а также|және|мен|бен|пен)\s*(?=[«\"“„#])", re.I)  # «"A" и "B"»


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
        or not any(c.isalpha() for c in name)
    )


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
                self.by_prefix.setdefault(_prefix(n), []).append((rx, prog, needs, len(n)))
        for group in self.by_prefix.values():
            group.sort(key=lambda g: -g[3])
        firsts: set[str] = set()
        for prog in self.programs:
            for n in prog.names():
                low = fold(n[0])
                firsts.update(n[0], *_KK_TWINS.get(low, low), *_KK_TWINS.get(low, low).upper())
        self.candidates = re.compile(
            rf"(?<![\w#-])[{''.join(re.escape(c) for c in sorted(firsts))}]"
        )

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
        """The canonical name of a quoted name, and whether it is a known programme."""
        prog = self.by_key.get(name_key(name))
        if prog is None:
            got = self._match_known(name, 0, len(name))
            prog = got[1] if got else None
        if prog is not None:
            return prog.name, True
        return " ".join(name.strip(" .,:;").split()), False

    def find(self, text: str) -> list[Mention]:
        found: list[Mention] = []
        established: set[str] = set()
        for m in self._known(text):
            found.append(m)
        for m in self._quoted_after_trigger(text):
            found.append(m)
            established.add(m.program)
        for m in self._quoted_before_trigger(text):
            found.append(m)
            established.add(m.program)
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
            if not needs or self._has_context(text, s, end):
                yield Mention(s, end, prog.name, True)
            pos = end

    def _has_context(self, text: str, start: int, end: int) -> bool:
        before = text[max(0, start - 60) : start]
        after = text[end : end + 40]
        if before.rstrip().endswith(tuple(_QUOTES)) or after.lstrip().startswith(tuple(_QUOTES)):
            return True
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
        """«программа "X"», «в проекте акимата района "X"», «акция #X»."""
        for t in TRIGGER.finditer(text):
            pos = t.end()
            q = _OPENER.search(text, pos, pos + 120)
            if q is None:
                continue
            gap = text[pos : q.start()]
            if _SENT_PUNCT.search(gap) or _GAP_BREAK.search(gap):
                continue
            gap_words = _WORD.findall(gap)
            if len(gap_words) > self.max_gap_words or any(
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
        ):
            return None
        name, known = self.canonical(inner)
        return Mention(start + 1, close, name, known), close + 1

    def _quoted_before_trigger(self, text: str) -> Iterator[Mention]:
        """Kazakh order: «"Ауыл аманаты" бағдарламасы», «"Нұрлы жер" тұрғын үй бағдарламасы»."""
        for t in KK_TRIGGER_AFTER.finditer(text):
            s = t.start()
            if s and text[s - 1].isalpha():
                continue
            back = text[max(0, s - 60) : s]
            closes = [i for i, c in enumerate(back) if c in '»"”“']
            if not closes:
                continue
            ci = closes[-1]
            gap = back[ci + 1 :]
            gap_words = _WORD.findall(gap)
            if (
                len(gap_words) > 3
                or _SENT_PUNCT.search(gap)
                or any(w.lower() in _BLOCKERS for w in gap_words)
                or not re.fullmatch(r"(?:-?[а-яәғқңөұүһі]{0,6})?[\s\w-]*", gap)
            ):
                continue
            close = s - len(back) + ci
            closer = text[close]
            openers = {"»": "«", '"': '"', "”": "“", "“": "„"}[closer]
            open_ = text.rfind(openers, max(0, close - 90), close)
            if open_ < 0:
                continue
            inner = text[open_ + 1 : close]
            if "\n" in inner or inner != inner.strip() or not _valid_name(inner):
                continue
            name, known = self.canonical(inner)
            yield Mention(open_ + 1, close, name, known)

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
    for m in sorted(mentions, key=lambda m: (m.start, m.end)) + [
        Mention(1 << 62, 1 << 62, "", False)
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
            span._.program = m.program
            spans.append(span)
        doc.spans[SPAN_KEY] = spans
        if "amounts" in doc.spans:
            from newsmon.nlp.amounts import link_amounts_to_programs

            link_amounts_to_programs(doc)
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        data = [
            {
                "name": p.name,
                "variants": list(p.variants),
                "context": ("required" if p.needs_context else "optional")
                if p.context_set
                else "auto",
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
                d["name"], tuple(d["variants"]), d["context"] == "required", d["context"] != "auto"
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
    """Programme mentions as `doc.spans["programs"]`; programs_file defaults to settings.programs_file."""
    return ProgramsComponent(nlp, name, programs_file, builtin, max_gap_words)
