"""Evidence sentences (issue 17, item 5): the title is a sentence of its own in both languages, so a
fact's `sentence` never runs from the title into the body (articles are title + "\\n" + text)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from spacy.language import Language

from newsmon.nlp.facts import build_facts
from newsmon.nlp.gazetteer import clear_cache, get_gazetteer
from newsmon.nlp.lang import blank
from newsmon.nlp.pipeline import build_pipeline, doc_text


@pytest.fixture(scope="module")
def pipes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Language]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('sentences') / 'newsmon.db'}"
    yield {lang: build_pipeline(lang, get_gazetteer(url)) for lang in ("ru", "kk")}
    clear_cache()


# [lang, title, body]: titles with and without a final mark, bodies that start in lower case, with a
# digit, a quote or a name, so that no punctuation rule would split them from the title
ROWS = [
    (
        "ru",
        "Акимат Алматы выделил 5 млрд тенге",
        "Аким города Ерболат Досаев сказал, что 3 млрд тенге уйдут на дороги.",
    ),
    (
        "ru",
        "На ремонт школ направят 7 млн долларов",
        "в Костанае по программе «Ауыл аманаты» выдали 2 млрд тенге.",
    ),
    (
        "ru",
        "Сколько стоит ремонт дорог в Шымкенте?",
        "12 млрд тенге выделено городу, сообщил аким Габит Сыздыкбеков.",
    ),
    (
        "ru",
        "Жители Атырау получат 40 млн тенге!",
        "«Программа Нурлы жер продлена», — заявил аким города Кайрат Уксукбаев.",
    ),
    (
        "kk",
        "Алматы әкімдігі 5 млрд теңге бөлді",
        "Қала әкімі Ерболат Досаев 3 млрд теңге жолдарға жұмсалатынын айтты.",
    ),
    (
        "kk",
        "Мектептерді жөндеуге 7 млн доллар бөлінеді",
        "қостанайлықтарға «Ауыл аманаты» бағдарламасы бойынша 2 млрд теңге берілді.",
    ),
    (
        "kk",
        "Шымкент жолдары қанша тұрады?",
        "12 млрд теңге бөлінді, деп хабарлады қала әкімі Ғабит Сыздықбеков.",
    ),
    (
        "kk",
        "Атырау тұрғындары 40 млн теңге алады!",
        "«Нұрлы жер бағдарламасы жалғасады», — деді Атырау қаласының әкімі Қайрат Үксікбаев.",
    ),
]


@pytest.mark.parametrize(("lang", "title", "body"), ROWS)
def test_title_is_its_own_sentence(
    pipes: dict[str, Language], lang: str, title: str, body: str
) -> None:
    text = doc_text(title, body)
    facts = build_facts(pipes[lang](text))
    in_title = [f for f in facts if f.start < len(title)]
    in_body = [f for f in facts if f.start > len(title)]
    assert in_title and in_body, [(f.kind, f.text) for f in facts]
    for f in in_title:
        assert f.sentence == title, (f.kind, f.text, f.sentence)
    for f in in_body:
        assert title not in f.sentence and "\n" not in f.sentence, (f.kind, f.text, f.sentence)
        assert f.sentence in body and f.text in f.sentence


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Заголовок\nТекст тела.", ["Заголовок", "Текст тела."]),
        ("Заголовок!\nТекст. Второе.", ["Заголовок!", "Текст.", "Второе."]),
        ("Тақырып \n\nБірінші абзац\nекінші абзац", ["Тақырып", "Бірінші абзац", "екінші абзац"]),
        ("Тек тақырып", ["Тек тақырып"]),
        ("\nТолько текст", ["Только текст"]),
    ],
)
def test_line_breaks_end_sentences(lang: str, text: str, sentences: list[str]) -> None:
    import newsmon.nlp.pipeline  # noqa: F401  (registers newsmon_line_breaks)

    nlp = blank(lang)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("newsmon_line_breaks")
    got = [s.text for s in nlp(text).sents if s.text.strip()]
    assert got == sentences
