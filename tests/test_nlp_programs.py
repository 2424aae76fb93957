"""Programme mentions in Russian and Kazakh: quoted names after programme words, the known list, hashtags."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

import newsmon.nlp.programs  # noqa: F401  (registers the factory)
from newsmon.errors import ConfigError
from newsmon.nlp.lang import blank
from newsmon.nlp.programs import BUILTIN_FILE, default_programs, load_programs, name_key
from newsmon.settings import get_settings


def make_nlp(lang: str, **config: object) -> Language:
    nlp = blank(lang)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("newsmon_programs", config=config)
    return nlp


@pytest.fixture(scope="module")
def pipes() -> dict[str, Language]:
    return {"ru": make_nlp("ru"), "kk": make_nlp("kk")}


def programs(nlp: Language, text: str) -> list[str]:
    doc = nlp(text)
    return [span._.program for span in doc.spans["programs"]]


# [lang, text, expected canonical names in order]
ROWS = [
    ("ru", "Жители получили кредиты по программе «Ауыл аманаты».", ["Ауыл аманаты"]),
    ("ru", "Жители получили кредиты по программе Ауыл аманаты в этом году.", ["Ауыл аманаты"]),
    (
        "ru",
        'Стартовала экологическая акция "Таза Қазақстан". Первая неделя - "Таза өлке".',
        ["Таза Қазақстан"],
    ),
    (
        "ru",
        'Двор участвует в проекте акимата района имени Казыбек би "Бюджет народного контроля" и ждёт.',
        ["Бюджет народного контроля"],
    ),
    ("ru", 'Он учился по программе "Болашак", получив диплом.', ["Болашак"]),
    (
        "ru",
        "Госпрограмма “Нұрлы жер” и нацпроект «Комфортная школа» продлены.",
        ["Нурлы жер", "Комфортная школа"],
    ),
    (
        "ru",
        "Средства направят по Дорожной карте занятости и в рамках Дорожной карты бизнеса 2025.",
        ["Дорожная карта занятости", "Дорожная карта бизнеса 2025"],
    ),
    (
        "ru",
        "Инициатива «Экономика простых вещей» и проекты «Алатау» и «Жас ғалым» одобрены.",
        ["Экономика простых вещей", "Алатау", "Жас ғалым"],
    ),
    (
        "ru",
        "В Шымкенте проходит акция #TazaShym. Уборка #TazaShym охватила все районы.",
        ["#TazaShym", "#TazaShym"],
    ),
    ("kk", "«Ауыл аманаты» бағдарламасы аясында 300 адам несие алды.", ["Ауыл аманаты"]),
    ("kk", "Ауыл аманатына қатысушылар саны артты.", ["Ауыл аманаты"]),
    (
        "kk",
        "«Жайлы мектеп» ұлттық жобасы мен «Ауыл – Ел бесігі» жобасы жалғасады.",
        ["Комфортная школа", "Ауыл – Ел бесігі"],
    ),
    ("kk", "«Нұрлы жер» тұрғын үй құрылысы бағдарламасы бойынша үйлер салынды.", ["Нурлы жер"]),
    ("kk", "Мемлекеттік бағдарлама «Еңбек» жұмыссыздарға көмектеседі.", ["Енбек"]),
    (
        "kk",
        "«Таза Қазақстан» акциясы мен «Жасыл ел» бастамасы қолдау тапты.",
        ["Таза Қазақстан", "Жасыл ел"],
    ),
    ("kk", "«Дипломмен – ауылға» бағдарламасы жас мамандарға арналған.", ["Дипломмен – ауылға"]),
    # not programmes
    ("ru", 'Директор ТОО "Кызылжар Су" заявил, что проект закона "О бюджете" готов.', []),
    ("ru", 'Акции компании "Казатомпром" выросли, а мероприятие "Қамқор" прошло.', []),
    ("ru", "Еңбек — это труд, а серпін значит порыв; таза Қазақстан — просто слова.", []),
    ("kk", "«Салық туралы» заң жобасы мен «Самұрық-Қазына» АҚ туралы жаңалық.", []),
    ("ru", 'Передает "Хабар 24" со ссылкой на "Казинформ".', []),
]


@pytest.mark.parametrize(("lang", "text", "expected"), ROWS)
def test_programs(pipes: dict[str, Language], lang: str, text: str, expected: list[str]) -> None:
    assert programs(pipes[lang], text) == expected


def test_span_text_is_the_name(pipes: dict[str, Language]) -> None:
    doc = pipes["kk"]("Тұрғындар «Ауыл аманаты» бағдарламасына қатысты.")
    (span,) = doc.spans["programs"]
    assert (span.text, span.label_, span._.program) == ("Ауыл аманаты", "PROGRAM", "Ауыл аманаты")


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize(
    "text",
    [
        "",
        "  \n ",
        '«»«»""“”„“ ###',
        "😀🔥 «😀» #️⃣",
        "программа программа акция «",
        'акция "' + "x" * 5000,
        "передаетTengrinews.kzсо ссылкой на программу«Ауыл аманаты»",
        "Auyl amanaty baǵdarlamasy boıynsha 2 mlrd teńge bólindi.",
    ],
)
def test_bad_input(pipes: dict[str, Language], lang: str, text: str) -> None:
    got = programs(pipes[lang], text)
    assert all(isinstance(p, str) and p and p.strip() == p for p in got)
    if "Ауыл аманаты" in text or "Auyl amanaty" in text:
        assert got == ["Ауыл аманаты"]


def test_five_megabytes(pipes: dict[str, Language]) -> None:
    from newsmon.nlp.programs import ProgramFinder

    chunk = (
        'Акция «Таза Қазақстан» и программа Ауыл аманаты; «Хабар 24» сообщает, проект "Без кавычек '
    )
    text = chunk * (5_000_000 // len(chunk) + 1)
    found = ProgramFinder(default_programs()).find(text)
    assert len(found) == 2 * text.count(chunk)


def test_builtin_list_is_valid_and_complete() -> None:
    names = {p.name for p in load_programs(BUILTIN_FILE)}
    for required in (
        "Ауыл аманаты",
        "Жер аманаты",
        "Дорожная карта занятости",
        "Нурлы жер",
        "Таза Қазақстан",
        "Ауыл – Ел бесігі",
        "Енбек",
        "Дорожная карта бизнеса 2025",
        "Экономика простых вещей",
        "Мәңгілік ел",
        "Рухани жаңғыру",
        "Серпін",
        "Жасыл ел",
        "Ұлттық қор – балаларға",
        "Комфортная школа",
        "Цифровой Казахстан",
        "Алтын сақа",
        "Дипломмен – ауылға",
    ):
        assert required in names


def test_name_key() -> None:
    assert name_key("«Ауыл – Ел бесігі»") == name_key("ауыл-ел бесиги") == "ауыл-ел бесиги"
    assert name_key("Нұрлы  жер") == name_key("Нурлы жер")


def test_user_programs_file_is_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "programs.yaml"
    extra.write_text(
        "programs:\n  - name: Сарыарқа жолы\n    variants: [Сарыарка жолы]\n", encoding="utf-8"
    )
    monkeypatch.setenv("NEWSMON_PROGRAMS_FILE", str(extra))
    get_settings.cache_clear()
    try:
        nlp = make_nlp("ru")
    finally:
        get_settings.cache_clear()
    assert programs(nlp, "Дороги строят по Сарыарка жолы, как и по программе Ауыл аманаты.") == [
        "Сарыарқа жолы",
        "Ауыл аманаты",
    ]


def test_config_file_without_builtin(tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text("- name: Моя программа\n", encoding="utf-8")
    nlp = make_nlp("kk", programs_file=str(extra), builtin=False)
    assert programs(nlp, "Моя программа және Ауыл аманатына қатысты.") == ["Моя программа"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("programs:\n  - name: Ауыл аманаты\n  - variants: [X]\n", "entry 2: field `name`"),
        ("programs:\n  - name: ''\n", "entry 1: field `name`"),
        (
            "programs:\n  - name: Жер аманаты\n    variants: Jer amanaty\n",
            "entry 1 (Жер аманаты): field `variants`",
        ),
        (
            "programs:\n  - name: Серпін\n    context: sometimes\n",
            "entry 1 (Серпін): field `context`",
        ),
        ("programs:\n  - name: Серпін\n    typo: 1\n", "entry 1 (Серпін): field `typo`"),
        ("programs:\n  - Ауыл аманаты\n", "entry 1: expected a mapping"),
        ("programs: {name: x}\n", "expected a list"),
        ("programs: [\n", "not valid YAML"),
    ],
)
def test_bad_programs_file(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_programs(bad)
    assert message in str(err.value) and str(bad) in str(err.value)


def test_missing_programs_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        default_programs(tmp_path / "nope.yaml")


def test_to_disk_from_disk(tmp_path: Path) -> None:
    extra = tmp_path / "mine.yaml"
    extra.write_text("- name: Сарыарқа жолы\n", encoding="utf-8")
    nlp = make_nlp("ru", programs_file=str(extra))
    nlp.to_disk(tmp_path / "pipe")
    extra.unlink()  # the saved pipeline carries its list
    loaded = make_nlp("ru", programs_file=None)
    loaded.from_disk(tmp_path / "pipe")
    text = "Дороги строят по Сарыарка жолы и программе Ауыл аманаты."
    assert programs(make_nlp("ru"), text) == ["Ауыл аманаты"]
    assert programs(loaded, text) == ["Сарыарқа жолы", "Ауыл аманаты"]
