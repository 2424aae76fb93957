"""Akims: persons the text presents as аким / әкім (head, deputy, acting) of a territorial unit.

The component `newsmon_akims` runs after `newsmon_territories` and reads `doc.spans["territories"]`.
Russian puts the unit after the title, in a genitive chain («аким Волчанского сельского округа
Шемонаихинского района ВКО Ботагоз Сикпаева»); Kazakh puts it before («Шемонаиха ауданының әкімі
Ботагоз Сикпаева»). A bare type word («аким области», «облыс әкімі») takes the unit of that level the
article is about. Former holders («бывший аким», «бұрынғы әкім») are not akims.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from newsmon.nlp import persons as P

if not Span.has_extension("akim"):
    Span.set_extension("akim", default=None)

ROLE_AKIM = "аким"
ROLE_DEPUTY = "заместитель акима"

_AKIM_RU = re.compile(
    r"^(?:аким|акима|акиму|акимом|акиме|акимы|акимов|акимам|акимами|акимах|замакима|замакимом)$",
    re.I,
)
_DEPUTY_RU = re.compile(r"^(?:заместител(?:ь|я|ю|ем|и|ей)|зам|замакима|замакимом)$", re.I)
_ACTING_RU = re.compile(r"^(?:и\.?о\.?|врио|исполняющ\w*|временно)$", re.I)
_FORMER = re.compile(r"^(?:бывш\w*|экс|экс-\w+|прежн\w*|бұрынғы|экс-әкім\w*)$", re.I)
_AKIM_KK = re.compile(
    r"^(?:әкім|әкімі|әкімінің|әкімнің|әкімдері|әкімдерінің|әкіміне|әкімге|әкімін|әкімімен)$", re.I
)
_DEPUTY_KK = re.compile(r"^орынбасар\w*$", re.I)
_ACTING_KK = re.compile(r"^(?:м\.а\.?|міндетін|уақытша)$", re.I)

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
}
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
_LEADS = {"возглавил", "возглавила", "басқарады"}  # «X возглавил Y район»: X heads Y


@dataclass
class _Found:
    start: int
    end: int
    person: str
    role: str
    acting: bool
    territory: dict[str, Any] | None
    confidence: float


def _territory_index(doc: Doc) -> tuple[dict[int, Span], dict[int, Span]]:
    spans = list(doc.spans["territories"]) if "territories" in doc.spans else []
    return {s.start: s for s in spans}, {s.end: s for s in spans}


def _ref(span: Span) -> Any:
    return span._.territory if Span.has_extension("territory") else None


def _context_unit(doc: Doc, level: str) -> dict[str, Any] | None:
    """The unit of `level` the article mentions most (ties: the first mentioned)."""
    spans = list(doc.spans["territories"]) if "territories" in doc.spans else []
    refs = [r for r in (_ref(s) for s in spans) if r is not None and r.level == level]
    if level == "city" and not refs:  # «аким города» in a story about Almaty or another city-region
        refs = [
            r
            for r in (_ref(s) for s in spans)
            if r is not None and r.level == "region" and r.kato and r.kato[:2] in ("71", "75", "79")
        ]
    if not refs:
        return None
    counts = Counter((r.kato, r.name) for r in refs)
    best = max(refs, key=lambda r: (counts[(r.kato, r.name)], -refs.index(r)))
    return best.as_dict()


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
            if j < end and doc[j].is_upper and 2 <= len(doc[j]) <= 4:
                return j + 1
            return j
        j = k + 1
        while j < end and doc[j].lower_ in ("округа", "области", "района"):
            j += 1
    return j


def _listed_units(doc: Doc, sent: Span, level: str | None, n: int) -> list[dict[str, Any]] | None:
    """«в Мангистауской и Туркестанской областях … акимов регионов A и B»: the n units of `level` listed
    last before the sentence, in order, when exactly n are listed together."""
    if "territories" not in doc.spans:
        return None
    before = [
        s
        for s in doc.spans["territories"]
        if s.end <= sent.start and _ref(s) is not None and (level is None or _ref(s).level == level)
    ]
    if len(before) < n:
        return None
    last = before[-n:]
    # listed together: in one sentence
    if len({s.sent.start for s in last}) != 1:
        return None
    return [_ref(s).as_dict() for s in last]


class AkimFinder:
    """Finds akim mentions; `person_finder(sentence)` gives the persons of one sentence."""

    def __init__(self, lang: str, person_finder: Callable[[Span], list[P.Person]]) -> None:
        self.lang = lang
        self.person_finder = person_finder

    def __call__(self, doc: Doc) -> Doc:
        starts, ends = _territory_index(doc)
        found: list[_Found] = []
        for sent in doc.sents:
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
        spans = []
        for f in found:
            span = Span(doc, f.start, f.end, label="AKIM")
            span._.akim = {
                "person": f.person,
                "role": f.role,
                "acting": f.acting,
                "territory": f.territory,
                "confidence": f.confidence,
            }
            spans.append(span)
        doc.spans["akims"] = spans
        return doc

    # -- helpers ------------------------------------------------------------------------------
    def _persons(self, sent: Span) -> list[P.Person]:
        people = self.person_finder(sent)
        taken = {i for p in people for i in range(p.start, p.end)}
        for p in P.pattern_persons(sent.doc, sent.start, sent.end):
            if not taken.intersection(range(p.start, p.end)):
                people.append(p)
        return people

    @staticmethod
    def _person_at(people: list[P.Person], i: int) -> P.Person | None:
        return next((p for p in people if p.start == i), None)

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
                or _DEPUTY_RU.match(doc[j - 1].text)
                or _ACTING_RU.match(doc[j - 1].text)
            )
            and i - j < 5
        ):
            j -= 1
        return self._person_ending(people, j) if j < i else None

    def _name(self, person: P.Person, case: str = "nomn") -> str:
        return P.nominative(person.name, self.lang, case)

    def _ru(
        self, doc: Doc, i: int, sent: Span, people: list[P.Person], starts: dict[int, Span]
    ) -> list[_Found]:
        prev = [doc[k] for k in range(max(sent.start, i - 3), i)]
        if any(_FORMER.match(t.text) for t in prev) or doc[i].lower_.startswith("экс"):
            return []
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
                territory, explicit = _ref(starts[j]).as_dict(), True
            else:
                territory = _context_unit(doc, generic)
        if j in starts and territory is None:
            ref = _ref(starts[j])
            territory, explicit = (ref.as_dict() if ref is not None else None), ref is not None
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
        role = ROLE_DEPUTY if deputy else ROLE_AKIM
        if person is not None:
            if case != "nomn" and P.looks_nominative_only(person.name):
                return []  # «пресс-секретарь акима Жанна Арынбекова»: the name goes with another word
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
                    p.start,
                    p.end,
                    self._name(p, case),
                    role,
                    acting,
                    units[n] if units else territory,
                    conf,
                )
                if n
                else _Found(
                    start,
                    p.end,
                    self._name(p, case),
                    role,
                    acting,
                    units[0] if units else territory,
                    conf,
                )
                for n, p in enumerate(group)
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
        prev = [doc[k] for k in range(max(sent.start, i - 4), i)]
        if any(_FORMER.match(t.text) for t in prev):
            return None
        start = i
        territory, explicit = None, False
        if i in ends and _ref(ends[i]) is not None:
            territory, explicit = _ref(ends[i]).as_dict(), True
            start = ends[i].start
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
                territory = _context_unit(doc, level)
        j = i + 1
        deputy = False
        if j < sent.end and _DEPUTY_KK.match(doc[j].text):
            deputy, j = True, j + 1
        acting = any(_ACTING_KK.match(doc[k].text) for k in range(j, min(j + 2, sent.end)))
        while j < sent.end and (_ACTING_KK.match(doc[j].text) or doc[j].lower_ in ("атқарушы",)):
            j += 1
        j = self._skip(doc, j, sent.end)
        person = self._person_at(people, j)
        end = person.end if person else j
        if person is None:
            person = self._person_ending(people, self._skip_back(doc, start, sent))
            if person is None:
                return None
            start, end = person.start, max(j, i + 1)
        return _Found(
            start,
            end,
            self._name(person),
            ROLE_DEPUTY if deputy else ROLE_AKIM,
            acting,
            territory,
            0.9 if explicit else (0.75 if territory else 0.6),
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
            _ref(target).as_dict(),
            0.7,
        )


def person_finder_for(
    nlp: Language, lang: str, use_natasha: bool
) -> Callable[[Span], list[P.Person]]:
    def find(sent: Span) -> list[P.Person]:
        if "ner" in nlp.pipe_names or any(n.startswith("newsmon_ner") for n in nlp.pipe_names):
            return P.model_persons(sent)
        if "newsmon_fact_ner" in nlp.pipe_names and "per" in nlp.get_pipe("newsmon_fact_ner").uses:
            return P.model_persons(sent)  # the project's NER model in the fact path (ner_facts.py)
        if lang == "ru" and use_natasha:
            return P.natasha_persons(sent)
        return []

    return find


@Language.factory(
    "newsmon_akims",
    default_config={"use_natasha": True},
    requires=["doc.sents", "doc.spans"],
    assigns=["doc.spans"],
)
def make_akims(nlp: Language, name: str, use_natasha: bool) -> AkimFinder:
    return AkimFinder(nlp.lang, person_finder_for(nlp, nlp.lang, use_natasha))
