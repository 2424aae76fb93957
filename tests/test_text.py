"""newsmon.text: the Kazakh↔Russian letter table, folding and its named і variant, stems, lemmas, languages."""

from __future__ import annotations

import pytest

from newsmon.text import (
    I_KEY,
    KK_LETTERS,
    KK_TO_RU,
    LANGS,
    NLP_LANGS,
    RU_TWINS,
    fold,
    initial_consonants,
    key_fold,
    kk_stem,
    kk_stems,
    kk_to_ru,
    morph,
    ru_lemma,
    skeleton,
    word_forms,
)

# every Kazakh letter Russian lacks, in both cases, and the Russian letter it is written with
LETTERS = [
    ("ә", "а"),
    ("ғ", "г"),
    ("қ", "к"),
    ("ң", "н"),
    ("ө", "о"),
    ("ұ", "у"),
    ("ү", "у"),
    ("һ", "х"),
    ("і", "и"),
    ("Ә", "А"),
    ("Ғ", "Г"),
    ("Қ", "К"),
    ("Ң", "Н"),
    ("Ө", "О"),
    ("Ұ", "У"),
    ("Ү", "У"),
    ("Һ", "Х"),
    ("І", "И"),
]


@pytest.mark.parametrize(("kk", "ru"), LETTERS)
def test_every_kazakh_letter_has_its_russian_counterpart(kk: str, ru: str) -> None:
    assert kk_to_ru(kk) == ru  # transliteration keeps the case
    assert fold(kk) == ru.lower()  # folding lowers it
    assert kk in RU_TWINS[ru.lower()] or kk.lower() in RU_TWINS[ru.lower()]
    expected_key = "ы" if kk.lower() == "і" else ru.lower()  # the one letter with a named variant
    assert key_fold(kk) == fold(kk, i=I_KEY) == expected_key


def test_the_table_covers_exactly_the_kazakh_letters() -> None:
    assert {k for k, _ in LETTERS} == KK_LETTERS
    assert set(KK_TO_RU) == {k for k, _ in LETTERS if k.islower()}


@pytest.mark.parametrize(
    ("text", "folded", "key", "plain"),
    [
        ("Өскемен", "оскемен", "оскемен", "өскемен"),
        ("Тілеубаев", "тилеубаев", "тылеубаев", "тілеубаев"),
        ("Шығыс Қазақстан облысы", "шыгыс казакстан облысы", "шыгыс казакстан облысы", None),
        ("Ёлкин, Щёкино", "елкин, щекино", "елкин, щекино", "елкин, щекино"),
        ("Кiшi (Latin i)", "кiшi (latin i)", "кышы (latыn ы)", None),
    ],
)
def test_fold_variants(text: str, folded: str, key: str, plain: str | None) -> None:
    assert fold(text) == folded
    assert key_fold(text) == key  # GUIDELINE territory key: і (and a Latin i typed for it) → ы
    if plain is not None:
        assert fold(text, kazakh=False) == plain  # case and ё only


def test_fold_keeping_case_keeps_length() -> None:
    text = "Ёлка в Өскемене, ЁЛКА"
    kept = fold(text, kazakh=False, lower=False)
    assert kept == "Елка в Өскемене, ЕЛКА" and len(kept) == len(text)
    assert kk_to_ru("Ёлка в Өскемене") == "Ёлка в Оскемене"  # transliteration leaves ё alone


@pytest.mark.parametrize(
    ("a", "b"),
    [("Курчум", "Күршім"), ("Жезказган", "Жезқазған"), ("Щучинск", "Шучинск")],
)
def test_skeletons_meet_across_spellings(a: str, b: str) -> None:
    assert skeleton(a) == skeleton(b)


@pytest.mark.parametrize(("a", "b"), [("Төлеубаевтың", "Тулеубаева"), ("Жұмабаевқа", "Жумабаеву")])
def test_initial_consonants_meet_across_languages(a: str, b: str) -> None:
    assert initial_consonants(a) == initial_consonants(b)


@pytest.mark.parametrize(
    ("word", "stem"),
    [("ауданының", "аудан"), ("облысында", "облыс"), ("мектебі", "мектеп"), ("теңге", "теңге")],
)
def test_kazakh_stem_is_one_form(word: str, stem: str) -> None:
    assert kk_stem(word) == stem
    # the candidate stems include the index's one, less its devoicing (мектеб → мектеп)
    assert stem in kk_stems(word) or stem[:-1] + "б" in kk_stems(word)


def test_kazakh_stems_are_every_candidate_and_read_a_latin_i() -> None:
    stems = kk_stems("ауданының")
    assert {"ауданының", "аудан"} <= stems
    assert kk_stems("ауылдықтарiнда") == kk_stems("ауылдықтарінда")


@pytest.mark.parametrize(
    ("word", "lemma"), [("акимов", "аким"), ("Ёлки", "елка"), ("ауданының", "аудан")]
)
def test_russian_lemma_and_word_forms(word: str, lemma: str) -> None:
    assert ru_lemma(word) == lemma
    assert lemma in word_forms(word)


def test_one_morphology_analyzer_per_process() -> None:
    from newsmon.nlp import persons, territories

    assert morph() is morph()
    assert territories._morph is morph and persons._morph is morph


def test_language_codes_are_defined_once() -> None:
    from newsmon.digest import labels
    from newsmon.ingest import langid
    from newsmon.nlp import pipeline
    from newsmon.nlp.ner import runner
    from newsmon.query import LANGS as QUERY_LANGS
    from newsmon.web import i18n

    assert LANGS == ("ru", "kk", "en") and NLP_LANGS == ("ru", "kk")
    assert langid.LANGS is LANGS and QUERY_LANGS is LANGS
    assert all(m.LANGS is NLP_LANGS for m in (labels, pipeline, runner, i18n))
