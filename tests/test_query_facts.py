"""`newsmon facts` and the library behind it: every filter on SQLite and PostgreSQL, the territory
hierarchy, CONTRACT §2 output, and bad input as one-line errors."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from test_query_data import LABELS, QueryDB, query_db  # noqa: F401
from typer.testing import CliRunner

from newsmon.cli import app
from newsmon.errors import InputError, NotFoundError
from newsmon.kato import kato_prefix, kato_within
from newsmon.query import FactFilter, iter_facts, resolve_territory
from newsmon.store.db import open_session

INSIDE_VKO = [
    "sikpaeva1",
    "volchanka",
    "sikpaeva2",
    "kairatov",
    "vko_a2",
    "amount_a3",
    "amount_a4",
    "amount_a4_shem",
    "bayakhmetov",
    "amount_a7",
]
INSIDE_SHEM = ["sikpaeva1", "volchanka", "sikpaeva2", "kairatov", "amount_a4_shem", "bayakhmetov"]
AMOUNTS_AA = ["amount_a3", "amount_a4", "amount_a4_shem", "amount_a7"]

CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({}, LABELS),
    ({"kind": "akim"}, ["sikpaeva1", "sikpaeva2", "kairatov", "bayakhmetov"]),
    ({"kind": "program"}, ["program_a3", "program_a4", "program_a5", "program_a7"]),
    # territory: a unit and everything inside it, by name in either language, any case form, or code
    ({"territory": "ВКО"}, INSIDE_VKO),
    ({"territory": "вко"}, INSIDE_VKO),
    ({"territory": "Шығыс Қазақстан облысы"}, INSIDE_VKO),
    ({"territory": "Шығыс Қазақстан облысының"}, INSIDE_VKO),
    ({"territory": "Восточно-Казахстанской области"}, INSIDE_VKO),
    ({"territory": "«Восточно-Казахстанская область»"}, INSIDE_VKO),
    ({"territory": "630000000"}, INSIDE_VKO),
    ({"territory": "Шемонаихинский район"}, INSIDE_SHEM),
    ({"territory": "Шемонаихинского района"}, INSIDE_SHEM),
    ({"territory": "Шемонаиха ауданы"}, INSIDE_SHEM),
    ({"territory": "Шемонаиха ауданының"}, INSIDE_SHEM),
    ({"territory": "Волчанский сельский округ"}, ["sikpaeva1", "volchanka", "sikpaeva2"]),
    ({"territory": "Волчанка"}, ["volchanka"]),
    ({"territory": "Атырауская область"}, ["atyrau_usd", "atyrau_city", "no_kato"]),
    ({"territory": "Атырау облысы"}, ["atyrau_usd", "atyrau_city", "no_kato"]),
    ({"territory": "ВКО", "kind": "akim"}, ["sikpaeva1", "sikpaeva2", "kairatov", "bayakhmetov"]),
    # person: words of the name, any case, an inflected surname
    ({"person": "сикпаева"}, ["sikpaeva1", "sikpaeva2"]),
    ({"person": "Сикпаевой"}, ["sikpaeva1", "sikpaeva2"]),
    ({"person": "Ботагоз Сикпаева"}, ["sikpaeva1"]),
    ({"person": "Байахметов"}, ["bayakhmetov"]),
    ({"person": "Назарбаев"}, []),
    # programme: any case, with or without quotes
    (
        {"program": "ауыл аманаты"},
        [
            *AMOUNTS_AA[:2],
            "program_a3",
            *AMOUNTS_AA[2:3],
            "program_a4",
            "program_a5",
            "amount_a7",
            "program_a7",
        ],
    ),
    ({"program": "«Ауыл аманаты»", "kind": "amount"}, AMOUNTS_AA),
    ({"program": "Жер аманаты"}, []),
    # unit and value range
    ({"unit": "kzt"}, AMOUNTS_AA),
    ({"unit": "тенге"}, AMOUNTS_AA),
    ({"unit": "USD"}, ["atyrau_usd"]),
    ({"min_value": 1e9}, ["amount_a3", "amount_a4", "amount_a7"]),
    ({"max_value": 3e8}, ["amount_a4_shem", "atyrau_usd"]),
    ({"min_value": 1e6, "max_value": 5e8}, ["amount_a4_shem", "atyrau_usd"]),
    (
        {"min_value": 1.5e9, "max_value": 1.5e9, "territory": "ВКО"},
        ["amount_a3", "amount_a4", "amount_a7"],
    ),
    # source, language, days (Asia/Almaty, both ends included)
    ({"source": "kazinform.kz"}, ["bayakhmetov", "program_a5", "atyrau_usd", "atyrau_city"]),
    ({"source": "KAZINFORM.KZ", "kind": "akim"}, ["bayakhmetov"]),
    ({"lang": "kk"}, ["bayakhmetov", "program_a5", "atyrau_usd", "atyrau_city"]),
    ({"lang": "en"}, []),
    (
        {"since": date(2024, 4, 13), "until": date(2024, 4, 15)},
        ["amount_a4", "amount_a4_shem", "program_a4", "bayakhmetov", "program_a5"],
    ),
    ({"since": date(2024, 6, 1)}, ["amount_a7", "program_a7"]),
    ({"until": date(2024, 3, 1)}, ["sikpaeva1", "volchanka"]),
    # pages, in order (oldest first)
    ({"limit": 3}, LABELS[:3]),
    ({"limit": 2, "offset": 3}, ["kairatov", "vko_a2"]),
]


def _labels(db: QueryDB, flt: FactFilter) -> list[str]:
    return db.labels([f["id"] for f in iter_facts(flt, database_url=db.url)])


def _chronological(labels: list[str]) -> list[str]:
    from test_query_data import ARTICLES, FACTS

    when = {a.key: a.published for a in ARTICLES}
    order = {label: (when[art], i) for i, (label, art, _k, _f) in enumerate(FACTS)}
    return sorted(labels, key=order.__getitem__)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    CASES,
    ids=[json.dumps(c[0], default=str, ensure_ascii=False) for c in CASES],
)
def test_fact_filters(query_db: QueryDB, kwargs: dict[str, Any], expected: list[str]) -> None:
    got = _labels(query_db, FactFilter(**kwargs))
    if "limit" in kwargs:
        assert got == _chronological(LABELS)[kwargs.get("offset", 0) :][: kwargs["limit"]]
    else:
        assert got == _chronological(expected)


def test_output_is_contract_section_2(query_db: QueryDB) -> None:
    facts = {f["id"]: f for f in iter_facts(FactFilter(), database_url=query_db.url)}
    common = {
        "id",
        "kind",
        "article",
        "text",
        "sentence",
        "start",
        "end",
        "confidence",
        "extractor",
        "mentions",
    }
    by_kind = {
        "akim": {"person", "role", "territory"},
        "amount": {"value", "unit", "raw", "program", "territory"},
        "program": {"program"},
        "territory": {"territory"},
    }
    for fact in facts.values():
        assert set(fact) == common | by_kind[fact["kind"]]
        assert set(fact["article"]) == {"url", "title", "source", "published", "lang"}
        assert fact["article"]["published"].endswith("+05:00")
    akim = facts[query_db.fact_ids["sikpaeva1"]]
    assert akim["territory"] == {
        "name": "Волчанский сельский округ",
        "level": "rural_district",
        "kato": "636837000",
        "path": [
            "Восточно-Казахстанская область",
            "Шемонаихинский район",
            "Волчанский сельский округ",
        ],
    }
    amount = facts[query_db.fact_ids["amount_a3"]]
    assert (
        amount["value"] == 1_500_000_000
        and isinstance(amount["value"], int)
        and amount["unit"] == "KZT"
    )


@pytest.mark.parametrize(
    ("code", "inside", "outside"),
    [
        ("630000000", "636837100", "230000000"),
        ("636800000", "636837000", "631000000"),
        ("636837000", "636837100", "636820100"),
    ],
)
def test_kato_hierarchy(code: str, inside: str, outside: str) -> None:
    assert kato_within(code, inside) and kato_within(code, code)
    assert not kato_within(code, outside)
    assert len(kato_prefix(code)) in (2, 4, 6)


def test_shared_names_resolve_to_the_broadest_unit(query_db: QueryDB) -> None:
    with open_session(query_db.url) as session:
        # «Атырау» is both a city and (in Kazakh) the region's short name: the city is the unit so named
        assert [u.kato for u in resolve_territory(session, "Атырау")] == ["231010000"]
        assert [u.kato for u in resolve_territory(session, "Өскемен")] == ["631000000"]


BAD: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"min_value": 10, "max_value": 1}, InputError, "--min-value"),
    ({"since": date(2024, 5, 1), "until": date(2024, 4, 1)}, InputError, "--since"),
    ({"kind": "minister"}, InputError, "unknown kind"),
    ({"lang": "de"}, InputError, "unknown language"),
    ({"limit": -1}, InputError, "negative"),
    ({"territory": "Шемонаихинская облость"}, NotFoundError, "Шемонаих"),
    ({"territory": "Нарния"}, NotFoundError, "unknown territory"),
    ({"territory": "12345"}, InputError, "9 digits"),
    ({"territory": "  "}, InputError, "empty"),
    ({"source": "tengrinew.kz"}, NotFoundError, "tengrinews.kz"),
]


@pytest.mark.parametrize(("kwargs", "error", "words"), BAD, ids=[str(b[0]) for b in BAD])
def test_bad_filters_raise_one_line_errors(
    query_db: QueryDB, kwargs: dict[str, Any], error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as info:
        list(iter_facts(FactFilter(**kwargs), database_url=query_db.url))
    assert words in str(info.value) and "\n" not in str(info.value)


CLI_BAD = [
    ["facts", "--since", "15.04.2024"],
    ["facts", "--min-value", "5", "--max-value", "1"],
    ["facts", "--since", "2024-05-01", "--until", "2024-04-01"],
    ["facts", "--territory", "Нарния", "--format", "json"],
    ["facts", "--format", "xml"],
    ["facts", "--person", "'; DROP TABLE fact; --"],
]


@pytest.mark.parametrize("args", CLI_BAD, ids=[" ".join(a) for a in CLI_BAD])
def test_cli_bad_input_is_one_line_and_non_zero(query_db: QueryDB, args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    if args[1] == "--person":  # SQL text is just a name nobody has
        assert result.exit_code == 0 and result.stdout == ""
        return
    assert result.exit_code != 0
    assert "Traceback" not in result.output and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "table"])
def test_cli_formats(query_db: QueryDB, fmt: str) -> None:
    result = CliRunner().invoke(
        app, ["facts", "--territory", "Шемонаиха ауданы", "--kind", "akim", "--format", fmt]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    if fmt == "jsonl":
        assert [json.loads(line)["person"] for line in out.splitlines()] == [
            "Ботагоз Сикпаева",
            "Сикпаева",
            "Ерлан Кайратов",
            "Бақытжан Байахметов",
        ]
    elif fmt == "json":
        assert len(json.loads(out)) == 4
    elif fmt == "csv":
        assert out.splitlines()[0].startswith("id,kind,") and len(out.strip().splitlines()) == 5
    else:
        assert "Байахметов" in out and "Волчанский сельский округ" in out
