"""Language of short Russian, Kazakh and English texts, including Kazakh with few Kazakh-only letters."""

from __future__ import annotations

import pytest

from newsmon.ingest.langid import detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Аким области провёл совещание", "ru"),
        ("Президент встретился с послом Франции", "ru"),
        ("В Шемонаихинском районе ВКО паводок", "ru"),
        (
            "По программе «Ауыл аманаты» выдали кредиты на 1,5 млрд тенге",
            "ru",
        ),  # Kazakh name in Russian
        ("Облыс әкімі кеңес өткізді", "kk"),
        ("Бүгін Астанада жиналыс болды", "kk"),  # few Kazakh-only letters
        ("Президент елшімен кездесті", "kk"),  # no Kazakh-only letter at all
        ("Мен сені сүйемін", "kk"),
        ("Ауыл аманаты бағдарламасы бойынша несие берілді", "kk"),
        ("The akim of the region held a meeting", "en"),
        ("Kazakhstan's government approved the budget", "en"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_hint_decides_only_when_text_says_nothing() -> None:
    assert detect_language("12345 !!!", hint="kk") == "kk"
    assert detect_language("Аким области провёл совещание", hint="kk") == "ru"
