"""The `newsmon_territories` component on Russian and Kazakh text: genitive chains, case forms,
abbreviations, lists, context, false friends (streets, rivers, people, common words, quotes),
foreign places, glued words and bad input. Real-shaped sentences from Kazakhstan news."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import need_data
from spacy.language import Language

import newsmon.nlp.territories  # noqa: F401  (registers the factory)
from newsmon.nlp.gazetteer import clear_cache, get_gazetteer, import_kato, key
from newsmon.nlp.lang import blank

KATO = ("kato-kz", "src", "main", "resources", "KATO_17.10.2022_ru.csv")


@pytest.fixture(scope="module")
def kato_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SQLite database with the KATO file imported once for the module."""
    path = need_data(*KATO)
    url = f"sqlite:///{tmp_path_factory.mktemp('kato') / 'kato.db'}"
    import_kato(path, url)
    yield url
    clear_cache()


def _pipeline(lang: str, url: str | None) -> Language:
    nlp = blank(lang)
    nlp.add_pipe("sentencizer")
    territories = nlp.add_pipe("newsmon_territories")
    if url is not None:  # the gazetteer comes in through `initialize`, as a SpanRuler's patterns do
        territories.initialize(nlp=nlp, gazetteer=get_gazetteer(url))
    return nlp


@pytest.fixture(scope="module")
def ru(kato_db: str) -> Language:
    return _pipeline("ru", kato_db)


@pytest.fixture(scope="module")
def kk(kato_db: str) -> Language:
    return _pipeline("kk", kato_db)


def names(nlp: Language, text: str) -> list[str]:
    doc = nlp(text)
    return [s._.territory.name for s in doc.spans["territories"]]


# -- the akim sentences of DEVELOPERS.md -----------------------------------------------------------


def test_russian_genitive_chain(ru: Language) -> None:
    doc = ru(
        "Аким Волчанского сельского округа Шемонаихинского района ВКО Ботагоз Сикпаева провела сход."
    )
    spans = list(doc.spans["territories"])
    assert [s.text for s in spans] == [
        "Волчанского сельского округа",
        "Шемонаихинского района",
        "ВКО",
    ]
    assert [s.end for s in spans[:-1]] == [s.start for s in spans[1:]]  # adjacent: one chain
    assert spans[0]._.territory.as_dict() == {
        "name": "Волчанский сельский округ",
        "level": "rural_district",
        "kato": "636837000",
        "path": [
            "Восточно-Казахстанская область",
            "Шемонаихинский район",
            "Волчанский сельский округ",
        ],
    }
    assert [s._.territory.kato for s in spans] == ["636837000", "636800000", "630000000"]
    assert doc._.region == "630000000"


def test_kazakh_chain(kk: Language) -> None:
    doc = kk("Шығыс Қазақстан облысы Шемонаиха ауданының әкімі Ботагоз Сикпаева жиналыс өткізді.")
    spans = list(doc.spans["territories"])
    assert [s.text for s in spans] == ["Шығыс Қазақстан облысы", "Шемонаиха ауданының"]
    assert spans[1]._.territory.as_dict() == {
        "name": "Шемонаихинский район",
        "level": "district",
        "kato": "636800000",
        "path": ["Восточно-Казахстанская область", "Шемонаихинский район"],
    }
    assert spans[1].end == doc[spans[1].end].i and doc[spans[1].end].text == "әкімі"
    assert doc._.region == "630000000"


# -- Russian ---------------------------------------------------------------------------------------

RU = [
    # [text, expected names in order]
    (
        "В Усть-Каменогорске и Семее, а также в г. Риддер прошли субботники.",
        ["Усть-Каменогорск", "Семей", "Риддер"],
    ),
    (
        "Паводки в СКО, ЗКО и ВКО, жара в ЮКО.",
        [
            "Северо-Казахстанская область",
            "Западно-Казахстанская область",
            "Восточно-Казахстанская область",
            "Туркестанская область",
        ],
    ),
    (
        "Адрес: Алматинская обл., Талгарский р-н, с. Бесагаш.",
        ["Алматинская область", "Талгарский район", "Бесагаш"],
    ),
    (
        "Похожие ситуации произошли в Мангистауской и Туркестанской областях.",
        ["Мангистауская область", "Туркестанская область"],
    ),
    (
        "Это поселки Бурлинского, Акжайыкского, Теректинского районов и Уральска.",
        ["Бурлинский район", "Акжайыкский район", "Теректинский район", "Уральск"],
    ),
    (
        "В селах Капитоновка, Иванковка, Журавлевка и Вознесенка Буландынского района Акмолинской области.",
        [
            "Капитоновка",
            "Иванковка",
            "Журавлевка",
            "Вознесенка",
            "Буландынский район",
            "Акмолинская область",
        ],
    ),
    ("Привлечены силы из городов Кокшету, Тараз, Шымкент.", ["Кокшетау", "Тараз", "Шымкент"]),
    (
        "на территории Западно-Казахстанкой области вода прибывает",
        ["Западно-Казахстанская область"],
    ),
    (
        "Перестрелка на территории Арысского района Туркестанской области.",
        ["Арысский район", "Туркестанская область"],
    ),
    ("Жители района имени Казыбек би в Караганде.", ["район имени Казыбек би", "Караганда"]),
    (
        "В области Абай и области Улытау, а также в области Жетісу.",
        ["область Абай", "область Улытау", "область Жетысу"],
    ),
    (
        "Ремонт трассы Доссор - Кульсары в Атырауской области.",
        ["Доссор", "Кульсары", "Атырауская область"],
    ),
    (
        "Министр посетила Сырымскую районную больницу в ЗКО.",
        ["Сырымский район", "Западно-Казахстанская область"],
    ),
    ("В Конаеве, бывшем Капшагае, и в Алма-Ате.", ["Конаев", "Конаев", "Алматы"]),
    (
        "Каким районам Алматы угрожает сель, решит Алматинский городской акимат.",
        ["Алматы", "Алматы"],
    ),
    (
        "Решение Карагандинского городского суда и Актюбинского областного суда.",
        ["Караганда", "Актюбинская область"],
    ),
    (
        "В Жамбылском районе Алматинской области и в Жамбылском районе СКО.",
        [
            "Жамбылский район",
            "Алматинская область",
            "Жамбылский район",
            "Северо-Казахстанская область",
        ],
    ),
]


@pytest.mark.parametrize("text, expected", RU)
def test_russian(ru: Language, text: str, expected: list[str]) -> None:
    assert names(ru, text) == expected


CASES = [
    ("Шемонаихинский район", "Шемонаихинский район"),
    ("Шемонаихинского района", "Шемонаихинский район"),
    ("Шемонаихинскому району", "Шемонаихинский район"),
    ("Шемонаихинском районе", "Шемонаихинский район"),
    ("Шемонаихинским районом", "Шемонаихинский район"),
    ("Алматинская область", "Алматинская область"),
    ("Алматинской области", "Алматинская область"),
    ("Алматинскую область", "Алматинская область"),
    ("Алматинской областью", "Алматинская область"),
    ("Усть-Каменогорск", "Усть-Каменогорск"),
    ("Усть-Каменогорска", "Усть-Каменогорск"),
    ("Усть-Каменогорску", "Усть-Каменогорск"),
    ("Усть-Каменогорском", "Усть-Каменогорск"),
    ("Караганда", "Караганда"),
    ("Караганды", "Караганда"),
    ("Караганде", "Караганда"),
    ("Карагандой", "Караганда"),
    ("Астане", "Астана"),
    ("Астаной", "Астана"),
    ("Актобе", "Актобе"),
    ("Атырау", "Атырау"),
    ("Тараза", "Тараз"),
    ("Семея", "Семей"),
    ("Арыси", "Арысь"),
    ("Кызылорде", "Кызылорда"),
    ("Талдыкоргана", "Талдыкорган"),
    ("Волчанского сельского округа", "Волчанский сельский округ"),
    ("Волчанском сельском округе", "Волчанский сельский округ"),
]


@pytest.mark.parametrize("form, name", CASES)
def test_russian_case_forms(ru: Language, form: str, name: str) -> None:
    assert names(ru, f"Новости: {form} и другие.") == [name]


@pytest.mark.parametrize(
    "text",
    [
        "Жители Мира вышли на Победу.",  # common words, no type word
        "Президент посетил Москву и Ташкент, а затем Казахстан.",
        'Компания "Караганда Энерго" и ТОО «Павлодар Мунай» объявили тендер.',
        "Улица Абая и проспект Назарбаева перекрыты, как и набережная Есиль.",
        "Уровень воды в реке Урал, реке Жабай и реке Есиль растет.",
        "Сатпаев был великим ученым и основателем Академии наук.",
        "Уйчинском районе Наманганской области Узбекистана задержали мошенника.",
        "Пять семей лишились крова.",
        "",
        "… !!! 😀😀",
        "Almaty qalasynda Shygys Qazaqstan oblysy",
    ],
)
def test_russian_not_territories(ru: Language, text: str) -> None:
    assert names(ru, text) == []


def test_typed_village_named_like_a_word(ru: Language) -> None:
    assert names(ru, "В поселке Победа Костанайской области произошло ДТП.") == [
        "Победа",
        "Костанайская область",
    ]
    doc = ru("В поселке Победа Костанайской области")
    assert (
        doc.spans["territories"][0]._.territory.kato == "395055100"
    )  # the one in Kostanay region, by the chain


def test_village_in_the_article_region(ru: Language) -> None:
    text = (
        "Паводок в Буландынском районе Акмолинской области.\n"
        "Ведутся работы по восстановлению дороги Новобратское - Партизанка, жители Иванковки вернулись."
    )
    assert names(ru, text) == [
        "Буландынский район",
        "Акмолинская область",
        "Новобратское",
        "Партизанка",
        "Иванковка",
    ]
    assert ru(text)._.region == "110000000"


def test_bare_village_needs_its_area(ru: Language) -> None:
    # the same sentence in an article about another region: no village is guessed
    assert names(
        ru, "В Мангистауской области: ведутся работы на дороге Новобратское - Партизанка."
    ) == ["Мангистауская область"]


def test_context_decides_between_same_named_districts(ru: Language) -> None:
    shym = ru("В Шымкенте проходит акция.\nЖители Абайского района вышли на уборку.")
    kar = ru("В Карагандинской области паводок.\nЖители Абайского района эвакуированы.")
    assert [s._.territory.kato for s in shym.spans["territories"]] == ["790000000", "791110000"]
    assert [s._.territory.kato for s in kar.spans["territories"]] == ["350000000", "353200000"]
    assert shym._.region == "790000000" and kar._.region == "350000000"


def test_district_or_city_by_context(ru: Language) -> None:
    astana = ru("В Астане выбрали лучший двор.\nПобедил двор в районе Алматы.")
    almaty = ru("Сель в горах.\nОпасность грозит жителям в районе Алматы.")
    assert [s._.territory.kato for s in astana.spans["territories"]] == ["710000000", "711110000"]
    assert [s._.territory.kato for s in almaty.spans["territories"]] == ["750000000"]


def test_glued_words(ru: Language) -> None:
    text = "передаетTengrinews.kz.В Петропавловскеупали опоры ЛЭП, вАкмолинской, Костанайской областяхостаются дома"
    assert names(ru, text) == ["Петропавловск", "Акмолинская область", "Костанайская область"]


def test_span_offsets_index_the_text(ru: Language) -> None:
    text = "Аким Шымкента Габит Сыздыкбеков и аким Абайского района Гульнур Асылбекова"
    doc = ru(text)
    for span in doc.spans["territories"]:
        assert text[span.start_char : span.end_char] == span.text
        assert span.label_ == "TERRITORY"


# -- Kazakh ----------------------------------------------------------------------------------------

KK = [
    ("Өскеменде және Семейде жаңбыр жауады.", ["Усть-Каменогорск", "Семей"]),
    (
        "ШҚО-да, СҚО-ның және БҚО-ға су тасқыны қаупі бар.",
        [
            "Восточно-Казахстанская область",
            "Северо-Казахстанская область",
            "Западно-Казахстанская область",
        ],
    ),
    (
        "Алматы облысы Талғар ауданы Бесағаш ауылында мектеп ашылды.",
        ["Алматинская область", "Талгарский район", "Бесагаш"],
    ),
    (
        "Қарағанды облысының Абай ауданында жол жөнделді.",
        ["Карагандинская область", "Абайский район"],
    ),
    ("Нұр-Сұлтан мен Алматы қалаларында", ["Астана", "Алматы"]),
    ("Түркістан облысы, Сарыағаш ауданы", ["Туркестанская область", "Сарыагашский район"]),
    ("Ақмола облысы Жарқайың ауданының әкімі", ["Акмолинская область", "Жаркаинский район"]),
    ("Павлодар облысының Ертіс ауданында", ["Павлодарская область", "Иртышский район"]),
    ("Орал өзені тасыды, Оралда су көп.", ["Уральск"]),
    ("Жетісу облысы мен Ұлытау облысында", ["область Жетысу", "область Улытау"]),
    ("Волчанка ауылдық округінің әкімі", ["Волчанский сельский округ"]),
    ("Ақтөбеде, Қостанайда және Петропавлда", ["Актобе", "Костанай", "Петропавловск"]),
]


@pytest.mark.parametrize("text, expected", KK)
def test_kazakh(kk: Language, text: str, expected: list[str]) -> None:
    assert names(kk, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Қазақстан мен Ресей келісімге қол қойды.",
        "Барлық зейініңізді оның қуануына арнаңыз.",
        "Қоғам қайраткері Дархан Мыңбай ұсынған еді.",
        "Абай көшесі мен Орал өзені",
        "",
    ],
)
def test_kazakh_not_territories(kk: Language, text: str) -> None:
    assert names(kk, text) == []


def test_kazakh_paragraph_in_a_russian_article(ru: Language) -> None:
    text = "Фильм показали в Семее.\nШығыс Қазақстан облысының Аягөз ауданында Қозы Көрпеш пен Баян Сұлу кесенесі бар."
    assert names(ru, text) == ["Семей", "Восточно-Казахстанская область", "Аягозский район"]


# -- without a KATO import -------------------------------------------------------------------------


def test_core_only_pipeline() -> None:
    clear_cache()
    for lang, text, expected in [
        (
            "ru",
            "В Усть-Каменогорске и Алматинской области, ВКО",
            ["Усть-Каменогорск", "Алматинская область", "Восточно-Казахстанская область"],
        ),
        (
            "kk",
            "Өскеменде, Алматы облысында, ШҚО-да",
            ["Усть-Каменогорск", "Алматинская область", "Восточно-Казахстанская область"],
        ),
    ]:
        nlp = _pipeline(lang, None)
        assert names(nlp, text) == expected
    # the core names only the districts it lists (the demo's, in East Kazakhstan); others need KATO
    assert names(_pipeline("ru", None), "Шемонаихинского района") == ["Шемонаихинский район"]
    assert names(_pipeline("ru", None), "Бескарагайского района") == []


# -- robustness ------------------------------------------------------------------------------------


def test_long_and_odd_input(ru: Language, kk: Language) -> None:
    para = "В Алматы и Караганде прошли субботники. Жители Шемонаихинского района ВКО помогли. "
    doc = ru(para * 400)  # ~35 kB
    assert len(doc.spans["territories"]) == 4 * 400
    mixed = (
        "Аким Алматы выступил. Алматы қаласының әкімі сөз сөйледі. The mayor of Almaty spoke. "
        "Shymkent qalasy. "
    )
    assert names(ru, mixed) == ["Алматы", "Алматы"]
    assert names(kk, mixed) == ["Алматы", "Алматы"]


def test_names_match_the_gold_key(ru: Language) -> None:
    doc = ru("Жители Шетского района Карагандинской области и села Красная Поляна.")
    got = {key(s._.territory.name) for s in doc.spans["territories"]}
    assert got == {key("Шетский район"), key("Карагандинская область"), key("Красная Поляна")}


def test_serialized_pipeline_config(ru: Language, tmp_path: Path) -> None:
    cfg = ru.config["components"]["newsmon_territories"]
    assert cfg["factory"] == "newsmon_territories" and cfg["title_chars"] == 400
    assert not {"database_url", "use_database"} & set(cfg)  # the gazetteer is data, not a setting
    assert "span._.territory" in ru.get_pipe_meta("newsmon_territories").assigns


SAVED = {
    "ru": "Аким Шетского района посетил село Красная Поляна, затем Шемонаихинский район ВКО.",
    "kk": "Шемонаиха ауданының әкімі Шет ауданына және Өскемен қаласына барды.",
}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_saved_pipeline_finds_the_same_territories_without_a_database(
    lang: str, kato_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12: the gazetteer travels with the pipeline (`to_disk` / `from_disk`), like a
    SpanRuler's patterns; loading the saved pipeline reads no database."""
    import spacy

    from newsmon.nlp import gazetteer
    from newsmon.nlp.pipeline import build_pipeline

    imported = get_gazetteer(kato_db)
    assert imported.source == "database"
    nlp = build_pipeline(lang, imported)
    doc = nlp(SAVED[lang])
    before = [(s.text, s._.territory) for s in doc.spans["territories"]]
    assert len(before) >= 2 and all(ref.kato for _, ref in before)
    assert any(gazetteer.Gazetteer.core().get(ref.kato or "") is None for _, ref in before)
    nlp.to_disk(tmp_path / lang)
    assert (tmp_path / lang / "newsmon_territories" / "units.jsonl").is_file()

    def no_database(*args: object, **kwargs: object) -> None:
        raise AssertionError("the saved pipeline read the database")

    clear_cache()
    monkeypatch.setattr(gazetteer, "units_from_database", no_database)
    monkeypatch.setattr(gazetteer, "kato_digest", no_database)
    monkeypatch.setenv("NEWSMON_DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    loaded = spacy.load(tmp_path / lang)
    assert loaded.get_pipe("newsmon_territories").gazetteer.source == "database"
    doc = loaded(SAVED[lang])
    after = [(s.text, s._.territory) for s in doc.spans["territories"]]
    assert after == before
    assert len(loaded.get_pipe("newsmon_territories").gazetteer.units) == len(imported.units)


# -- issue 17: phenomena, one table per phenomenon and language (sentences written for the tests) -----

COORDINATION_RU = [
    (
        "Снегопад ожидается в Павлодарской, Карагандинской и Костанайской областях.",
        ["Павлодарская область", "Карагандинская область", "Костанайская область"],
    ),
    (  # «районам» types the list: the districts, not the towns Есиль (Akmola) or a city's districts
        "Помощь направят районам Есиль и Шал акына СКО.",
        ["Есильский район", "район Шал акына", "Северо-Казахстанская область"],
    ),
    (
        "Паводки грозят ВКО, ЗКО и СКО.",
        [
            "Восточно-Казахстанская область",
            "Западно-Казахстанская область",
            "Северо-Казахстанская область",
        ],
    ),
    (
        "Дороги закрыты в Аршалынском, Ерейментауском и Атбасарском районах.",
        ["Аршалынский район", "Ерейментауский район", "Атбасарский район"],
    ),
    ("Каким районам Алматы угрожает сель?", ["Алматы"]),  # one name: the city's districts
    (
        "Выплаты получат в сельских округах Бакбакты и Бирлик Балхашского района.",
        ["Бакбактинский сельский округ", "Бирликский сельский округ", "Балхашский район"],
    ),
]
COORDINATION_KK = [
    (
        "Ақмола, Қарағанды және Қостанай облыстарында боран болады.",
        ["Акмолинская область", "Карагандинская область", "Костанайская область"],
    ),
    (  # districts, not the towns Ерейментау, Аршалы, Атбасар
        "Ерейментау, Аршалы, Атбасар аудандарында жол жабылды.",
        ["Ерейментауский район", "Аршалынский район", "Атбасарский район"],
    ),
    (
        "Жәнібек және Бөкей ордасы аудандарына жол салынады.",
        ["Жанибекский район", "Бокейординский район"],
    ),
    (
        "ШҚО, БҚО және СҚО-да су тасқыны.",
        [
            "Восточно-Казахстанская область",
            "Западно-Казахстанская область",
            "Северо-Казахстанская область",
        ],
    ),
    ("Алматы мен Шымкент қалаларында жаңбыр.", ["Алматы", "Шымкент"]),
    (
        "Алматы облысының Еңбекшіқазақ, Талғар, Іле аудандарында сел қаупі бар.",
        [
            "Алматинская область",
            "Енбекшиказахский район",
            "Талгарский район",
            "Илийский район",
        ],
    ),
    (
        "Балқаш ауданының Бақбақты, Бірлік ауылдық округтерінде жұмыс жүр.",
        ["Балхашский район", "Бакбактинский сельский округ", "Бирликский сельский округ"],
    ),
]


@pytest.mark.parametrize("text, expected", COORDINATION_RU)
def test_coordination_with_a_shared_head_ru(ru: Language, text: str, expected: list[str]) -> None:
    assert names(ru, text) == expected


@pytest.mark.parametrize("text, expected", COORDINATION_KK)
def test_coordination_with_a_shared_head_kk(kk: Language, text: str, expected: list[str]) -> None:
    assert names(kk, text) == expected


SEPARATORS_RU = [
    (
        "Эвакуация в селах Бирлик; Акдала Балхашского района.",
        ["Бирлик", "Акдала", "Балхашский район"],
    ),
    (
        "Морозы в Акмолинской/Костанайской областях.",
        ["Акмолинская область", "Костанайская область"],
    ),
    (
        "Ветер в Акмолинской,Карагандинской и Костанайской областях.",
        ["Акмолинская область", "Карагандинская область", "Костанайская область"],
    ),
    # words glued at former HTML boundaries, before and after the name
    (
        "Погода.ВАстанеясно, вКостанаедождь, на югеобласти Абайснег.",
        ["Астана", "Костанай", "область Абай"],
    ),
    ("Сбор помощи в Уральске15 апреля.", ["Уральск"]),
    ("Открыли новую школув Павлодаре.", ["Павлодар"]),
    ("Позжев Петропавловске прорвало дамбы.", ["Петропавловск"]),  # «Позже в», not a surname
    ("Объявлениеподобласти Абай", []),  # «подобласти» is a word, not «по» + «области»
]
SEPARATORS_KK = [
    ("Талғар/Еңбекшіқазақ аудандарында жаңбыр.", ["Талгарский район", "Енбекшиказахский район"]),
    (
        "Балқаш ауданының Бақбақты; Бірлік ауылдарында жұмыс жүр.",
        ["Балхашский район", "Бакбакты", "Бирлик"],
    ),
    ("Хабарлама:Ақтөбеде жаңбыр, жаңалықтарПавлодарда қар.", ["Актобе", "Павлодар"]),
    (
        "Ақтөбе,Атырау және Маңғыстау облыстарында жел.",
        ["Актюбинская область", "Атырауская область", "Мангистауская область"],
    ),
]


@pytest.mark.parametrize("text, expected", SEPARATORS_RU)
def test_separators_and_glued_words_ru(ru: Language, text: str, expected: list[str]) -> None:
    assert names(ru, text) == expected


@pytest.mark.parametrize("text, expected", SEPARATORS_KK)
def test_separators_and_glued_words_kk(kk: Language, text: str, expected: list[str]) -> None:
    assert names(kk, text) == expected


VARIANTS_RU = [
    (  # Дж/Ж
        "Работы идут в Джангельдинском районе Костанайской области.",
        ["Жангельдинский район", "Костанайская область"],
    ),
    ("Работы идут в Жангелдинском районе.", ["Жангельдинский район"]),  # no soft sign
    (  # the old name of a renamed town, in an article about its area
        "В Костанайском районе паводок.\nЖители Тобола эвакуированы.",
        ["Костанайский район", "Тобыл"],
    ),
    ("В Павлодаре паводок.\nЖители Тобола эвакуированы.", ["Павлодар"]),  # elsewhere: not guessed
    (
        "Собрание в районе Габита Мусрепова СКО.",
        ["район имени Габита Мусрепова", "Северо-Казахстанская область"],
    ),
    ("Собрание в районе имени Габита Мусрепова.", ["район имени Габита Мусрепова"]),
    ("Жители района Магжана Жумабаева собрались.", ["район Магжана Жумабаева"]),
    (  # one letter off in a name longer than six letters
        "Дамбу укрепили в Тасклинском районе ЗКО.",
        ["Таскалинский район", "Западно-Казахстанская область"],
    ),
    ("Приехали в Петропавловкске вечером.", ["Петропавловск"]),
    ("Жара ожидается в Мангистау и на Жетысу.", ["Мангистауская область", "область Жетысу"]),
    (  # a list with a region's short form is a list of regions
        "Красный уровень опасности: Мангистау, Атырау и Актобе.",
        ["Мангистауская область", "Атырауская область", "Актюбинская область"],
    ),
    ("Поселок Заречный остался без света.", []),  # not the village Заречное (another gender)
]
VARIANTS_KK = [
    ("Жәнібек ауданында жол жөнделді.", ["Жанибекский район"]),  # і/и
    ("Балқаш ауданындағы Бірлік ауылында мектеп ашылды.", ["Балхашский район", "Бирлик"]),
    (  # Жангелдин ~ Жангельдинский, «аулында» (ауыл without its ы)
        "Жангелдин ауданындағы Аралбай аулында су жоқ.",
        ["Жангельдинский район", "Аралбай"],
    ),
    ("Маңғыстауда және Жетісуда жаңбыр жауады.", ["Мангистауская область", "область Жетысу"]),
    ("Тасқла ауданында су тасқыны.", ["Таскалинский район"]),  # a letter missing
    ("Елордада жаңа мектеп ашылды.", ["Астана"]),  # «the capital»
    ("Бұрынғы елорда көшелерінде мереке.", []),  # the former capital is not Astana
    ("Жастар Елорда жастары бағдарламасына қатысты.", []),  # a programme's name
    (
        "Тізімде: Ақмола, Атырау, Шығыс Қазақстан, Павлодар.",
        [
            "Акмолинская область",
            "Атырауская область",
            "Восточно-Казахстанская область",
            "Павлодарская область",
        ],
    ),
    ("Алматы облыстық соты шешім шығарды.", ["Алматинская область"]),
    # a district named after a person: «X атындағы аудан» / «X ауданы» (Russian «район [имени] X»)
    ("Ғабит Мүсірепов атындағы ауданда жол салынды.", ["район имени Габита Мусрепова"]),
    ("Мағжан Жұмабаев ауданының тұрғындары жиналды.", ["район Магжана Жумабаева"]),
]


@pytest.mark.parametrize("text, expected", VARIANTS_RU)
def test_variant_spellings_ru(ru: Language, text: str, expected: list[str]) -> None:
    assert names(ru, text) == expected


@pytest.mark.parametrize("text, expected", VARIANTS_KK)
def test_variant_spellings_kk(kk: Language, text: str, expected: list[str]) -> None:
    assert names(kk, text) == expected


NOT_TERRITORIES_RU = [
    "Казахстан и Республика Казахстан подписали меморандум.",
    "В Оренбурге и Орске введен режим ЧС.",
    "Уровень воды в реке Ишим и Бухтарминском водохранилище растет.",
    "На озере Алаколь и озере Балхаш штормит.",
    "Жители микрорайона Самал и улицы Жетысу остались без воды.",
    "АО «Павлодарэнерго» и Карагандинский государственный университет подписали договор.",
    "Выступил Сергеев Алтай Петрович.",
]
NOT_TERRITORIES_KK = [
    "Қазақстан Республикасы мен Өзбекстан келісті.",
    "Орынборда және Орскіде төтенше жағдай.",
    "Есіл өзені мен Бұқтырма су қоймасы тасыды.",
    "Балқаш көлі мен Алакөл көлі тартылды.",
    "Абай көшесі мен Самал шағын ауданы.",
    "Қарағанды мемлекеттік университеті жаңа ғимарат салды.",
    "Облыс әкімі Көлгінов Алтай Сейдірұлы сөйледі.",
]


# a first name is not a place, but a place in a case form after a person's name is one
PLACE_AFTER_A_NAME_KK = [
    ("Облыс әкімі Бердібек Сапарбаев Алматыда болды.", ["Алматы"]),
    ("Министр Серік Жұманов Қарағандыға барды.", ["Караганда"]),
]


@pytest.mark.parametrize("text, expected", PLACE_AFTER_A_NAME_KK)
def test_place_in_a_case_form_after_a_name_kk(kk: Language, text: str, expected: list[str]) -> None:
    assert names(kk, text) == expected


@pytest.mark.parametrize("text", NOT_TERRITORIES_RU)
def test_not_territories_ru(ru: Language, text: str) -> None:
    assert names(ru, text) == []


@pytest.mark.parametrize("text", NOT_TERRITORIES_KK)
def test_not_territories_kk(kk: Language, text: str) -> None:
    assert names(kk, text) == []


@pytest.mark.parametrize(
    "lang, text, katos",
    [
        (
            "ru",
            "В Карагандинской области паводок.\nЖители Абайского района эвакуированы.",
            ["350000000", "353200000"],
        ),
        ("ru", "В Шымкенте акция.\nЖители Абайского района вышли.", ["790000000", "791110000"]),
        (
            "kk",
            "Қарағанды облысында су тасқыны.\nАбай ауданының тұрғындары көшірілді.",
            ["350000000", "353200000"],
        ),
        (
            "kk",
            "Шымкентте акция өтті.\nАбай ауданының тұрғындары шықты.",
            ["790000000", "791110000"],
        ),
    ],
)
def test_same_named_units_by_the_article_region(
    ru: Language, kk: Language, lang: str, text: str, katos: list[str]
) -> None:
    doc = (ru if lang == "ru" else kk)(text)
    assert [s._.territory.kato for s in doc.spans["territories"]] == katos


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        (
            "ru",
            "Жара в Мангистау и на Жетысу, дожди вАкмолинской,Костанайской областях.ВАстанеясно.",
            [
                "Мангистауская область",
                "область Жетысу",
                "Акмолинская область",
                "Костанайская область",
                "Астана",
            ],
        ),
        (
            "kk",
            "Ақмола, Қарағанды және Қостанай облыстарында боран, елордада жел.",
            ["Акмолинская область", "Карагандинская область", "Костанайская область", "Астана"],
        ),
    ],
)
def test_core_only_phenomena(lang: str, text: str, expected: list[str]) -> None:
    clear_cache()
    assert names(_pipeline(lang, None), text) == expected
