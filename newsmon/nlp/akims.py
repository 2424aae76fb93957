"""Akims: persons the text presents as аким / әкім (head, deputy, acting) of a territorial unit.

The component `newsmon_akims` runs after `newsmon_territories` and reads `doc.spans["territories"]`.
Russian puts the unit after the title, in a genitive chain («аким Волчанского сельского округа
Шемонаихинского района ВКО Ботагоз Сикпаева»); Kazakh puts it before («Шемонаиха ауданының әкімі
Ботагоз Сикпаева»). A bare type word («аким области», «облыс әкімі») takes the unit of that level the
article is about when exactly one fits (`_context_unit`); «столица», «елорда» is Astana. Former holders
(«бывший аким», «ранее занимавший пост акима», «освобождён от должности», «бұрынғы әкім», «әкімі
болған», «қызметінен босатылды», or an earlier-dated rival for the same post) are not akims. Roles:
«аким», «заместитель акима», «и.о. акима» (CONTRACT §2); `acting` is also set for acting deputies.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from spacy.language import Language
from spacy.tokens import Doc, Span

from newsmon.kato import ASTANA
from newsmon.nlp import persons as P
from newsmon.nlp.gazetteer import Gazetteer, TerritoryRef, Unit
from newsmon.nlp.lang import lang_of
from newsmon.nlp.records import AkimFact
from newsmon.nlp.territories import TerritoryRecognizer

if TYPE_CHECKING:
    from newsmon.nlp.ner_facts import NerFacts

if not Span.has_extension("akim"):
    Span.set_extension("akim", default=None)

ROLE_AKIM = "аким"
ROLE_DEPUTY = "заместитель акима"
ROLE_ACTING = (
    "и.о. акима"  # CONTRACT §2: an acting head; `acting` in extra says the same for deputies
)

_AKIM_RU = re.compile(
    r"^(?:аким|акима|акиму|акимом|акиме|акимы|акимов|акимам|акимами|акимах|замакима|замакимом)$",
    re.I,
)
_DEPUTY_RU = re.compile(r"^(?:заместител(?:ь|я|ю|ем|и|ей)|зам|замакима|замакимом)$", re.I)
_ACTING_RU = re.compile(r"^(?:и\.?о\.?|врио|исполняющ\w*|временно)$", re.I)
# a former holder: before the title («бывший аким», «ранее занимавший пост акима», «освобождён от
# должности акима», «бұрынғы әкім»), or after the title or the name («әкімі болған», «әкімі қызметінен
# босатылды», «аким района Х освобождён от должности»)
_FORMER = re.compile(
    r"^(?:бывш\w*|экс|экс-\w+|прежн\w*|занимавш\w*|занимал\w*|работавш\w*|возглавлявш\w*"
    r"|покинувш\w*|покинул\w*|освобожд\w*|отстран\w*|уволен\w*|уволил\w*|снят\w*|ушедш\w*"
    r"|бұрынғы|экс-әкім\w*)$",
    re.I,
)
_FORMER_AFTER = re.compile(  # right after the title
    r"^(?:освобожд\w*|отстран\w*|уволен\w*|снят\w*|покинул\w*|ушел|ушёл|ушла"
    r"|болған|істеген|атқарған|қызметінен|лауазымынан|босатыл\w*)$",
    re.I,
)
# after the name only the words of leaving the post: «әкім Х атқарған жұмыс» is work Х did
_LEFT_AFTER_NAME = re.compile(
    r"^(?:освобожд\w*|отстран\w*|уволен\w*|снят\w*|покинул\w*|ушел|ушёл|ушла"
    r"|қызметінен|лауазымынан|босатыл\w*)$",
    re.I,
)
_FORMER_STOP = {",", ";", "и", "а", "мен", "және", "пен", "бен", "—", "–", "(", ")"}
# «был акимом» is a former post; «был назначен акимом» is not
_WAS = {"был", "была", "являлся", "являлась", "работал", "работала"}
_AKIM_KK = re.compile(
    r"^(?:әкім|әкімі|әкімінің|әкімнің|әкімдері|әкімдерінің|әкіміне|әкімге|әкімін|әкімімен)$", re.I
)
# «әкіміне» (to the akim), «әкімін» (the akim, object), «әкімімен» (with the akim): not in apposition
_KK_OBJECT = {"әкіміне", "әкімге", "әкімін", "әкімімен"}
_DEPUTY_KK = re.compile(r"^орынбасар\w*$", re.I)
# the case an acting title phrase stands in, from its first word («и.о.» does not decline)
_ACTING_CASE = {
    "и.о.": "nomn",
    "и.о": "nomn",
    "врио": "nomn",
    "исполняющий": "nomn",
    "исполняющая": "nomn",
    "исполняющего": "gent",
    "исполняющей": "gent",
    "исполняющему": "datv",
    "исполняющим": "ablt",
    "исполняющем": "loct",
}
_ACTING_KK = re.compile(r"^(?:м\.а\.?|міндетін|уақытша)$", re.I)
_YEAR = re.compile(r"\b(?:19[5-9]\d|20\d\d)\b")

# a bare type word after (ru) or before (kk) the title: the unit comes from the article
_GENERIC_RU = {
    "области": "region",
    "областей": "region",
    "региона": "region",
    "регионов": "region",
    "регионе": "region",
    "района": "district",
    "районов": "district",
    "города": "city",
    "городов": "city",
    "села": "settlement",
    "поселка": "settlement",
    "посёлка": "settlement",
    "аула": "settlement",
    "сельского": "rural_district",
    "округа": "rural_district",
    "столицы": "city",
    "мегаполиса": "city",
}
_GENERIC_KK = {
    "облыс": "region",
    "облысы": "region",
    "облыстың": "region",
    "облысының": "region",
    "өңір": "region",
    "өңірдің": "region",
    "аудан": "district",
    "ауданы": "district",
    "ауданның": "district",
    "ауданының": "district",
    "қала": "city",
    "қаласы": "city",
    "қаланың": "city",
    "қаласының": "city",
    "округ": "rural_district",
    "округі": "rural_district",
    "округінің": "rural_district",
    "ауыл": "settlement",
    "ауылы": "settlement",
    "ауылының": "settlement",
    "кент": "settlement",
    "кенті": "settlement",
    "шаһар": "city",
    "шаһардың": "city",
    "елорда": "city",
    "елорданың": "city",
}
# «аким столицы», «елорда әкімі»: the capital, Astana, whatever else the article names
_CAPITAL = {"столицы", "елорда", "елорданың"}
# words between a name and the title that introduce it («Бейбут Шаханов стал заместителем акима»)
_LINK_BEFORE = {
    "стал",
    "стала",
    "назначен",
    "назначена",
    "назначили",
    "избран",
    "избрана",
    "занял",
    "заняла",
    "вновь",
    "новым",
    "новый",
    "первым",
    "первый",
    "на",
    "пост",
    "должность",
    "должности",
    ",",
    "—",
    "–",
    "-",
    "является",
    "работает",
    "был",
    "была",
    "болып",
    "тағайындалды",
    "сайланды",
}
_SKIP = {
    '"',
    "«",
    "»",
    "“",
    "”",
    "'",
    "„",
    ",",
    "—",
    "–",
    "-",
    ":",
    "г-н",
    "г-жа",
    "господин",
    "госпожа",
}
_APPOINTED = {
    "назначен",
    "назначена",
    "назначили",
    "стал",
    "стала",
    "избран",
    "избрана",
    "утвержден",
    "утверждена",
}
_LEADS = {"возглавил", "возглавила", "басқарады"}
# what a sentence says happened to the post (`event` of an akim fact): the cue words near the mention
EVENT_APPOINTED, EVENT_DISMISSED, EVENT_ACTING, EVENT_MENTION = (
    "appointed",
    "dismissed",
    "acting",
    "mention",
)
_APPOINT_CUES = re.compile(
    r"^(?:назнач\w*|утвержд\w*|избран\w*|возглавил\w*|тағайындал\w*|тағайындады|сайлан\w*)$",
    re.I,
)
# words that say so only beside the title («новым акимом», «стал акимом», «жаңа әкімі»): «аким Х
# стал свидетелем» is no appointment
_APPOINT_NEAR_TITLE = re.compile(r"^(?:новым|новый|новая|нового|стал|стала|жаңа)$", re.I)
_EVENT_WINDOW = 4  # tokens around the mention the cue may stand in
# leaving the post, said before the title («освобождён от должности акима района Х»)
_LEFT_BEFORE = re.compile(r"^(?:освобожд\w*|отстран\w*|уволен\w*|уволил\w*|снят\w*)$", re.I)
# substrings every trigger or lead word contains (a cheap test before the token loop)
_CUES_RU = ("аким", "замакима", "возглавил")
_CUES_KK = ("әкім", "басқарады")  # «X возглавил Y район»: X heads Y


@dataclass
class _Found:
    start: int
    end: int
    person: str
    role: str
    acting: bool
    territory: TerritoryRef | None
    confidence: float
    event: str | None = None  # dismissed when the sentence says so; else set from the cues


def _event(doc: Doc, f: _Found) -> str:
    """appointed (a cue such as «назначен», «тағайындалды», «новым акимом» within a few tokens of
    the mention, in its sentence), dismissed (set by the finder), acting, or a plain mention."""
    if f.event:
        return f.event
    sent = doc[f.start].sent
    lo, hi = max(sent.start, f.start - _EVENT_WINDOW), min(sent.end, f.end + _EVENT_WINDOW)
    if any(_APPOINT_CUES.match(doc[k].text) for k in range(lo, hi)):
        return EVENT_APPOINTED
    title = _AKIM_KK if doc.lang_ == "kk" else _AKIM_RU
    for k in range(lo, hi):
        if _APPOINT_NEAR_TITLE.match(doc[k].text) and any(
            title.match(doc[j].text) for j in range(max(sent.start, k - 2), min(sent.end, k + 3))
        ):
            return EVENT_APPOINTED
    return EVENT_ACTING if f.acting else EVENT_MENTION


def _tokens(people: list[P.Person]) -> set[int]:
    return {i for p in people for i in range(p.start, p.end)}


def _territory_index(doc: Doc) -> tuple[dict[int, Span], dict[int, Span]]:
    spans = list(doc.spans["territories"]) if "territories" in doc.spans else []
    return {s.start: s for s in spans}, {s.end: s for s in spans}


def _ref(span: Span) -> TerritoryRef | None:
    return span._.territory if Span.has_extension("territory") else None


def _context_unit(
    doc: Doc,
    level: str,
    sent: Span | None = None,
    gaz: Gazetteer | None = None,
    names: set[int] | frozenset[int] = frozenset(),
) -> TerritoryRef | None:
    """The unit of `level` a bare «аким области» / «аудан әкімі» means: the only unit of that level the
    article names; among several, the only one named in the same sentence, else the one named more often
    than any other; when the article names none of that level, the only one that contains the units it
    does name («аким района» in a story about villages of one district). None when nothing decides.
    `names`: tokens of person names, whose words are no places here («Көлгінов Алтай Сейдірұлы»)."""
    spans = [
        (s, ref)
        for s in doc.spans.get("territories", [])
        if (ref := _ref(s)) is not None and s.start not in names
    ]
    named = [(s, r) for s, r in spans if r.level == level]
    if level == "city" and not named:
        # «аким города» in a story about Almaty or another city-region
        named = [
            (s, r)
            for s, r in spans
            if r.level == "region" and r.kato and r.kato[:2] in ("71", "75", "79")
        ]
    if named:
        counts = Counter((r.kato, r.name) for _, r in named)
        first: dict[tuple[str | None, str], TerritoryRef] = {}
        for _, r in named:
            first.setdefault((r.kato, r.name), r)
        if len(counts) == 1:
            return next(iter(first.values()))
        if sent is not None:
            here = {(r.kato, r.name) for s, r in named if sent.start <= s.start < sent.end}
            if len(here) == 1:
                return first[here.pop()]
        (top, n1), (_, n2) = counts.most_common(2)
        return first[top] if n1 > n2 else None
    if gaz is None:
        return None
    above: dict[str, Unit] = {}
    for _, r in spans:
        unit = gaz.by_kato.get(r.kato or "")
        for anc in gaz.ancestors(unit) if unit is not None else ():
            if anc.level == level and anc.kato:
                above[anc.kato] = anc
    if len(above) == 1:
        return gaz.ref(next(iter(above.values())))
    return None


_UNIT_WORDS = {
    "района",
    "области",
    "округа",
    "города",
    "поселка",
    "посёлка",
    "села",
    "аула",
    "сельского",
    "городского",
    "поселкового",
}


def _skip_unknown_units(doc: Doc, j: int, end: int) -> int:
    """Past «Шемонаихинского района ВКО»-like genitive units that no territory span covers."""
    while j < end:
        k = j
        while k < end and k - j < 3 and doc[k].is_title and doc[k].lower_ not in _UNIT_WORDS:
            k += 1
        if k == j or k >= end or doc[k].lower_ not in _UNIT_WORDS:
            # an abbreviation such as ВКО closes a chain
            if j < end and doc[j].is_upper and doc[j].is_alpha and 2 <= len(doc[j]) <= 4:
                return j + 1
            return j
        j = k + 1
        while j < end and doc[j].lower_ in ("округа", "области", "района"):
            j += 1
    return j


def _listed_units(doc: Doc, sent: Span, level: str | None, n: int) -> list[TerritoryRef] | None:
    """«в Мангистауской и Туркестанской областях … акимов регионов A и B»: the n units of `level` listed
    last before the sentence, in order, when exactly n are listed together."""
    if "territories" not in doc.spans:
        return None
    before = [
        (s, ref)
        for s in doc.spans["territories"]
        if s.end <= sent.start
        and (ref := _ref(s)) is not None
        and (level is None or ref.level == level)
    ]
    if len(before) < n:
        return None
    last = before[-n:]
    # listed together: in one sentence
    if len({s.sent.start for s, _ in last}) != 1:
        return None
    return [ref for _, ref in last]


class AkimFinder:
    """Finds akim mentions; `person_finder(sentence)` gives the persons of one sentence and
    `gazetteer()` the gazetteer the territories were resolved with (or None)."""

    def __init__(
        self,
        lang: str,
        person_finder: Callable[[Span], list[P.Person]],
        gazetteer: Callable[[], Gazetteer | None] | None = None,
    ) -> None:
        self.lang = lang
        self.person_finder = person_finder
        self.gazetteer = gazetteer or (lambda: None)

    def __call__(self, doc: Doc) -> Doc:
        starts, ends = _territory_index(doc)
        found: list[_Found] = []
        cues = _CUES_KK if self.lang == "kk" else _CUES_RU
        for sent in doc.sents:
            low = sent.text.lower()
            if not any(c in low for c in cues):
                continue  # most sentences: no title word, no need to look at their tokens
            triggers = [
                t.i for t in sent if (_AKIM_KK if self.lang == "kk" else _AKIM_RU).match(t.text)
            ]
            leads = [t.i for t in sent if t.lower_ in _LEADS]
            if not triggers and not leads:
                continue
            people = self._persons(sent)
            for i in triggers:
                if self.lang == "kk":
                    hit = self._kk(doc, i, sent, people, starts, ends)
                    found.extend([hit] if hit else [])
                else:
                    found.extend(self._ru(doc, i, sent, people, starts))
            for i in leads:
                hit = self._leads(doc, i, people, starts)
                if hit:
                    found.append(hit)
        for f in found:
            f.event = _event(doc, f)
        found = _settle(doc, found)
        spans = []
        for f in found:
            span = Span(doc, f.start, f.end, label="AKIM")
            span._.akim = AkimFact(
                f.person, f.role, f.territory, f.confidence, f.acting, f.event or EVENT_MENTION
            )
            spans.append(span)
        doc.spans["akims"] = spans
        return doc

    # -- helpers ------------------------------------------------------------------------------
    def _persons(self, sent: Span) -> list[P.Person]:
        people = self.person_finder(sent)
        taken = {i for p in people for i in range(p.start, p.end)}
        places = {
            i
            for t in sent.doc.spans.get("territories", [])
            if sent.start <= t.start < sent.end
            for i in range(t.start, t.end)
        }
        for p in P.pattern_persons(sent.doc, sent.start, sent.end, places):
            if not taken.intersection(range(p.start, p.end)):
                people.append(p)
        # initials alone («аким района А.Б.») name nobody
        return [p for p in people if any("." not in w for w in p.name.split())]

    @staticmethod
    def _person_at(people: list[P.Person], i: int) -> P.Person | None:
        """The person that starts at token i, or the rest of one that runs over it («Алматы Ерболат
        Досаев» found as one run after «аким»: the unit's name is not part of the person's)."""
        hit = next((p for p in people if p.start == i), None)
        if hit is not None:
            return hit
        over = next((p for p in people if p.start < i < p.end - 1), None)
        if over is None:
            return None
        doc_words = over.name.split()
        cut = i - over.start
        if len(doc_words) != over.end - over.start:
            return None
        return P.Person(i, over.end, " ".join(doc_words[cut:]))

    @staticmethod
    def _person_ending(people: list[P.Person], i: int) -> P.Person | None:
        return next((p for p in people if p.end == i), None)

    def _skip(self, doc: Doc, j: int, limit: int) -> int:
        while j < limit and doc[j].lower_ in _SKIP:
            j += 1
        return j

    def _person_before(
        self, doc: Doc, i: int, sent: Span, people: list[P.Person]
    ) -> P.Person | None:
        j = i
        while (
            j > sent.start
            and (
                doc[j - 1].lower_ in _LINK_BEFORE
                or doc[j - 1].lower_ in _WAS
                or _DEPUTY_RU.match(doc[j - 1].text)
                or _ACTING_RU.match(doc[j - 1].text)
            )
            and i - j < 5
        ):
            j -= 1
        links = {doc[k].lower_ for k in range(j, i)}
        if links & _WAS and not links & _APPOINTED:
            return None  # «Х был акимом района»: a former post
        return self._person_ending(people, j) if j < i else None

    def _name(self, person: P.Person, case: str = "nomn") -> str:
        return P.nominative(person.name, self.lang, case)

    @staticmethod
    def _former_before(doc: Doc, i: int, sent: Span) -> bool:
        """A former-holder word in the title's own phrase, before it («бывший первый заместитель акима»,
        «Х, ранее занимавший должность акима»); a conjunction or comma ends the phrase."""
        k = i - 1
        while k >= sent.start and i - k <= 6 and doc[k].lower_ not in _FORMER_STOP:
            if _FORMER.match(doc[k].text):
                return True
            k -= 1
        return False

    @staticmethod
    def _left_before(doc: Doc, i: int, sent: Span) -> int | None:
        """The token of a word of leaving the post in the title's phrase before it («освобождён от
        должности акима»), or None."""
        k = i - 1
        while k >= sent.start and i - k <= 4 and doc[k].lower_ not in _FORMER_STOP:
            if _LEFT_BEFORE.match(doc[k].text):
                return k
            k -= 1
        return None

    @staticmethod
    def _former_after(doc: Doc, j: int, sent: Span, width: int = 2, name: bool = False) -> bool:
        """A word of a past or left post right after the title («әкімі болған», «әкімі қызметінен
        босатылды») or of leaving it right after the name («аким Х освобождён от должности»)."""
        rx = _LEFT_AFTER_NAME if name else _FORMER_AFTER
        return any(rx.match(doc[k].text) for k in range(j, min(j + width, sent.end)))

    def _capital(self, word: str) -> TerritoryRef | None:
        gaz = self.gazetteer() if word in _CAPITAL else None
        ref = gaz.get(ASTANA) if gaz is not None else None
        return ref

    def _role(self, deputy: bool, acting: bool) -> str:
        return ROLE_DEPUTY if deputy else (ROLE_ACTING if acting else ROLE_AKIM)

    def _ru(
        self, doc: Doc, i: int, sent: Span, people: list[P.Person], starts: dict[int, Span]
    ) -> list[_Found]:
        left = self._left_before(doc, i, sent)
        if left is None and (self._former_before(doc, i, sent) or doc[i].lower_.startswith("экс")):
            return []
        prev = [doc[k] for k in range(max(sent.start, i - 3), i)]
        deputy = doc[i].lower_.startswith("зам") or any(_DEPUTY_RU.match(t.text) for t in prev[-2:])
        acting = any(_ACTING_RU.match(t.text) for t in prev[-3:])
        start = i
        while start > sent.start and (
            _DEPUTY_RU.match(doc[start - 1].text)
            or _ACTING_RU.match(doc[start - 1].text)
            or doc[start - 1].lower_ in ("первый", "первого", "обязанности")
        ):
            start -= 1
        head = next((doc[k] for k in range(start, i) if _DEPUTY_RU.match(doc[k].text)), doc[i])
        case = P.head_case(head.text)
        lead = next(
            (doc[k] for k in range(start, i) if doc[k].lower_ in _ACTING_CASE),
            None,
        )
        if lead is not None:  # «и.о. акима Х», «исполняющий обязанности заместителя акима Х»
            case = _ACTING_CASE[lead.lower_]
        plural = doc[i].lower_ in ("акимы", "акимов", "акимам", "акимами", "акимах")
        j = i + 1
        territory, explicit, generic = None, False, None
        if j < sent.end and doc[j].lower_ in _GENERIC_RU and j not in starts:
            generic = _GENERIC_RU[doc[j].lower_]
            j += (
                2
                if doc[j].lower_ == "сельского"
                and j + 1 < sent.end
                and doc[j + 1].lower_ == "округа"
                else 1
            )
            if j in starts and _ref(starts[j]) is not None:  # «аким города Алматы»
                territory, explicit = _ref(starts[j]), True
            elif not plural:
                territory = self._capital(doc[j - 1].lower_) or _context_unit(
                    doc, generic, sent, self.gazetteer(), _tokens(people)
                )
        if j in starts and territory is None:
            ref = _ref(starts[j])
            territory, explicit = ref, ref is not None
        while j in starts:  # the rest of the genitive chain
            j = starts[j].end
        j = _skip_unknown_units(doc, j, sent.end)  # units the gazetteer does not know: no territory
        j = self._skip(doc, j, sent.end)
        if (
            j < sent.end and doc[j].lower_ in _APPOINTED
        ):  # «…акима города Алматы назначен Бейбут Шаханов»
            j, case = self._skip(doc, j + 1, sent.end), "nomn"
        person = self._person_at(people, j)
        conf = 0.9 if explicit else (0.75 if territory else 0.6)
        role = self._role(deputy, acting)
        if person is not None:
            if case != "nomn" and P.looks_nominative_only(person.name):
                return []  # «пресс-секретарь акима Жанна Арынбекова»: the name goes with another word
            if self._former_after(doc, person.end, sent, name=True):
                left = person.end  # «аким района Х освобождён от должности»: a dismissal
            group = [person]
            while plural:  # «акимов регионов Нурлана Ногаева и Дархана Сатыбалды»
                k = person.end
                while k < sent.end and doc[k].lower_ in (",", "и", "а", "также"):
                    k += 1
                nxt = self._person_at(people, k) if k > person.end else None
                if nxt is None:
                    break
                group.append(nxt)
                person = nxt
            units = (
                _listed_units(doc, sent, generic, len(group)) if plural and len(group) > 1 else None
            )
            return [
                _Found(
                    p.start if n else start,
                    p.end,
                    self._name(p, case),
                    role,
                    acting,
                    units[n] if units else territory,
                    conf,
                    EVENT_DISMISSED if left is not None else None,
                )
                for n, p in enumerate(group)
            ]
        if left is not None and left < i:  # «Х освобождён от должности акима района»
            k = left
            while k > sent.start and doc[k - 1].lower_ in _WAS | {"был", "была"}:
                k -= 1
            person = self._person_ending(people, self._skip_back(doc, k, sent))
            if person is None:
                return []
            return [
                _Found(
                    person.start,
                    max(j, i + 1),
                    self._name(person),
                    role,
                    acting,
                    territory,
                    conf,
                    EVENT_DISMISSED,
                )
            ]
        person = self._person_before(doc, start, sent, people)
        if person is None:
            return []
        return [
            _Found(person.start, max(j, i + 1), self._name(person), role, acting, territory, conf)
        ]

    def _kk(
        self,
        doc: Doc,
        i: int,
        sent: Span,
        people: list[P.Person],
        starts: dict[int, Span],
        ends: dict[int, Span],
    ) -> _Found | None:
        start = i
        territory, explicit = None, False
        # «Шемонаиха ауданының жаңа әкімі»: «new» between the unit and the title
        at = i - 1 if i - 1 > sent.start and doc[i - 1].lower_ == "жаңа" and i - 1 in ends else i
        if at in ends and _ref(ends[at]) is not None:
            territory, explicit = _ref(ends[at]), True
            start = ends[at].start
            while start in ends:
                start = ends[start].start
        elif i > sent.start and doc[i - 1].lower_ in _GENERIC_KK:
            level = _GENERIC_KK[doc[i - 1].lower_]
            start = i - 1
            if (
                level == "rural_district"
                and i - 2 >= sent.start
                and doc[i - 2].lower_.startswith("ауылдық")
            ):
                start = i - 2
            if start > sent.start and doc[start - 1].is_title and not doc[start - 1].is_sent_start:
                start -= 1  # «Шемонаиха ауданының әкімі»: a named unit the gazetteer does not know
            else:
                territory = self._capital(doc[i - 1].lower_) or _context_unit(
                    doc, level, sent, self.gazetteer(), _tokens(people)
                )
        if self._former_before(doc, start, sent) or self._former_before(doc, i, sent):
            return None
        j = i + 1
        deputy = False
        if j + 1 < sent.end and doc[j].lower_ == "бірінші" and _DEPUTY_KK.match(doc[j + 1].text):
            j += 1  # «әкімінің бірінші орынбасары»
        if j < sent.end and _DEPUTY_KK.match(doc[j].text):
            deputy, j = True, j + 1
        acting = any(_ACTING_KK.match(doc[k].text) for k in range(j, min(j + 2, sent.end)))
        while j < sent.end and (
            _ACTING_KK.match(doc[j].text) or doc[j].lower_ in ("атқарушы", "болып")
        ):
            j += 1
        event = None
        if self._former_after(doc, j, sent):
            if not self._former_after(doc, j, sent, name=True):
                return None  # «облыс әкімі болған Х»: a former post
            event = EVENT_DISMISSED  # «Х аудан әкімі қызметінен босатылды»: the name is before
        j = self._skip(doc, j, sent.end)
        person = self._person_at(people, j) if event is None else None
        end = person.end if person else j
        if person is None:
            if doc[i].lower_ in _KK_OBJECT:
                # «Тоқаев елорда әкіміне тапсырма берді»: the name before is the subject
                return None
            person = self._person_ending(people, self._skip_back(doc, start, sent))
            if person is None:
                return None
            start, end = person.start, max(j, i + 1)
        elif self._former_after(doc, person.end, sent, 3, name=True):
            event = EVENT_DISMISSED  # «әкімі Х қызметінен босатылды»
        return _Found(
            start,
            end,
            self._name(person),
            self._role(deputy, acting),
            acting,
            territory,
            0.9 if explicit else (0.75 if territory else 0.6),
            event,
        )

    def _skip_back(self, doc: Doc, i: int, sent: Span) -> int:
        while i > sent.start and doc[i - 1].lower_ in _SKIP:
            i -= 1
        return i

    def _leads(
        self, doc: Doc, i: int, people: list[P.Person], starts: dict[int, Span]
    ) -> _Found | None:
        """«Арман Шамшин возглавил Алмалинский район»: a new head of a unit."""
        person = self._person_ending(people, i)
        target = starts.get(i + 1)
        if person is None or target is None or _ref(target) is None:
            return None
        return _Found(
            person.start,
            target.end,
            self._name(person),
            ROLE_AKIM,
            False,
            _ref(target),
            0.7,
        )


# ---- the article as a whole ---------------------------------------------------------------------


def _surname_key(person: str) -> str:
    words = person.split()
    return words[-1].lower().replace("ё", "е") if words else ""


def _one_edit(a: str, b: str) -> bool:
    """a and b differ by one letter replaced, added or dropped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:k] + long_[k + 1 :] == short for k in range(len(long_)))


def _kato(f: _Found) -> str | None:
    return (f.territory.kato or f.territory.name) if f.territory is not None else None


def _year_of(doc: Doc, f: _Found) -> int:
    """The year a mention is dated by: the last one before it in its sentence («в 2020 году аким …»),
    else the first one after it; 0 when the sentence has none."""
    sent = Span(doc, f.start, f.end).sent
    text, at = sent.text, doc[f.start].idx - sent.start_char
    before = [int(m.group()) for m in _YEAR.finditer(text, 0, at)]
    after = [int(m.group()) for m in _YEAR.finditer(text, at)]
    return before[-1] if before else (after[0] if after else 0)


def _settle(doc: Doc, found: list[_Found]) -> list[_Found]:
    """What the article says as a whole about each post and person:
    - one person spelled two ways («Булекбаев», «Булекпаев») for the same post is one person, named as
      first written;
    - a person the article calls acting is acting in every mention (the press shortens «и.о. акима»);
    - two different heads of one unit: the one in a sentence with an earlier year is a former head
      («в 2020 году аким Алматы Х заявлял … в 2022 году аким Алматы Y рассказал»)."""
    for n, f in enumerate(found):
        for g in found[:n]:
            a, b = _surname_key(f.person), _surname_key(g.person)
            same_first = f.person.split()[:1] == g.person.split()[:1] and len(f.person.split()) > 1
            if (
                a != b
                and len(a) >= 6
                and _one_edit(a, b)
                and f.role == g.role
                and (same_first or (_kato(f) is not None and _kato(f) == _kato(g)))
            ):
                f.person = g.person
                break
    for f in found:  # «аким района Х освобождён, новым акимом назначен Y»: Y takes X's post
        if f.event == EVENT_APPOINTED and f.territory is None:
            sent = doc[f.start].sent
            left = [
                g
                for g in found
                if g.event == EVENT_DISMISSED
                and g.territory is not None
                and g.role == f.role
                and sent.start <= g.start < sent.end
            ]
            if len(left) == 1:
                f.territory = left[0].territory
    acting = {(_surname_key(f.person), _kato(f)) for f in found if f.role == ROLE_ACTING}
    for f in found:
        if f.role == ROLE_AKIM and (_surname_key(f.person), _kato(f)) in acting:
            f.role, f.acting = ROLE_ACTING, True
    heads: dict[str, dict[str, int]] = {}
    for f in found:
        if f.role in (ROLE_AKIM, ROLE_ACTING) and _kato(f) and f.event != EVENT_DISMISSED:
            post = heads.setdefault(_kato(f) or "", {})
            key = _surname_key(f.person)
            post[key] = max(post.get(key, 0), _year_of(doc, f))
    former: set[tuple[str, str]] = set()
    for post_key, people in heads.items():
        if len(people) > 1 and all(people.values()):
            latest = max(people.values())
            former |= {(post_key, p) for p, y in people.items() if y < latest}
    return [
        f
        for f in found
        if f.event == EVENT_DISMISSED
        or not (f.role in (ROLE_AKIM, ROLE_ACTING) and (_kato(f), _surname_key(f.person)) in former)
    ]


def _fact_ner(nlp: Language) -> NerFacts:
    return cast("NerFacts", nlp.get_pipe("newsmon_fact_ner"))


def person_finder_for(
    nlp: Language, lang: str, use_natasha: bool
) -> Callable[[Span], list[P.Person]]:
    def find(sent: Span) -> list[P.Person]:
        if "ner" in nlp.pipe_names or any(n.startswith("newsmon_ner") for n in nlp.pipe_names):
            return P.model_persons(sent)
        if "newsmon_fact_ner" in nlp.pipe_names and "per" in _fact_ner(nlp).uses:
            return P.model_persons(sent)  # the project's NER model in the fact path (ner_facts.py)
        if lang == "ru" and use_natasha:
            return P.natasha_persons(sent)
        return []

    return find


def gazetteer_for(nlp: Language) -> Callable[[], Gazetteer | None]:
    """The gazetteer of the pipeline's territories component (None without one)."""

    def gaz() -> Gazetteer | None:
        if "newsmon_territories" not in nlp.pipe_names:
            return None
        pipe = nlp.get_pipe("newsmon_territories")
        return pipe.gazetteer if isinstance(pipe, TerritoryRecognizer) else None

    return gaz


@Language.factory(
    "newsmon_akims",
    default_config={"use_natasha": True},
    requires=["doc.sents", "doc.spans"],
    assigns=["doc.spans"],
)
def make_akims(nlp: Language, name: str, use_natasha: bool) -> AkimFinder:
    lang = lang_of(nlp)
    return AkimFinder(lang, person_finder_for(nlp, lang, use_natasha), gazetteer_for(nlp))
