"""Kazakh for spaCy (spaCy 3.8 has none): registered as `kk` through the `spacy_languages` entry point."""

from __future__ import annotations

from spacy.attrs import LIKE_NUM, NORM, ORTH
from spacy.lang.punctuation import TOKENIZER_INFIXES
from spacy.lang.tokenizer_exceptions import BASE_EXCEPTIONS
from spacy.language import BaseDefaults, Language
from spacy.util import update_exc

from newsmon.nlp.tokenizer import URL_MATCH, infixes

# abbreviations that end in a dot or carry capitals; each stays one token
_ABBREVIATIONS = {
    "ж.": "жыл",
    "жж.": "жылдар",
    "т.б.": "тағы басқа",
    "т.с.с.": "тағы сол сияқты",
    "б.з.д.": "біздің заманымызға дейін",
    "б.з.": "біздің заманымыз",
    "млн.": "миллион",
    "млрд.": "миллиард",
    "трлн.": "триллион",
    "тг.": "теңге",
    "ш.": "шамамен",
    "қ.": "қаласы",
    "обл.": "облысы",
    "ауд.": "ауданы",
    "а.": "ауылы",
    "к-сі": "көшесі",
    "көш.": "көшесі",
    "мыс.": "мысалы",
    "т.": "том",
    "б.": "бет",
    "с.": "сағат",
    "мин.": "минут",
    "ҚР": "Қазақстан Республикасы",
    "ШҚО": "Шығыс Қазақстан облысы",
    "СҚО": "Солтүстік Қазақстан облысы",
    "БҚО": "Батыс Қазақстан облысы",
    "ОҚО": "Оңтүстік Қазақстан облысы",
    "ТМД": "Тәуелсіз Мемлекеттер Достастығы",
    "БҰҰ": "Біріккен Ұлттар Ұйымы",
    "ҰҚК": "Ұлттық қауіпсіздік комитеті",
    "ІІМ": "Ішкі істер министрлігі",
    "ТЖМ": "Төтенше жағдайлар министрлігі",
    "ҚХА": "Қазақстан халқы Ассамблеясы",
}

TOKENIZER_EXCEPTIONS = update_exc(
    BASE_EXCEPTIONS,
    {abbr: [{ORTH: abbr, NORM: norm}] for abbr, norm in _ABBREVIATIONS.items()}
    | {
        abbr.capitalize(): [{ORTH: abbr.capitalize(), NORM: norm}]
        for abbr, norm in _ABBREVIATIONS.items()
        if abbr.islower()
    },
)

_NUMBER_WORDS = {
    "нөл",
    "бір",
    "екі",
    "үш",
    "төрт",
    "бес",
    "алты",
    "жеті",
    "сегіз",
    "тоғыз",
    "он",
    "жиырма",
    "отыз",
    "қырық",
    "елу",
    "алпыс",
    "жетпіс",
    "сексен",
    "тоқсан",
    "жүз",
    "мың",
    "миллион",
    "миллиард",
    "триллион",
    "жарым",
}

STOP_WORDS = set(
    "және мен бен пен да де та те ал бірақ немесе не әлде үшін туралы бойынша арқылы дейін кейін сияқты секілді "
    "бұл сол осы ол олар біз сіз мен сен оның олардың біздің бар жоқ емес еді болды болып болса тағы да ғана "
    "әрі әр барлық кейбір қандай қайда қашан неге қалай сондай мұндай ретінде жөнінде қарай".split()
)


def like_num(text: str) -> bool:
    text = text.replace(",", "").replace(".", "").replace(" ", "")
    return text.isdigit() or text.lower() in _NUMBER_WORDS


class KazakhDefaults(BaseDefaults):
    tokenizer_exceptions = TOKENIZER_EXCEPTIONS
    infixes = tuple(infixes(TOKENIZER_INFIXES))
    # RUF012: spaCy reads it off the class, and BaseDefaults declares it without ClassVar
    lex_attr_getters = {LIKE_NUM: like_num}  # noqa: RUF012
    stop_words = STOP_WORDS
    url_match = URL_MATCH


class Kazakh(Language):  # type: ignore[no-untyped-call]  # spaCy's Language.__init_subclass__
    lang = "kk"
    Defaults = KazakhDefaults


__all__ = ["Kazakh"]
