"""Language of an article: ru, kk or en (Kazakh-specific letters first, then a restricted detector)."""

from __future__ import annotations

import re
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from newsmon.text import KK_LOWER, KK_UPPER, LANGS

_KK_LETTERS = KK_LOWER + KK_UPPER
_WORD = re.compile(r"[^\W\d_]+")
_KK_LETTER = re.compile(f"[{_KK_LETTERS}]")
_CYRILLIC = re.compile(r"[а-яёА-ЯЁ" + _KK_LETTERS + "]")
_TO_CODE = {Language.RUSSIAN: "ru", Language.KAZAKH: "kk", Language.ENGLISH: "en"}
SAMPLE_CHARS = 3000


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_TO_CODE).build()


def detect_language(text: str, hint: str | None = None) -> str:
    """'ru', 'kk' or 'en'. `hint` (the feed's language) decides only when the text says nothing."""
    sample = text[:SAMPLE_CHARS]
    words = _WORD.findall(sample)
    cyr = [w for w in words if _CYRILLIC.search(w)]
    if cyr:
        kk_words = sum(1 for w in cyr if _KK_LETTER.search(w))
        # Russian stories quote Kazakh names («Жетісу», «Ауыл аманаты»); a Kazakh text has many such words
        if kk_words / len(cyr) >= 0.12:
            return "kk"
        # four or more Cyrillic words and not one Kazakh letter: Kazakh text almost never looks like that
        if kk_words == 0 and len(cyr) >= 4 and len(cyr) >= len(words) / 2:
            return "ru"
    if not words:
        return hint if hint in LANGS else "ru"
    found = _detector().detect_language_of(sample)
    if found is None:
        return hint if hint in LANGS else ("ru" if cyr else "en")
    return _TO_CODE[found]
