"""Akim facts from real-shaped Russian and Kazakh sentences: person in the nominative, role, territory
from the genitive chain (ru) or the preceding chain (kk), or from the article when only a type word
stands there; former akims and people who merely work for an akim are not akims."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from spacy.language import Language

from newsmon.nlp.facts import build_facts
from newsmon.nlp.gazetteer import clear_cache, get_gazetteer, import_kato
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
    return {lang: build_pipeline(lang, get_gazetteer(kato_db)) for lang in ("ru", "kk")}


def akims(nlp: Language, text: str) -> list[dict[str, Any]]:
    facts = [f for f in build_facts(nlp(text)) if f.kind == "akim"]
    return [
        {"person": f.person, "role": f.role, "territory": f.territory.name if f.territory else None}
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
    assert f.territory is not None and f.territory.as_dict() == {
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
    assert facts[0].territory is not None and facts[0].territory.kato == "636837000"
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


# ---- issue 17: phenomena, as table tests of sentences written for them -----------------------------

RU_PHENOMENA = [
    # the unit from context: the only one of that level the article names, or the one containing the
    # units it names; none when two fit equally; «столица» is Astana
    (
        "В Шемонаихинском районе прошёл сход. Аким района Асет Жумабаев ответил на вопросы.",
        [("Асет Жумабаев", "аким", "Шемонаихинский район")],
    ),
    (
        "В Волчанском сельском округе прошёл сход. Аким района Асет Жумабаев ответил на вопросы.",
        [("Асет Жумабаев", "аким", "Шемонаихинский район")],
    ),
    (
        "В Павлодарской и Костанайской областях прошли учения. Аким области Асайын Байханов "
        "поблагодарил спасателей.",
        [("Асайын Байханов", "аким", None)],
    ),
    (
        "В Алматы и Астане прошли учения. Аким столицы Женис Касымбек поблагодарил спасателей.",
        [("Женис Касымбек", "аким", "Астана")],
    ),
    # former holders
    ("Экс-аким Алматы Бакытжан Сагинтаев выступил на форуме.", []),
    (
        "Асет Жумабаев, ранее занимавший должность акима Шемонаихинского района, перешёл в министерство.",
        [],
    ),
    ("Аким Шемонаихинского района Асет Жумабаев освобождён от должности.", []),
    ("Асет Жумабаев был акимом Шемонаихинского района до 2020 года.", []),
    (
        "В 2019 году аким Алматы Бакытжан Сагинтаев открыл школу. В 2023 году аким Алматы Ерболат "
        "Досаев открыл парк.",
        [("Ерболат Досаев", "аким", "Алматы")],
    ),
    # a title with no name, two akims in one sentence, initials
    ("Аким района заявил, что дороги отремонтируют к осени.", []),
    (
        "Аким Алматы Ерболат Досаев и аким Астаны Женис Касымбек подписали меморандум.",
        [("Ерболат Досаев", "аким", "Алматы"), ("Женис Касымбек", "аким", "Астана")],
    ),
    ("Аким Атбасарского района А.Б. провёл приём граждан.", []),
    (
        "Аким Атбасарского района А. Калжанов провёл приём граждан.",
        [("А. Калжанов", "аким", "Атбасарский район")],
    ),
    # names in the nominative, first names too, never glued to the next word
    (
        "Встреча прошла с участием акима Алматы Бакытжана Сагинтаева.",
        [("Бакытжан Сагинтаев", "аким", "Алматы")],
    ),
    (
        "Аким Алматы Бакытжана Сагинтаев заявил о проекте.",
        [("Бакытжан Сагинтаев", "аким", "Алматы")],
    ),
    (
        "Аким Шемонаихинского района Асет ЖумабаевАкимом назначен год назад.",
        [("Асет Жумабаев", "аким", "Шемонаихинский район")],
    ),
    # deputies and acting heads
    (
        "И.о. акима Шемонаихинского района назначен Асет Жумабаев.",
        [("Асет Жумабаев", "и.о. акима", "Шемонаихинский район")],
    ),
    (
        "Временно исполняющим обязанности акима Атбасарского района назначен Аманбек Калжанов.",
        [("Аманбек Калжанов", "и.о. акима", "Атбасарский район")],
    ),
    (
        "Первый заместитель акима Карагандинской области Ерлан Петров провёл совещание.",
        [("Ерлан Петров", "заместитель акима", "Карагандинская область")],
    ),
    (
        "Исполняющий обязанности заместителя акима Костанайской области Ерлан Спанов провёл брифинг.",
        [("Ерлан Спанов", "заместитель акима", "Костанайская область")],
    ),
    # one person per article: the acting title holds for every mention, one spelling for a variant
    (
        "И.о. акима Атбасарского района Аманбек Калжанов провёл сход. Аким района Аманбек Калжанов "
        "ответил на вопросы.",
        [("Аманбек Калжанов", "и.о. акима", "Атбасарский район")],
    ),
    (
        "Аким Карагандинской области Ермаганбет Булекбаев провёл совещание. Позже аким области "
        "Ермаганбет Булекпаев ответил на вопросы.",
        [("Ермаганбет Булекбаев", "аким", "Карагандинская область")],
    ),
]

KK_PHENOMENA = [
    (
        "Шемонаиха ауданында жиын өтті. Аудан әкімі Асет Жұмабаев сұрақтарға жауап берді.",
        [("Асет Жұмабаев", "аким", "Шемонаихинский район")],
    ),
    (
        "Волчанка ауылдық округінде жиын өтті. Аудан әкімі Асет Жұмабаев сұрақтарға жауап берді.",
        [("Асет Жұмабаев", "аким", "Шемонаихинский район")],
    ),
    (
        "Павлодар облысы мен Қостанай облысында жаттығу өтті. Облыс әкімі Асайын Байханов "
        "құтқарушыларға алғыс айтты.",
        [("Асайын Байханов", "аким", None)],
    ),
    (
        "Бұл рәсімге елорданың әкімі Жеңіс Қасымбек қатысты.",
        [("Жеңіс Қасымбек", "аким", "Астана")],
    ),
    # former holders
    ("Экс-әкім Бақытжан Сағынтаев форумға қатысты.", []),
    ("Бұрын Алматы облысының әкімі болған Амандық Баталов сенатор болды.", []),
    ("Асет Жұмабаев Шемонаиха ауданы әкімі қызметінен босатылды.", []),
    ("Маңғыстау облысы әкімінің міндетін атқарған Ерлан Петров баяндама жасады.", []),
    (
        "2019 жылы Алматы қаласының әкімі Бақытжан Сағынтаев мектеп ашты. 2023 жылы Алматы "
        "қаласының әкімі Ерболат Досаев саябақ ашты.",
        [("Ерболат Досаев", "аким", "Алматы")],
    ),
    # «әкім Х атқарған жұмыс» is work Х did, not a former post
    (
        "Шемонаиха ауданының әкімі Асет Жұмабаев атқарған жұмыстар туралы айтты.",
        [("Асет Жұмабаев", "аким", "Шемонаихинский район")],
    ),
    # a title with no name, two akims in one sentence, initials
    ("Аудан әкімі жиналыста сөз сөйледі.", []),
    (
        "Алматы қаласының әкімі Ерболат Досаев пен Астана қаласының әкімі Жеңіс Қасымбек "
        "меморандумға қол қойды.",
        [("Ерболат Досаев", "аким", "Алматы"), ("Жеңіс Қасымбек", "аким", "Астана")],
    ),
    ("Шемонаиха ауданының әкімі А.Б. жиналыс өткізді.", []),
    (
        "Шемонаиха ауданының әкімі А. Петров жиналыс өткізді.",
        [("А. Петров", "аким", "Шемонаихинский район")],
    ),
    # names in the nominative: case endings off, names that only look inflected kept, no place glued
    (
        "Шемонаиха ауданы әкімі Ботагоз Сикпаеваның айтуынша, жол жөнделеді.",
        [("Ботагоз Сикпаева", "аким", "Шемонаихинский район")],
    ),
    (
        "Президент Маңғыстау облысының әкімі Нұрлан Ноғаевпен кездесті.",
        [("Нұрлан Ноғаев", "аким", "Мангистауская область")],
    ),
    (
        "Шемонаиха ауданы әкімі Зарина Ахметова жиналыс өткізді.",
        [("Зарина Ахметова", "аким", "Шемонаихинский район")],
    ),
    (
        "Түркістан облысының әкімі Дархан Сатыбалды Шымкентте кездесу өткізді.",
        [("Дархан Сатыбалды", "аким", "Туркестанская область")],
    ),
    ("Облыс әкімі Бердібек Сапарбаев Алматыда болды.", [("Бердібек Сапарбаев", "аким", None)]),
    (
        "Облыс әкімі Көлгінов Алтай Сейдірұлы жиналыс өткізді.",
        [("Көлгінов Алтай Сейдірұлы", "аким", None)],
    ),
    # deputies and acting heads; people who work for an akim are not akims
    (
        "Шемонаиха ауданы әкімінің міндетін атқарушы Асет Жұмабаев жиналыс өткізді.",
        [("Асет Жұмабаев", "и.о. акима", "Шемонаихинский район")],
    ),
    (
        "Шемонаиха ауданы әкімінің м.а. Асет Жұмабаев жиналыс өткізді.",
        [("Асет Жұмабаев", "и.о. акима", "Шемонаихинский район")],
    ),
    (
        "Алматы облысы әкімінің бірінші орынбасары Ерлан Петров брифинг өткізді.",
        [("Ерлан Петров", "заместитель акима", "Алматинская область")],
    ),
    ("Атырау облысы әкімінің баспасөз хатшысы Гүлнара Ахметова мәлімдеді.", []),
    (
        "Қарағанды облысының әкімі Ермағанбет Бөлекбаев кеңес өткізді. Кейін облыс әкімі "
        "Ермағанбет Бөлекпаев сұрақтарға жауап берді.",
        [("Ермағанбет Бөлекбаев", "аким", "Карагандинская область")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), RU_PHENOMENA)
def test_russian_akim_phenomena(
    pipelines: dict[str, Language], text: str, expected: list[tuple[str, str, str | None]]
) -> None:
    got = [(a["person"], a["role"], a["territory"]) for a in akims(pipelines["ru"], text)]
    assert got == expected


@pytest.mark.parametrize(("text", "expected"), KK_PHENOMENA)
def test_kazakh_akim_phenomena(
    pipelines: dict[str, Language], text: str, expected: list[tuple[str, str, str | None]]
) -> None:
    got = [(a["person"], a["role"], a["territory"]) for a in akims(pipelines["kk"], text)]
    assert got == expected


def test_acting_head_is_flagged_in_extra(pipelines: dict[str, Language]) -> None:
    for lang, text in (
        ("ru", "И.о. акима Атбасарского района Аманбек Калжанов провёл сход."),
        ("kk", "Шемонаиха ауданы әкімінің м.а. Асет Жұмабаев жиналыс өткізді."),
    ):
        (fact,) = [f for f in build_facts(pipelines[lang](text)) if f.kind == "akim"]
        assert fact.extra == {"acting": True} and fact.role == "и.о. акима"
        assert text[fact.start : fact.end] == fact.text


NOMINATIVE = [
    # (name as written, language, case of the title beside it, nominative)
    ("Ерболата Досаева", "ru", "gent", "Ерболат Досаев"),
    ("Ботагоз Сикпаевой", "ru", "gent", "Ботагоз Сикпаева"),
    ("Бакытжана Сагинтаев", "ru", "nomn", "Бакытжан Сагинтаев"),
    ("Никита Петров", "ru", "nomn", "Никита Петров"),
    ("Асет ЖумабаевАкимом", "ru", "nomn", "Асет Жумабаев"),
    ("Ботагоз Сикпаеваның", "kk", "nomn", "Ботагоз Сикпаева"),
    ("Ерболат Досаевтың", "kk", "nomn", "Ерболат Досаев"),
    ("Нұрлан Ноғаевқа", "kk", "nomn", "Нұрлан Ноғаев"),
    ("Қасым-Жомарт Тоқаевпен", "kk", "nomn", "Қасым-Жомарт Тоқаев"),
    ("Өмірзақ Шөкеевты", "kk", "nomn", "Өмірзақ Шөкеев"),
    ("Алтай Сейдірұлының", "kk", "nomn", "Алтай Сейдірұлы"),
    ("Ерланға Асқарға", "kk", "nomn", "Ерлан Асқар"),
    ("Жеңіс Қасымбекке", "kk", "nomn", "Жеңіс Қасымбек"),
    # names that end like a case ending keep it
    ("Зарина Айдана", "kk", "nomn", "Зарина Айдана"),
    ("Дархан Сатыбалды", "kk", "nomn", "Дархан Сатыбалды"),
    ("Назерке Гүлден", "kk", "nomn", "Назерке Гүлден"),
]


@pytest.mark.parametrize(("name", "lang", "case", "expected"), NOMINATIVE)
def test_names_in_the_nominative(name: str, lang: str, case: str, expected: str) -> None:
    from newsmon.nlp.persons import nominative

    assert nominative(name, lang, case) == expected


ACTING_TOKENS = [
    ("ru", "И.о. акима района назначен Асет Жумабаев.", "И.о."),
    ("ru", "Вчера и.о. акима района провёл сход.", "и.о."),
    ("kk", "Аудан әкімінің м.а. Асет Жұмабаев келді.", "м.а."),
]


@pytest.mark.parametrize(("lang", "text", "abbr"), ACTING_TOKENS)
def test_acting_abbreviation_is_one_token_and_ends_no_sentence(
    lang: str, text: str, abbr: str
) -> None:
    from newsmon.nlp.lang import blank

    nlp = blank(lang)
    nlp.add_pipe("sentencizer")
    doc = nlp(text)
    assert abbr in [t.text for t in doc]
    assert len(list(doc.sents)) == 1


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
