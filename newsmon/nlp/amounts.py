"""Amounts in Russian and Kazakh: money, percentages, areas and head counts, normalized to one unit.

`newsmon_amounts` writes `doc.spans["amounts"]`; each span has `span._.amount`, an `AmountFact` with
`value` (float, whole units: «1,5 млрд тенге» → 1500000000.0), `unit` (KZT, USD, RUB, EUR, %, ha,
km2, m2, people), `raw` (surface text), `implicit` (currency taken from the article, not written),
`confidence`, `kind` (money, percent, area, count), `range` (None, "min" or "max") and `program`
(canonical programme name linked from the same sentence or clause, or None).

Numbers are digits or words of any length in both languages («жиырма төрт миллиард алты жүз миллион
теңге», «два миллиарда триста миллионов», «бір жарым», «полтора», «пол-миллиона»), decimals in words
included («сексен алты бүтін оннан бес миллиард» = 86,5 млрд, «три целых две десятых»).
Ranges («от 1 до 2 млрд тенге», «с 5 до 10 тысяч», «1,5–2 млрд тенге», «екі-үш мың теңгеге»,
«бес жүз мың – жеті жүз мың теңге», the Kazakh ablative «бес мыңнан жеті мың теңгеге дейін») give
two amounts, the bounds, marked `range: "min"` and `"max"`; the lower bound borrows the unit of the
upper one, and its scale when it has none.
A number with a scale word but no currency («на 1,5 млрд под 2,5%») is money only when the article
names a currency elsewhere (in another amount, or else as a bare currency word in the same sentence)
and the next word is not a noun it could count («9,5 млн кубометров», «5 мыңнан астам адам»);
it is kept with `implicit: True`, that currency and a lower confidence.
Bare numbers (no scale, no unit) are never amounts, so years and dates («2024 жылы», «в 2025 году»,
«15 сәуір») are not money; ordinals («екі мыңыншы жылы») are not scales.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from newsmon.nlp.lang import lang_of
from newsmon.nlp.records import AmountFact

SPAN_KEY = "amounts"
LABELS = {"money": "MONEY", "percent": "PERCENT", "area": "AREA", "count": "COUNT"}

_L = "a-zA-Zа-яА-ЯёЁәғқңөұүһіӘҒҚҢӨҰҮҺІ"  # letters: words must not continue into them
_NB = rf"(?<![{_L}])"  # no letter just before
_NA = rf"(?![{_L}])"  # no letter just after
_KK_SUFFIX_AFTER_ABBR = r"(?:-[а-яәғқңөұүһі]{1,6})?"  # «млрд-қа», «%-ға»

# ---- the lexicon -------------------------------------------------------------------------------

_RU_NUMBERS: dict[str, float] = {}


def _forms(value: float, *words: str) -> None:
    for w in words:
        _RU_NUMBERS[w] = value


_forms(0, "ноль", "нуль", "ноля", "нуля")
_forms(1, "один", "одна", "одно", "одного", "одной", "одному", "одним", "одном", "одну", "одною")
_forms(2, "два", "две", "двух", "двум", "двумя")
_forms(3, "три", "трех", "трёх", "трем", "трём", "тремя")
_forms(4, "четыре", "четырех", "четырёх", "четырем", "четырём", "четырьмя")
for _v, _stem in enumerate(("пят", "шест", "сем", "восем", "девят", "десят"), start=5):
    _forms(_v, _stem + "ь", _stem + "и", _stem + "ью")
_forms(8, "восьми", "восьмью")
for _v, _stem in enumerate(
    (
        "одиннадцат",
        "двенадцат",
        "тринадцат",
        "четырнадцат",
        "пятнадцат",
        "шестнадцат",
        "семнадцат",
        "восемнадцат",
        "девятнадцат",
    ),
    start=11,
):
    _forms(_v, _stem + "ь", _stem + "и", _stem + "ью")
_forms(20, "двадцать", "двадцати", "двадцатью")
_forms(30, "тридцать", "тридцати", "тридцатью")
_forms(40, "сорок", "сорока")
_forms(50, "пятьдесят", "пятидесяти", "пятьюдесятью")
_forms(60, "шестьдесят", "шестидесяти", "шестьюдесятью")
_forms(70, "семьдесят", "семидесяти", "семьюдесятью")
_forms(80, "восемьдесят", "восьмидесяти", "восемьюдесятью")
_forms(90, "девяносто", "девяноста")
_forms(100, "сто", "ста")
_forms(200, "двести", "двухсот", "двумстам", "двумястами", "двухстах")
_forms(300, "триста", "трехсот", "трёхсот", "тремстам", "тремястами", "трехстах", "трёхстах")
_forms(400, "четыреста", "четырехсот", "четырёхсот", "четыремстам", "четырьмястами", "четырехстах")
for _v, _w in ((500, "пят"), (600, "шест"), (700, "сем"), (800, "восем"), (900, "девят")):
    _forms(
        _v,
        _w + "ьсот",
        _w.replace("восем", "восьм") + "исот",
        _w.replace("восем", "восьм") + "истам",
        _w + "ьюстами",
        _w.replace("восем", "восьм") + "истах",
    )
_forms(1.5, "полтора", "полторы", "полутора")

KK_NUMBERS: dict[str, float] = {
    "нөл": 0,
    "бір": 1,
    "екі": 2,
    "үш": 3,
    "төрт": 4,
    "бес": 5,
    "алты": 6,
    "жеті": 7,
    "сегіз": 8,
    "тоғыз": 9,
    "он": 10,
    "жиырма": 20,
    "отыз": 30,
    "қырық": 40,
    "елу": 50,
    "алпыс": 60,
    "жетпіс": 70,
    "сексен": 80,
    "тоқсан": 90,
}
KK_NUMBERS["жарты"] = 0.5  # «жарты миллион» = 500 000
RU_NUMBERS = dict(_RU_NUMBERS)
HALF_WORDS = {"жарым": 0.5}  # and «с половиной»
HUNDRED_WORDS = {"жүз"}  # Kazakh «екі жүз» = 2 × 100

# Kazakh case endings: the ablative «-нан/-ден/-тан…» marks the first end of a range («бес мыңнан
# жеті мың теңгеге дейін»); a number word or scale word that carries it ends its number
_KK_ABLATIVE = ("нан", "нен", "дан", "ден", "тан", "тен")
_KK_ABLATIVE_END = re.compile(r"(?:нан|нен|дан|ден|тан|тен)$", re.I)
_KK_FRONT_VOWELS = set("әеіөүи")
_KK_VOWELS = _KK_FRONT_VOWELS | set("аоұыуя")


def kk_ablative(word: str) -> str:
    """«бес» → «бестен», «он» → «оннан», «жиырма» → «жиырмадан», «елу» → «елуден»: the ablative of a
    Kazakh word. у/и/ю are neutral in Kazakh harmony: the vowel before them decides."""
    vowels = [c for c in word if c in _KK_VOWELS and c not in "уию"] or [
        c for c in word if c in _KK_VOWELS
    ]
    front = bool(vowels) and vowels[-1] in _KK_FRONT_VOWELS
    last = word[-1]
    if last in _KK_VOWELS or last in "рлйзжуw":
        head = "д"
    elif last in "мнң":
        head = "н"
    else:
        head = "т"
    return word + head + ("ен" if front else "ан")


# decimal fractions in words: Kazakh «сексен алты бүтін оннан бес» (86,5: the denominator comes
# first, in the ablative), Russian «восемьдесят шесть целых пять десятых» (the denominator last)
_KK_DENOMINATORS = {"оннан": 10.0, "жүзден": 100.0, "мыңнан": 1000.0}
_RU_DENOMINATORS = {"десят": 10.0, "сот": 100.0, "тысячн": 1000.0}
_RU_FRACTION_END = r"(?:ых|ая|ой|ую|ые|ыми)"

_SCALE_RX = {
    1e3: r"тыс\.?|тысяч(?!н)[а-я]{0,3}|мың(?![ыі]?нш)[а-яәғқңөұүһі]{0,4}|myń|myn",
    1e6: r"млн\.?|миллион(?!н(?:ый|ая|ое|ого|ой|ом|ую|ые|ых|ым)|ер|[ыі]?нш)[а-яәғқңөұүһі]{0,4}|mln",
    1e9: r"млрд\.?|миллиард(?!н(?:ый|ая|ое|ого|ой|ом|ую|ые|ых|ым)|ер|[ыі]?нш)[а-яәғқңөұүһі]{0,4}|mlrd|bln",
    1e12: r"трлн\.?|триллион(?!н(?:ый|ая|ое|ого|ой|ом|ую|ые|ых|ым)|ер|[ыі]?нш)[а-яәғқңөұүһі]{0,4}|trln",
}
# a scale word alone is a number only in the singular: «миллиард тенге», not «миллионы тенге»
_ONE_SCALE_WORD = re.compile(
    r"(?:тысяч[аиуе]|тысячей|(?:миллион|миллиард|триллион)(?:а|у|ом|е)?|мың)"
    r"(?:[а-яәғқңөұүһі]{0,4})?",
    re.I,
)
_RU_PLURAL_SCALE = re.compile(r"(?:тысяч|(?:миллион|миллиард|триллион)(?:ы|ов|ам|ами|ах))", re.I)

_CURRENCY_RX = {
    "KZT": r"т[еэ][нң]ге[а-яәғқңөұүһі]*|тг\.?|тнг\.?|KZT|ten[gǵ]e\w{0,4}|teńge\w{0,4}",
    "USD": r"(?:американск[а-я]{1,3}\s+|АҚШ\s+)?(?:доллар[а-яәғқңөұүһі]{0,5}|долл\.?)(?:\s+США)?|USD|dollar\w{0,3}",
    "RUB": r"(?:российск[а-я]{1,3}\s+|ресей\s+)?(?:рубл[а-яәғқңөұүһі]{1,5}|руб\.?)|RUB",
    "EUR": r"евро|еуро(?!па)[а-яәғқңөұүһі]{0,5}|EUR|euro",
}
_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "₽": "RUB", "₸": "KZT"}
# currencies the product does not report: recognized only so that «164 млн сум» is not taken for tenge
_OTHER_CURRENCY_RX = (
    r"(?:[а-яё]+(?:ских|ского|ский|ская|ской|ские)\s+)?"
    r"(?:сум(?:ов|а|ы)?|риал[а-я]{0,3}|юан[а-яь]{0,3}|фунт[а-я]{0,4}|лир[а-я]{0,2}|манат[а-я]{0,3}|"
    r"сом(?:ов|а|ы)?|гривен|гривн[а-я]{0,3}|иен[а-я]{0,2}|йен[а-я]{0,2}|вон|франк[а-я]{0,3}|"
    r"лари|драм[а-я]{0,3}|дирхам[а-я]{0,3}|биткоин[а-я]{0,3}|МРП|АЕК|CNY|GBP|RUR|UZS|KGS)"
)
_UNIT_RX = {
    # kind, unit: pattern
    ("percent", "%"): r"процент(?:а|ов|ам|ами|ах|у|ом|е)?|проц\.|пайыз[а-яәғқңөұүһі]{0,6}",
    ("area", "ha"): r"гектар[а-яәғқңөұүһі]{0,5}|га(?:-[а-яәғқңөұүһі]+)?",
    (
        "area",
        "km2",
    ): r"кв\.\s?км|км²|км2|квадратн[а-я]{2,3}\s+километр[а-я]{0,3}|шаршы\s+(?:километр|шақырым)\w{0,5}",
    (
        "area",
        "m2",
    ): r"кв\.\s?м(?![а-яё])|м²|м2|квадратн[а-я]{2,3}\s+метр[а-я]{0,3}|шаршы\s+метр\w{0,5}",
    ("count", "people"): (
        r"человек[а-я]{0,2}|жител[а-яь]{1,3}|людей|граждан|"
        r"адам(?:ға|дан|ды|ның|ның|мен|нан|ға)?|тұрғын[а-яәғқңөұүһі]{0,6}"
    ),
}

# «86, 5 миллиард»: a decimal comma with a stray space (tokenized text), only right before a scale
# word and not inside a list («1, 2, 3 млн»)
_SPACED_DECIMAL_RX = (
    r"(?<!\d,\s)\d{1,3},[ \u00a0]\d{1,2}"
    r"(?=[ \u00a0]+(?:млн|млрд|трлн|тыс|мың|миллион|миллиард|триллион|mln|mlrd))"
)
_NUMBER_RX = (
    r"(?<![\d])(?<!\d[.,:])"
    rf"(?:{_SPACED_DECIMAL_RX}"
    r"|\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?:,\d+)?"
    r"|\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?"
    r"|\d+(?:[.,]\d+)?)"
    r"(?![\d]|[.,:]\d)"  # not a time «08:30» nor a date «15.04.2024»
)

# after a scale word with no unit, these words still allow the number to be money
_IMPLICIT_NEXT = set(
    "в во на под по за из от до с со к ко у о об при для без через и а но или либо что чтобы как уже еще ещё "
    "только лишь было были был была будет будут составил составила составило составили составляет составят "
    "выделено выделят выделили выделил выделила направлено направят потрачено потратят освоено стоит стоил "
    "стоила обошлось обойдется обойдётся получили получил получила ушло нужно необходимо требуется "
    "однако также тоже "
    # Kazakh
    "және мен бен пен ал бірақ немесе үшін ғана астам шамасында көлемінде бөлінді бөлінген бөлінеді "
    "бөлініп жұмсалды жұмсалған жұмсалады құрады құрайды болды болады болатын тұрады тұратын қажет "
    "дейін кейін арқылы бойынша".split()
)
# Kazakh words between a number and what it counts: «5 мыңнан астам адам», «2 млн шамасында тұрғын»
_KK_POSTPOSITIONS = {"астам", "ғана", "шамасында", "көлемінде", "жуық", "артық", "аса"}
_NEXT_WORD = re.compile(rf"\s*([{_L}]+|\S)?")

# ---- lexer --------------------------------------------------------------------------------------


def _alt(patterns: Iterable[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


@dataclass(frozen=True)
class _Atom:
    kind: str  # num, word, half, hundred, scale, cur, cursym, other, unit, pctsym, dash, ot, do
    start: int
    end: int
    value: float = 0.0
    unit: str = ""
    unit_kind: str = ""
    abl: bool = False  # carries the Kazakh ablative: the number ends here, a range may follow


def _parse_number(text: str) -> float:
    t = re.sub(r"[ \u00a0\u202f\u2009]", "", text)
    if t.count(".") >= 2:
        t = t.replace(".", "")
    return float(t.replace(",", "."))


# first two letters (lower case) of every word the lexer regex can start with; other words are skipped
_ATOM_PREFIXES = set(
    "ты мы my мл ми ml bl тр tr "  # scales
    "те тэ тг тн te kz ам до us do ро ру ru ев еу eu "  # currencies
    "су ри юа фу ли ма со гр ие йе во фр ла др ди би мр ае cn gb uz kg "  # other currencies
    "пр па ге га кв км ша м² м2 че жи лю ад тұ "  # percent, area, people
    "ақ бү це по ре".split()  # «АҚШ доллары», «бүтін оннан», «целых», «пол-миллиона»
) | {"с ", "с\u00a0"}
_SCAN = re.compile(rf"[{_L}]+|\d+|[%$€₽₸\-–—]")


class _Lexer:
    """Finds the pieces amounts are made of: a cheap scan of words, a regex only where one may start."""

    def __init__(self, number_words: dict[str, float]) -> None:
        self.words: dict[str, tuple[str, float]] = {w: ("word", v) for w, v in number_words.items()}
        self.words.update({w: ("half", v) for w, v in HALF_WORDS.items() if " " not in w})
        self.words.update({w: ("hundred", 100.0) for w in HUNDRED_WORDS})
        self.ablatives: dict[str, tuple[str, float]] = {
            kk_ablative(w): hit
            for w, hit in self.words.items()
            if (w in KK_NUMBERS or w in HUNDRED_WORDS) and hit[1] > 1  # «бірден» is «at once»
        }
        self.words.update(
            {
                "от": ("ot", 0.0),
                "с": ("ot", 0.0),  # «с 5 до 10 млн тенге»
                "со": ("ot", 0.0),
                "from": ("ot", 0.0),
                "до": ("do", 0.0),
                "to": ("do", 0.0),
            }
        )
        numerals = sorted(
            (re.escape(w) for w in number_words if " " not in w), key=len, reverse=True
        )
        numeral = rf"(?:\d+|{'|'.join(numerals)}|жүз|сто|ста)"
        phrase = rf"{numeral}(?:\s+{numeral}){{0,3}}"
        kk_frac = rf"бүтін\s+(?:{'|'.join(_KK_DENOMINATORS)})\s+{phrase}"
        ru_frac = rf"цел{_RU_FRACTION_END}\s+{phrase}\s+(?:{'|'.join(_RU_DENOMINATORS)}){_RU_FRACTION_END}"
        self.frac_words = re.compile(rf"\d+|[{_L}]+")
        groups = [
            ("frac", _NB + f"(?:{kk_frac}|{ru_frac})" + _NA),
            ("numabl", f"(?:{_NUMBER_RX})-(?:{'|'.join(_KK_ABLATIVE)})" + _NA),  # «5-тен»
            ("polscale", _NB + r"пол-?(?=(?:миллион|миллиард|триллион)[а-я]{0,3}" + _NA + ")"),
            ("num", _NUMBER_RX),
            ("scale", _NB + "(?:" + _alt(_SCALE_RX.values()) + ")" + _KK_SUFFIX_AFTER_ABBR + _NA),
            ("cur", _NB + "(?:" + _alt(_CURRENCY_RX.values()) + ")" + _NA),
            ("other", _NB + _OTHER_CURRENCY_RX + _NA),
            ("unit", _NB + "(?:" + _alt(_UNIT_RX.values()) + ")" + _NA),
            ("pctsym", r"%(?:-[а-яәғқңөұүһі]{1,6})?"),
            ("cursym", r"[$€₽₸]"),
            ("half", _NB + "с половиной" + _NA),
            ("dash", r"[-–—]"),
        ]
        self.rx = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in groups), re.I)
        self.scales = [
            (v, re.compile(f"(?:{rx}){_KK_SUFFIX_AFTER_ABBR}", re.I)) for v, rx in _SCALE_RX.items()
        ]
        self.bare_scale = re.compile(
            "(?:" + _alt(_SCALE_RX.values()) + ")" + _KK_SUFFIX_AFTER_ABBR + _NA, re.I
        )
        self.currencies = [(c, re.compile(rx, re.I)) for c, rx in _CURRENCY_RX.items()]
        self.units = [(k, re.compile(rx, re.I)) for k, rx in _UNIT_RX.items()]
        # what a number counts when it is no money: a unit or another currency
        self.counted = re.compile(
            "(?:" + _alt(_UNIT_RX.values()) + "|" + _OTHER_CURRENCY_RX + ")" + _NA, re.I
        )
        self.number_words = number_words

    def _fraction(self, text: str) -> float:
        """The value of «бүтін оннан бес» (0.5) or «целых двадцать пять сотых» (0.25)."""
        words = [w.lower() for w in self.frac_words.findall(text)][1:]  # drop бүтін / целых
        if words[0] in _KK_DENOMINATORS:
            denominator, numerals = _KK_DENOMINATORS[words[0]], words[1:]
        else:
            stem = next(d for d in _RU_DENOMINATORS if words[-1].startswith(d))
            denominator, numerals = _RU_DENOMINATORS[stem], words[:-1]
        value = 0.0
        for w in numerals:
            if w.isdigit():
                value += float(w)
            elif w == "жүз":
                value = (value or 1.0) * 100
            else:
                value += self.number_words.get(w, 0.0)
        return value / denominator

    def atoms(self, text: str) -> Iterator[_Atom]:
        done = 0
        for w in _SCAN.finditer(text):
            s = w.start()
            if s < done:
                continue
            if w.group()[0].isalpha():
                if s and text[s - 1].isalpha():
                    continue
                low = w.group().lower()
                hit = self.words.get(low)
                abl = False
                if hit is None:
                    hit = self.ablatives.get(low)
                    abl = hit is not None
                if (
                    hit is not None
                    and (w.end() == len(text) or not text[w.end()].isdigit())
                    and not (low == "с" and _HALF_AFTER.match(text, s))
                ):
                    yield _Atom(hit[0], s, w.end(), hit[1], abl=abl)
                    continue
                if text[s : s + 2].lower() not in _ATOM_PREFIXES:
                    continue
            m = self.rx.match(text, s)
            if m is None:
                continue
            done = m.end()
            kind = m.lastgroup or ""
            e, t = m.end(), m.group()
            if kind == "num":
                yield _Atom("num", s, e, _parse_number(t))
            elif kind == "numabl":
                yield _Atom("num", s, e, _parse_number(t.rsplit("-", 1)[0]), abl=True)
            elif kind == "frac":  # adds to the whole part before it, as «жарым» does
                yield _Atom("half", s, e, self._fraction(t))
            elif kind == "polscale":  # «пол-миллиона»: a half, then the scale word
                yield _Atom("word", s, e, 0.5)
                sm = self.bare_scale.match(text, e)
                if sm is not None:
                    done = sm.end()
                    value = next(v for v, rx in self.scales if rx.fullmatch(sm.group()))
                    yield _Atom("scale", e, sm.end(), value)
            elif kind == "half":
                yield _Atom("half", s, e, 0.5)
            elif kind == "scale":
                value = next(v for v, rx in self.scales if rx.fullmatch(t))
                yield _Atom("scale", s, e, value, abl=bool(_KK_ABLATIVE_END.search(t)))
            elif kind == "cur":
                yield _Atom(
                    "cur", s, e, unit=next(c for c, rx in self.currencies if rx.fullmatch(t))
                )
            elif kind == "cursym":
                yield _Atom("cursym", s, e, unit=_CURRENCY_SYMBOLS[t])
            elif kind == "unit":
                (ukind, unit) = next(k for k, rx in self.units if rx.fullmatch(t))
                yield _Atom("unit", s, e, unit=unit, unit_kind=ukind)
            elif kind == "pctsym":
                yield _Atom("pctsym", s, e, unit="%", unit_kind="percent")
            else:
                yield _Atom(kind, s, e)


_HALF_AFTER = re.compile(r"с половиной(?![а-я])", re.I)
_CAPITALIZED = re.compile(r"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][a-zа-яёәғқңөұүһі]")
_GAP = re.compile(r"[ \u00a0\u202f\u2009\t]{0,3}")


def _chains(atoms: Iterable[_Atom], text: str) -> Iterator[list[_Atom]]:
    """Runs of atoms separated by nothing but a few spaces (and no sentence end: «2 млн. Теңге …»)."""
    chain: list[_Atom] = []
    for a in atoms:
        if chain and (
            not _GAP.fullmatch(text, chain[-1].end, a.start)
            or (text[chain[-1].end - 1] == "." and _CAPITALIZED.match(text, a.start))
        ):
            yield chain
            chain = []
        chain.append(a)
    if chain:
        yield chain


# ---- parser -------------------------------------------------------------------------------------


@dataclass
class _Quantity:
    first: int  # index of its first atom
    last: int  # index after its last atom
    start: int
    end: int
    value: float
    scaled: bool  # a scale word is part of it
    words: bool  # spelled in words
    digits: bool  # has a number (not only a scale word)
    abl: bool = False  # its last word is in the Kazakh ablative: «бес мыңнан …»


@dataclass
class Amount:
    """What the finder found, before it becomes a span."""

    start: int
    end: int
    value: float
    unit: str
    kind: str
    raw: str
    implicit: bool = False
    confidence: float = 0.9
    range: str | None = None

    def record(self) -> AmountFact:
        """What the span carries (`span._.amount`); the programme is linked later."""
        return AmountFact(
            value=self.value,
            unit=self.unit,
            raw=self.raw,
            kind=self.kind,
            implicit=self.implicit,
            confidence=self.confidence,
            range=self.range,
        )


_QUANT_KINDS = {"num", "word", "half", "hundred", "scale"}


def _quantity(chain: list[_Atom], i: int) -> _Quantity | None:
    """The longest well-formed quantity starting at chain[i]: «2 млн 300 тыс.», «бір жарым миллиард»."""
    total = current = 0.0
    have = scaled = words = digits = False
    last_scale = float("inf")
    j, end = i, chain[i].start
    while j < len(chain) and chain[j].kind in _QUANT_KINDS:
        a = chain[j]
        if a.kind == "num":
            if have:  # two numbers in a row: the quantity ends before the second
                break
            if scaled and not _smaller_scale_follows(chain, j + 1, last_scale):
                break  # «2 млн 300 тыс.» goes on; «5 млн 300 человек» does not
            current, have = a.value, True
        elif a.kind == "word":
            if have and (chain[j - 1].kind == "num" or (current and current <= a.value)):
                break  # «5 двадцать», «пять двадцать»: not one number
            current += a.value
            have = words = True
        elif a.kind == "half":
            if not have:
                break
            current += a.value
        elif a.kind == "hundred":
            current = (current or 1.0) * 100
            have = words = True
        else:  # scale
            if a.value >= last_scale:
                break
            total += (current if have else 1.0) * a.value
            digits = digits or have
            current, have = 0.0, False
            last_scale, scaled = a.value, True
        end = a.end
        j += 1
        if a.abl:  # «бес мыңнан»: a case ending closes the number
            break
    if j == i:
        return None
    digits = digits or have
    value = total + (current if have else 0.0)
    return _Quantity(i, j, chain[i].start, end, value, scaled, words, digits, chain[j - 1].abl)


def _smaller_scale_follows(chain: list[_Atom], j: int, last_scale: float) -> bool:
    return j < len(chain) and chain[j].kind == "scale" and chain[j].value < last_scale


class AmountFinder:
    """Finds amounts in a text; reusable, built once per pipeline."""

    def __init__(
        self,
        lang: str = "ru",
        implicit_confidence: float = 0.5,
        implicit_without_currency: bool = False,
        default_currency: str = "KZT",
    ) -> None:
        words = dict(RU_NUMBERS)
        if lang == "kk":
            words.update(KK_NUMBERS)
        else:  # Kazakh numerals in Russian text, except «он» (Russian «he»)
            words.update({k: v for k, v in KK_NUMBERS.items() if k != "он"})
        self.lexer = _Lexer(words)
        self.implicit_confidence = implicit_confidence
        self.implicit_without_currency = implicit_without_currency
        self.default_currency = default_currency

    def find(self, text: str) -> list[Amount]:
        found: list[Amount] = []
        # scale without currency: decided once the article's currency is known
        pending: list[Amount] = []
        bare: list[_Atom] = []  # currency words with no number of their own
        for chain in _chains(self.lexer.atoms(text), text):
            self._parse_chain(chain, text, found, pending, bare)
        if pending:
            currencies = Counter(a.unit for a in found if a.kind == "money")
            unit, conf = "", self.implicit_confidence
            if currencies:
                top = max(currencies.values())
                best = [c for c in currencies if currencies[c] == top]
                unit = self.default_currency if self.default_currency in best else best[0]
            elif self.implicit_without_currency:
                unit, conf = self.default_currency, self.implicit_confidence * 0.6
            for a in pending:
                # no money in the article: a currency word in the same sentence («46 млрд (теңге)»)
                a.unit = unit or _currency_in_sentence(text, a, bare)
                a.confidence = conf
            found.extend(a for a in pending if a.unit)
            found.sort(key=lambda a: (a.start, a.end))
        return found

    def _parse_chain(
        self,
        chain: list[_Atom],
        text: str,
        found: list[Amount],
        pending: list[Amount],
        bare: list[_Atom],
    ) -> None:
        i = 0
        n = len(chain)
        while i < n:
            a = chain[i]
            if a.kind == "ot":
                nxt = self._range_from_to(chain, i, text)
                if nxt:
                    self._emit(nxt[0], found, pending)
                    i = nxt[1]
                    continue
                i += 1
                continue
            prefix: _Atom | None = None
            if a.kind in ("cursym", "pctsym") and i + 1 < n and chain[i + 1].kind == "num":
                prefix, i = a, i + 1
            elif a.kind not in _QUANT_KINDS:
                if a.kind in ("cur", "cursym"):
                    bare.append(a)
                i += 1
                continue
            q = _quantity(chain, i)
            if q is None:
                i += 1
                continue
            # «1,5–2 млрд тенге», «екі-үш мың теңгеге», «бес жүз мың – жеті жүз мың теңге» and the
            # Kazakh «бес мыңнан жеті мың теңгеге дейін»: the first end borrows the unit of the second
            # (and its scale when it has none)
            if prefix is None and q.last < n:
                upper_at = None
                if q.abl and chain[q.last].kind in _QUANT_KINDS:
                    upper_at = q.last
                elif (
                    q.last + 1 < n
                    and chain[q.last].kind == "dash"
                    and chain[q.last + 1].kind in _QUANT_KINDS
                ):
                    upper_at = q.last + 1
                made = self._range(chain, q, upper_at, text) if upper_at is not None else None
                if made is not None:
                    self._emit(made[0], found, pending)
                    i = made[1]
                    continue
            single = self._finish(chain, q, prefix, text)
            if single is None:
                i = q.last if q.last > i else i + 1
                continue
            amount, i = single
            self._emit([amount], found, pending)

    def _range(
        self, chain: list[_Atom], q: _Quantity, upper_at: int, text: str
    ) -> tuple[list[Amount], int] | None:
        """The two ends of a range whose second end starts at chain[upper_at]; None if it is none."""
        upper = _quantity(chain, upper_at)
        if upper is None:
            return None
        made = self._finish(chain, upper, None, text, range_="max")
        if made is None:
            return None
        hi, nxt_i = made
        if q.scaled:  # «бес жүз мың – жеті жүз мың теңге»: both ends are whole amounts of money
            if hi.kind != "money" or not upper.scaled:
                return None
            lo_val = q.value
        else:
            lo_val = q.value * _scale_of(chain, upper_at, upper.last)
        lo = Amount(
            q.start,
            q.end,
            lo_val,
            hi.unit,
            hi.kind,
            text[q.start : hi.end],
            hi.implicit,
            hi.confidence,
            "min",
        )
        hi.raw = lo.raw
        return [lo, hi], nxt_i

    @staticmethod
    def _emit(amounts: list[Amount], found: list[Amount], pending: list[Amount]) -> None:
        for a in amounts:
            (pending if a.implicit else found).append(a)

    def _finish(
        self,
        chain: list[_Atom],
        q: _Quantity,
        prefix: _Atom | None,
        text: str,
        range_: str | None = None,
    ) -> tuple[Amount, int] | None:
        """The quantity with the unit after it (or the prefix before it); None when it is no amount."""
        j = q.last
        start = prefix.start if prefix else q.start
        unit_atom = chain[j] if j < len(chain) else None
        conf = 0.85 if q.words else 0.95
        if not q.digits:
            # «миллиард тенге»: only a full scale word with an explicit currency; «сотни миллионов» is vague
            if (
                prefix is None
                and unit_atom is not None
                and unit_atom.kind == "cur"
                and _ONE_SCALE_WORD.fullmatch(text, q.start, q.end)
                and not _RU_PLURAL_SCALE.fullmatch(text, q.start, q.end)
                and not _vague_before(text, q.start)
            ):
                return Amount(
                    start,
                    unit_atom.end,
                    q.value,
                    unit_atom.unit,
                    "money",
                    text[start : unit_atom.end],
                    confidence=0.8,
                    range=range_,
                ), j + 1
            return None
        if prefix is not None:
            if prefix.kind == "pctsym":
                return Amount(
                    start,
                    q.end,
                    q.value,
                    "%",
                    "percent",
                    text[start : q.end],
                    confidence=conf,
                    range=range_,
                ), j
            return Amount(
                start,
                q.end,
                q.value,
                prefix.unit,
                "money",
                text[start : q.end],
                confidence=conf,
                range=range_,
            ), j
        if unit_atom is not None and unit_atom.kind in ("cur", "cursym"):
            return Amount(
                start,
                unit_atom.end,
                q.value,
                unit_atom.unit,
                "money",
                text[start : unit_atom.end],
                confidence=conf,
                range=range_,
            ), j + 1
        if unit_atom is not None and unit_atom.kind in ("unit", "pctsym"):
            return Amount(
                start,
                unit_atom.end,
                q.value,
                unit_atom.unit,
                unit_atom.unit_kind,
                text[start : unit_atom.end],
                confidence=conf,
                range=range_,
            ), j + 1
        if unit_atom is not None and unit_atom.kind == "other":
            return None
        if q.scaled and self._implicit_ok(text, q.end):
            return Amount(
                start,
                q.end,
                q.value,
                "",
                "money",
                text[start : q.end],
                implicit=True,
                confidence=self.implicit_confidence,
                range=range_,
            ), j
        return None

    def _implicit_ok(self, text: str, end: int) -> bool:
        m = _NEXT_WORD.match(text, end)
        nxt = m.group(1) if m else None
        if not nxt:
            return True
        if not nxt[0].isalpha():
            return nxt not in "%$€₽₸"
        if (
            text[end - 1] == "." and nxt[0].isupper()
        ):  # «2 млрд. Остальное»: the dot ends the sentence
            return True
        if nxt.lower() in _KK_POSTPOSITIONS:
            # «5 мыңнан астам адам»: the noun after the postposition says what is counted
            after = _NEXT_WORD.match(text, m.end()) if m else None
            word = after.group(1) if after else None
            if word and self.lexer.counted.match(word):
                return False
        return nxt.lower() in _IMPLICIT_NEXT

    def _range_from_to(
        self, chain: list[_Atom], i: int, text: str
    ) -> tuple[list[Amount], int] | None:
        """«от 1 до 2 млрд тенге», «от 500 млн до 1 млрд тенге»."""
        if i + 1 >= len(chain) or chain[i + 1].kind not in _QUANT_KINDS:
            return None
        lo_q = _quantity(chain, i + 1)
        if lo_q is None:
            return None
        k = lo_q.last
        lo_unit = (
            chain[k]
            if k < len(chain) and chain[k].kind in ("cur", "cursym", "unit", "pctsym")
            else None
        )
        if lo_unit is not None:
            k += 1
        if k + 1 >= len(chain) or chain[k].kind != "do" or chain[k + 1].kind not in _QUANT_KINDS:
            return None
        hi_q = _quantity(chain, k + 1)
        if hi_q is None:
            return None
        made = self._finish(chain, hi_q, None, text, range_="max")
        if made is None:
            return None
        hi, nxt = made
        lo_val = lo_q.value if lo_q.scaled else lo_q.value * _scale_of(chain, k + 1, hi_q.last)
        lo = Amount(
            lo_q.start,
            lo_unit.end if lo_unit else lo_q.end,
            lo_val,
            hi.unit,
            hi.kind,
            text[chain[i].start : hi.end],
            hi.implicit,
            hi.confidence,
            "min",
        )
        hi.raw = lo.raw
        return [lo, hi], nxt


_SENTENCE_BREAK = re.compile(r"[.!?…](?:\s|$)|\n")


def _currency_in_sentence(text: str, amount: Amount, bare: list[_Atom]) -> str:
    """The unit of the nearest currency word in the amount's sentence, or ""."""
    best, gap = "", len(text)
    for c in bare:
        lo, hi = (amount.end, c.start) if c.start >= amount.end else (c.end, amount.start)
        # from the amount's last character: «2 млн. Курс тенге …» ends with the sentence's dot
        if hi - lo < gap and not _SENTENCE_BREAK.search(text, lo - 1, hi):
            best, gap = c.unit, hi - lo
    return best


def _scale_of(chain: list[_Atom], i: int, j: int) -> float:
    scales = [a.value for a in chain[i:j] if a.kind == "scale"]
    return min(scales) if scales else 1.0


_VAGUE = re.compile(
    r"(?:несколько|нескольких|сотни|сотен|десятки|десятков|многие|многих|миллионы|"
    r"миллиарды|тысячи|бірнеше|ондаған|жүздеген|мыңдаған)\s*$",
    re.I,
)


def _vague_before(text: str, start: int) -> bool:
    return bool(_VAGUE.search(text[max(0, start - 24) : start]))


# ---- spaCy --------------------------------------------------------------------------------------

if not Span.has_extension("amount"):
    Span.set_extension("amount", default=None)


class AmountsComponent:
    """spaCy component: `doc.spans["amounts"]` with `span._.amount` records; links programmes when present."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        implicit_confidence: float,
        implicit_without_currency: bool,
        default_currency: str,
        link_programs: bool,
    ) -> None:
        self.name = name
        self.finder = AmountFinder(
            lang_of(nlp), implicit_confidence, implicit_without_currency, default_currency
        )
        self.link_programs = link_programs

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        for a in self.finder.find(doc.text):
            span = doc.char_span(
                a.start, a.end, label=LABELS.get(a.kind, "AMOUNT"), alignment_mode="expand"
            )
            if span is None or len(span) == 0:
                continue
            span._.amount = a.record()
            spans.append(span)
        doc.spans[SPAN_KEY] = spans
        if self.link_programs and "programs" in doc.spans:
            link_amounts_to_programs(doc)
        return doc


@Language.factory(
    "newsmon_amounts",
    assigns=["doc.spans", "span._.amount"],
    default_config={
        "implicit_confidence": 0.5,
        "implicit_without_currency": False,
        "default_currency": "KZT",
        "link_programs": True,
    },
)
def make_amounts(
    nlp: Language,
    name: str,
    implicit_confidence: float,
    implicit_without_currency: bool,
    default_currency: str,
    link_programs: bool,
) -> AmountsComponent:
    """Money, percentages, areas and counts as `doc.spans["amounts"]`."""
    return AmountsComponent(
        nlp, name, implicit_confidence, implicit_without_currency, default_currency, link_programs
    )


# ---- linking amounts to programmes --------------------------------------------------------------

_SENT_END = re.compile(r"[.!?…]+[\"»”)]*(?=\s*[\"«“]?[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ])|\n+")
_CLAUSE_BREAK = re.compile(
    r";|:|\(|\)|\s[—–-]\s|,\s*(?:а|но|однако|тогда как|в то время как|а также|ал|бірақ|алайда)\s",
    re.I,
)


def _sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    if doc.has_annotation("SENT_START"):
        return [(s.start_char, s.end_char) for s in doc.sents]
    bounds, start = [], 0
    for m in _SENT_END.finditer(doc.text):
        bounds.append((start, m.end()))
        start = m.end()
    bounds.append((start, len(doc.text)))
    return bounds


def _clause_id(text: str, start: int, pos: int) -> int:
    return len(_CLAUSE_BREAK.findall(text, start, pos))


def _program_distance(text: str, s_start: int, clause: int, span: Span, p: Span) -> tuple[int, int]:
    """Sort key of programme `p` for amount `span`: same clause first, then the nearer one."""
    same = _clause_id(text, s_start, p.start_char) == clause
    gap = (
        p.start_char - span.end_char
        if p.start_char >= span.end_char
        else span.start_char - p.end_char
    )
    return (0 if same else 1, gap)


def link_amounts_to_programs(doc: Doc) -> None:
    """Set `span._.amount.program` to the nearest programme in the same sentence, same clause first."""
    amounts = doc.spans.get(SPAN_KEY)
    programs = doc.spans.get("programs")
    if not amounts or not programs:
        return
    bounds = _sentence_bounds(doc)
    starts = [b[0] for b in bounds]

    def sentence(pos: int) -> int:
        return max(0, bisect.bisect_right(starts, pos) - 1)

    by_sentence: dict[int, list[Span]] = {}
    for p in programs:
        if p._.program:
            by_sentence.setdefault(sentence(p.start_char), []).append(p)
    text = doc.text
    for span in amounts:
        amount: AmountFact | None = span._.amount
        if amount is None:
            continue
        k = sentence(span.start_char)
        cands = by_sentence.get(k)
        if not cands:
            amount.program = None
            continue
        s_start = bounds[k][0]
        clause = _clause_id(text, s_start, span.start_char)
        best = min(cands, key=functools.partial(_program_distance, text, s_start, clause, span))
        amount.program = best._.program.name
