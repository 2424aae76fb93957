"""Tokenizer rules shared by the Russian and Kazakh pipelines (infixes for glued words, URLs)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

from spacy.attrs import ORTH
from spacy.lang.char_classes import ALPHA
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex

from newsmon.text import CYR_LOWER, CYR_UPPER

_HYPHEN_RULE = "(?:-|–|—|--|---|——|~)"
LOWER_CYR = CYR_LOWER
UPPER_CYR = CYR_UPPER

# Feeds flatten HTML without separators: «передаетTengrinews.kzсо ссылкой», «заявил.Также».
GLUE_INFIXES = [
    rf"(?<=[{LOWER_CYR}])(?=[A-Z])",  # cyrillic word glued to a Latin name
    rf"(?<=[a-z])(?=[{LOWER_CYR}{UPPER_CYR}])",  # Latin glued to a Cyrillic word
    rf"(?<=[{LOWER_CYR}]{{2}})\.(?=[{UPPER_CYR}])",  # sentence end glued to the next sentence
    rf"(?<=[{LOWER_CYR}]{{2}})(?=[{UPPER_CYR}][{LOWER_CYR}])",  # «часу»+«Подробнее»
    rf"(?<=^[иваксуоИВАКСУО])(?=[{UPPER_CYR}][{LOWER_CYR}]{{2}})",  # «иДархана», «вАстане»
    rf"(?<=[{ALPHA}])(?:–|—|--|---|——|~)(?=[{ALPHA}])",  # long dashes still split words
]


def infixes(base: Sequence[str | re.Pattern[str]]) -> list[str | re.Pattern[str]]:
    """Base infixes without the hyphen split (Восточно-Казахстанская stays one token), plus glue rules."""
    kept = [rule for rule in base if isinstance(rule, re.Pattern) or _HYPHEN_RULE not in rule]
    return [*kept, *GLUE_INFIXES]


# only explicit URLs are kept whole: spaCy's default also swallows «передаетTengrinews.kzсо»
URL_MATCH = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE).match


# «и.о. акима», «әкімінің м.а.» (acting): one token, so the dot ends no sentence
TITLE_ABBREVIATIONS = ("и.о.", "И.о.", "И.О.", "м.а.", "М.а.", "М.А.")


def customize_tokenizer(nlp: Language) -> Language:
    tokenizer = cast(
        Tokenizer, nlp.tokenizer
    )  # spaCy types it as any callable; ours is a Tokenizer
    tokenizer.infix_finditer = compile_infix_regex(infixes(nlp.Defaults.infixes or ())).finditer
    tokenizer.url_match = URL_MATCH
    for abbr in TITLE_ABBREVIATIONS:
        tokenizer.add_special_case(abbr, [{ORTH: abbr}])
    return nlp
