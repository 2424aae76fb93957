"""Akim facts from real-shaped Russian and Kazakh sentences: person in the nominative, role, territory
from the genitive chain (ru) or the preceding chain (kk), or from the article when only a type word
stands there; former akims and people who merely work for an akim are not akims."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from spacy.language import Language

from newsmon.nlp.facts import build_facts
from newsmon.nlp.gazetteer import clear_cache, import_kato
from newsmon.nlp.pipeline import build_pipeline
from tests.conftest import need_data

KATO = ("kato-kz", "src", "main", "resources", "KATO_17.10.2022_ru.csv")


@pytest.fixture(scope="module")
def kato_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('kato') / 'kato.db'}"
    import_kato(need_data(*KATO), url)
    yield url
    clear_cache()


@pytest.fixture(scope="module")
def pipelines(kato_db: str) -> dict[str, Language]:
    return {lang: build_pipeline(lang, kato_db) for lang in ("ru", "kk")}


def akims(nlp: Language, text: str) -> list[dict[str, Any]]:
    facts = [f for f in build_facts(nlp(text)) if f.kind == "akim"]
    return [
        {"person": f.person, "role": f.role, "territory": (f.territory or {}).get("name")}
        for f in facts
    ]


def test_developers_sentence_gives_exactly_the_expected_fact(
    pipelines: dict[str, Language],
) -> None:
    text = (
        "Аким Волчанского сельского округа Шемонаихинского района ВКО Ботагоз Сикпаева рассказала "
        "о подготовке к паводкам."
    )
    facts = [f for f in build_facts(pipelines["ru"](text)) if f.kind == "akim"]
    assert len(facts) == 1
    f = facts[0]
    assert (f.person, f.role) == ("Ботагоз Сикпаева", "аким")
    assert f.text == "Аким Волчанского сельского округа Шемонаихинского района ВКО Ботагоз Сикпаева"
    assert text[f.start : f.end] == f.text
    assert f.territory == {
        "name": "Волчанский сельский округ",
        "level": "rural_district",
        "kato": "636837000",
        "path": [
            "Восточно-Казахстанская область",
            "Шемонаихинский район",
            "Волчанский сельский округ",
        ],
    }


def test_kazakh_counterpart_resolves_to_the_same_units(pipelines: dict[str, Language]) -> None:
    text = (
        "Шығыс Қазақстан облысы Шемонаиха ауданы Волчанка ауылдық округінің әкімі Ботагоз Сикпаева "
        "су тасқынына дайындық туралы айтты."
    )
    facts = [f for f in build_facts(pipelines["kk"](text)) if f.kind == "akim"]
    assert len(facts) == 1
    assert (facts[0].person, facts[0].role) == ("Ботагоз Сикпаева", "аким")
    assert facts[0].territory is not None and facts[0].territory["kato"] == "636837000"
    district = akims(pipelines["kk"], "Шемонаиха ауданының әкімі Ботагоз Сикпаева жиналыс өткізді.")
    assert district == [
        {"person": "Ботагоз Сикпаева", "role": "аким", "territory": "Шемонаихинский район"}
    ]


RU = [
    (
        "Распоряжением акима Алматы Ерболата Досаева назначен новый руководитель управления.",
        [("Ерболат Досаев", "аким", "Алматы")],
    ),
    (
        "Как сообщил заместитель акима Костанайской области Ерлан Спанов, ущерб оценивают.",
        [("Ерлан Спанов", "заместитель акима", "Костанайская область")],
    ),
    (
        "Бейбут Шаханов назначен заместителем акима Алматы.",
        [("Бейбут Шаханов", "заместитель акима", "Алматы")],
    ),
    (
        "Аким Петропавловска Серик Мухамедиев извинился перед горожанами.",
        [("Серик Мухамедиев", "аким", "Петропавловск")],
    ),
    (
        "Встреча прошла с акимом Атбасарского района Аманбеком Калжановым.",
        [("Аманбек Калжанов", "аким", "Атбасарский район")],
    ),
    (
        "Об этом сообщили акиму Мангистауской области Нурлану Ногаеву.",
        [("Нурлан Ногаев", "аким", "Мангистауская область")],
    ),
    ("Аким Шымкента Габит Сыздыкбеков осмотрел дамбу.", [("Габит Сыздыкбеков", "аким", "Шымкент")]),
    (
        "Акимом Шемонаихинского района назначен Асет Жумабаев.",
        [("Асет Жумабаев", "аким", "Шемонаихинский район")],
    ),
    ("Аким Ерлан Петров провёл приём граждан.", [("Ерлан Петров", "аким", None)]),
    # a story about one region: «аким области» is its akim
    (
        "В области Абай высадили 28 тысяч саженцев. Аким области Нурлан Уранхаев призвал жителей помочь.",
        [("Нурлан Уранхаев", "аким", "область Абай")],
    ),
    # people who work for an akim, and former akims, are not akims
    ("Об этом сообщил пресс-секретарь акима Атырауской области Руслан Жумагазиев.", []),
    ("Бывший аким Костанайской области Архимед Мухамбетов выступил на форуме.", []),
    ("Глава региона поручил акимам районов усилить контроль.", []),
]

KK = [
    (
        "Алматы қаласының әкімі Ерболат Досаев жаңа жобаны таныстырды.",
        [("Ерболат Досаев", "аким", "Алматы")],
    ),
    (
        "Абай облысында ағаш отырғызылды. Облыс әкімі Нұрлан Уранхаев тұрғындарды шақырды.",
        [("Нұрлан Уранхаев", "аким", "область Абай")],
    ),
    (
        "Қостанай облысы әкімінің орынбасары Ерлан Спанов брифинг өткізді.",
        [("Ерлан Спанов", "заместитель акима", "Костанайская область")],
    ),
    ("Бұрынғы әкім Архимед Мұхамбетов форумға қатысты.", []),
]


@pytest.mark.parametrize(("text", "expected"), RU)
def test_russian_akims(
    pipelines: dict[str, Language], text: str, expected: list[tuple[str, str, str]]
) -> None:
    got = [(a["person"], a["role"], a["territory"]) for a in akims(pipelines["ru"], text)]
    assert got == expected


@pytest.mark.parametrize(("text", "expected"), KK)
def test_kazakh_akims(
    pipelines: dict[str, Language], text: str, expected: list[tuple[str, str, str]]
) -> None:
    got = [(a["person"], a["role"], a["territory"]) for a in akims(pipelines["kk"], text)]
    assert got == expected


def test_plural_title_pairs_listed_regions_with_names(pipelines: dict[str, Language]) -> None:
    text = (
        "Похожие ситуации произошли в Мангистауской и Туркестанской областях. Люди получили сообщения "
        "якобы от акимов регионовНурлана Ногаева иДархана Сатыбалды."
    )
    got = {(a["person"], a["territory"]) for a in akims(pipelines["ru"], text)}
    assert got == {
        ("Нурлан Ногаев", "Мангистауская область"),
        ("Дархан Сатыбалды", "Туркестанская область"),
    }


def test_one_fact_per_akim_per_article_with_every_mention(pipelines: dict[str, Language]) -> None:
    text = (
        "Аким Петропавловска Серик Мухамедиев извинился. Позже аким города Серик Мухамедиев "
        "встретился с жителями."
    )
    facts = [f for f in build_facts(pipelines["ru"](text)) if f.kind == "akim"]
    assert len(facts) == 1 and len(facts[0].mentions) == 2


# the person before an akim word in an object case addresses the akim; he is not the akim
@pytest.mark.parametrize(
    "lang, text",
    [
        ("kk", "Министр Серік Жұманов елорда әкіміне бірнеше тапсырма берді."),
        ("kk", "Депутат Әлия Сейітова Павлодар облысының әкімімен кездесті."),
        ("ru", "Министр Серик Жуманов дал несколько поручений акиму столицы."),
    ],
)
def test_person_addressing_an_akim_is_not_one(
    pipelines: dict[str, Language], lang: str, text: str
) -> None:
    assert akims(pipelines[lang], text) == []
