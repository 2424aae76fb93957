"""Entities (issue 13): one person across languages, case forms, initials and articles; person,
territory and programme rows filled by extraction; akim tenure (appointment, acting, dismissal,
former holder) and the `newsmon akims` / `newsmon programs` commands, on SQLite and PostgreSQL.

Names and sentences are invented; the acceptance tests on the bundled demo and on the dev gold files
(with KATO imported) pin what a press office reads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from newsmon.cli import app
from newsmon.entities import parse_person, same_person
from newsmon.errors import InputError, NotFoundError
from newsmon.ingest.importer import import_jsonl
from newsmon.nlp.extract import extract
from newsmon.nlp.gazetteer import clear_cache, import_kato
from newsmon.nlp.linking import Linker, relink
from newsmon.query import (
    FactFilter,
    akims_directory,
    list_facts,
    person_profile,
    program_summaries,
    territory_profile,
)
from newsmon.settings import PACKAGE_DIR, get_settings
from newsmon.store import summary
from newsmon.store.db import open_session
from tests.conftest import need_data

runner = CliRunner()
KATO = ("kato-kz", "src", "main", "resources", "KATO_17.10.2022_ru.csv")

# ---------------------------------------------------------------------------------------------
# the person rule (newsmon.entities): (a, b, one person?)

SAME = [
    # Kazakh letters and Russian ones
    ("Нұрлан Бекмұханов", "Нурлан Бекмуханов", True),
    ("Ерлан Төлеубаев", "Ерлан Тулеубаев", True),
    ("Айгүл Қасымова", "Айгуль Касымова", True),
    ("Ерболат Нұрғалиев", "Ерболат Нургалиев", True),
    ("Бауыржан Бәйбек", "Бауыржан Байбек", True),
    # case forms, Russian and Kazakh
    ("Нурлана Бекмуханова", "Нурлан Бекмуханов", True),
    ("Нурланом Бекмухановым", "Нурлан Бекмуханов", True),
    ("Ботагоз Сикпаевой", "Ботагоз Сикпаева", True),
    ("Нұрлан Бекмұхановтың", "Нурлан Бекмуханов", True),
    ("Асет Жұмабаевты", "Асет Жумабаев", True),
    ("Ерболат Досаевпен", "Ерболат Досаев", True),
    # patronymic optional, official order, initials
    ("Бекмуханов Нурлан Абаевич", "Нурлан Бекмуханов", True),
    ("Көлгінов Алтай Сейдірұлы", "Алтай Көлгінов", True),
    ("Н. Бекмуханов", "Нурлан Бекмуханов", True),
    ("Н.А. Бекмуханов", "Нұрлан Бекмұханов", True),
    # different people
    ("Ерлан Бекмуханов", "Нурлан Бекмуханов", False),  # namesakes: the first name decides
    ("Е. Бекмуханов", "Нурлан Бекмуханов", False),
    ("Асет Жумабаев", "Асет Жумагулов", False),
    ("Ерлан Петров", "Арлан Петров", False),
    # too little to tell: a surname alone, initials alone, Latin script
    ("Бекмуханов", "Нурлан Бекмуханов", False),
    ("Н.Б.", "Нурлан Бекмуханов", False),
    ("Nurlan Bekmukhanov", "Нурлан Бекмуханов", False),
]


@pytest.mark.parametrize(("a", "b", "same"), SAME)
def test_one_rule_decides_who_is_who(a: str, b: str, same: bool) -> None:
    assert same_person(a, b) is same
    assert same_person(b, a) is same


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Бекмұхановтың", ("ббкмкнв", None, None)),  # a surname alone, Kazakh genitive
        ("Н. Бекмуханов", ("ббкмкнв", None, "н")),
        ("Бекмуханов Нурлан Абаевич", ("ббкмкнв", "ннрлн", "н")),
        ("Дархан Сатыбалды", ("сстблд", "ддркн", "д")),  # an indeclinable Kazakh surname
    ],
)
def test_name_parts(name: str, parts: tuple[str | None, ...]) -> None:
    p = parse_person(name)
    assert p is not None and (p.surname, p.first, p.initial) == parts


@pytest.mark.parametrize("name", ["", "Н.Б.", "А. Б.", "Nurlan Bekmukhanov", "аким", "Б"])
def test_names_that_name_nobody(name: str) -> None:
    assert (parse_person(name) is None) is (name != "аким")
    if name == "аким":  # a lower-case word is read as a surname alone: it never joins anyone
        assert not same_person(name, "Нурлан Аким")


# ---------------------------------------------------------------------------------------------
# rows: persons, territories, programmes


def _row(person: str | None, kato: str | None, **kw: Any) -> dict[str, Any]:
    return {
        "kind": "akim" if person else "program",
        "person": person,
        "territory_kato": kato,
        "territory_name": None,
        "territory_level": None,
        "program": None,
        **kw,
    }


def test_linker_keeps_namesakes_apart_and_joins_spellings(db_url: str) -> None:
    with open_session() as session:
        linker = Linker(session)
        rows = [
            _row("Нурлан Бекмуханов", "631000000"),
            _row("Нұрлан Бекмұханов", "631000000"),  # Kazakh letters: the same person
            _row("Ерлан Бекмуханов", "634000000"),  # a namesake in another unit
            _row("Бекмуханов", "634000000"),  # a surname alone: the one of that unit
            _row("Н. Бекмуханов", "631000000"),  # an initial: the one of that unit
            _row("Бекмуханов", "636800000"),  # a surname alone elsewhere: nobody known there
            _row("Nurlan Bekmukhanov", "631000000"),  # Latin script: no person row
            _row(None, None, program="Нурлы жер"),
            _row("Көлгінов Алтай Сейдірұлы", None),  # the register's order, with a patronymic
            _row("Алтай Көлгінов", "710000000"),  # as the news write it: the name shown
        ]
        linker.link(rows)
        linker.flush()
        session.commit()
        ids = [r["person_id"] for r in rows]
        assert ids[0] == ids[1] == ids[4]
        assert ids[2] == ids[3] != ids[0]
        assert ids[5] not in (ids[0], ids[2]) and ids[5] is not None
        assert ids[6] is None
        person = session.execute(
            sa.text("SELECT name, name_kk, aliases FROM person WHERE id = :i"), {"i": ids[0]}
        ).one()
        assert person[0] == "Нурлан Бекмуханов" and person[1] == "Нұрлан Бекмұханов"
        assert rows[8]["person_id"] == rows[9]["person_id"]
        shown = session.execute(
            sa.text("SELECT name, name_kk FROM person WHERE id = :i"), {"i": rows[9]["person_id"]}
        ).one()
        assert tuple(shown) == ("Алтай Колгинов", "Алтай Көлгінов")
        # territories of the built-in core (no KATO imported): rows with both names
        terr = session.execute(
            sa.text("SELECT name, name_kk, source FROM territory WHERE kato = '631000000'")
        ).one()
        assert tuple(terr) == ("Усть-Каменогорск", "Өскемен", "core")
        prog = session.execute(
            sa.text("SELECT name, name_ru, name_kk FROM programme WHERE id = :i"),
            {"i": rows[7]["programme_id"]},
        ).one()
        assert tuple(prog) == ("Нурлы жер", "Нурлы жер", "Нұрлы жер")


# ---------------------------------------------------------------------------------------------
# the demo: every akim once with its unit, no appointment from a spelling variant


@pytest.fixture
def demo_db(db_url: str) -> Iterator[str]:
    clear_cache()
    assert import_jsonl(PACKAGE_DIR / "data" / "demo" / "articles.jsonl").ok
    extract(get_settings())
    yield db_url
    clear_cache()


def test_demo_lists_every_akim_once_with_its_unit(demo_db: str) -> None:
    entries = akims_directory(deputies=True)
    people = [(e.person_id, (e.territory or {}).get("kato")) for e in entries]
    # 8 heads of 7 units (one changed hands) and 3 deputies, from 20 akim facts in two languages
    assert len(people) == len(set(people)) == 11
    assert all(e.territory is not None for e in entries)  # the core knows every demo unit
    by_name = {e.person: e for e in entries}
    # Russian and Kazakh spellings are one person, not an appointment
    ust = by_name["Нурлан Бекмуханов"]
    assert ust.names == ["Нурлан Бекмуханов", "Нұрлан Бекмұханов"] and ust.previous is None
    assert ust.person_kk == "Нұрлан Бекмұханов" and ust.current
    changes = [(e.territory["name"], e.previous, e.person) for e in entries if e.previous]
    assert changes == [("Шемонаихинский район", "Ерлан Тулеубаев", "Асет Жумабаев")]
    # the README example
    result = runner.invoke(app, ["akims", "--territory", "Шемонаихинский район", "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    new = next(r for r in rows if r["person"] == "Асет Жумабаев")
    assert new["current"] and new["previous"] == "Ерлан Тулеубаев" and new["appointed"]
    assert (
        "тағайындалды" in new["appointment"]["sentence"]
        or "назнач" in new["appointment"]["sentence"]
        or "стал" in new["appointment"]["sentence"]
    )
    old = next(r for r in rows if r["person"] == "Ерлан Тулеубаев")
    assert not old["current"] and old["until"] == new["since"]


def test_akims_command_options_on_the_demo(demo_db: str) -> None:
    def run(*args: str) -> list[dict[str, Any]]:
        result = runner.invoke(app, ["akims", *args, "--format", "json"])
        assert result.exit_code == 0, result.output
        return list(json.loads(result.stdout))

    # the region by its Kazakh abbreviation, by its KATO code, and a district in Kazakh
    for territory in ("ШҚО", "ВКО", "630000000"):
        assert {r["person"] for r in run("--territory", territory)} >= {"Асет Жумабаев"}
    assert {r["person"] for r in run("--territory", "Шемонаиха ауданы", "--at", "2024-11-19")} == {
        "Ерлан Тулеубаев"
    }
    # the district and the units inside it
    assert {r["person"] for r in run("--territory", "Шемонаиха ауданы", "--at", "2024-11-21")} == {
        "Асет Жумабаев",
        "Гульнара Ахметова",
    }
    changed = run("--changes", "--since", "2024-11-20")
    assert [(r["person"], r["previous"]) for r in changed] == [("Асет Жумабаев", "Ерлан Тулеубаев")]
    assert run("--changes", "--since", "2024-11-21") == []
    table = runner.invoke(app, ["akims", "--territory", "Шемонаихинский район"])
    assert table.exit_code == 0 and "3 akims" in table.output  # the district and its rural district
    csv_out = runner.invoke(app, ["akims", "-t", "636800000", "--format", "csv"]).stdout
    assert csv_out.splitlines()[0].startswith("territory_name,territory_kato,person,role,since")
    bad = runner.invoke(app, ["akims", "--territory", "Шемонаихинскй район"])
    assert bad.exit_code != 0 and "Шемонаихинский район" in bad.output
    both = runner.invoke(app, ["akims", "--at", "2024-11-19", "--changes"])
    assert both.exit_code != 0 and "--at" in bad.output + both.output


def test_facts_person_filter_finds_every_spelling(demo_db: str) -> None:
    for query in ("Бекмұхановтың", "Нурлана Бекмуханова", "Н. Бекмуханов"):
        got = list_facts(FactFilter(person=query, kind="akim"))
        assert sorted(f["person"] for f in got) == ["Нурлан Бекмуханов", "Нұрлан Бекмұханов"]
    assert list_facts(FactFilter(person="Ерлан Бекмуханов", kind="akim")) == []


def test_programs_on_the_demo(demo_db: str) -> None:
    rows = {p.program: p for p in program_summaries()}
    aa = rows["Ауыл аманаты"]
    assert (aa.name_ru, aa.name_kk) == ("Ауыл аманаты", "Ауыл аманаты") and aa.programme_id
    assert aa.totals == {"KZT": 2_400_000_000}  # one currency: summed over the units
    assert {"Шемонаихинский район", "Павлодарская область"} <= {t["name"] for t in aa.territories}
    road = rows["Дорожная карта занятости"]
    assert road.name_kk == "Жұмыспен қамтудың жол картасы"
    assert rows["Нурлы жер"].totals == {}  # no amount linked to it: no total
    out = runner.invoke(app, ["programs", "--format", "table"])
    assert out.exit_code == 0 and "2,4 млрд тенге" in out.output
    as_json = json.loads(runner.invoke(app, ["programs", "--format", "json"]).stdout)
    assert {p["program"]: p["totals_text"] for p in as_json}["Ауыл аманаты"] == "2,4 млрд тенге"


def test_person_and_territory_profiles_for_the_web(demo_db: str) -> None:
    entry = next(e for e in akims_directory("Шемонаихинский район") if e.person == "Асет Жумабаев")
    assert entry.person_id is not None
    person = person_profile(entry.person_id)
    assert (person.name, person.name_kk) == ("Асет Жумабаев", "Асет Жұмабаев")
    assert [(p["territory"]["kato"], p["current"]) for p in person.posts] == [("636800000", True)]
    assert person.facts_total == len(person.facts) == 2
    assert {f["article"]["lang"] for f in person.facts} == {"ru", "kk"}
    unit = territory_profile("636800000")
    assert (unit.name, unit.name_kk, unit.level) == (
        "Шемонаихинский район",
        "Шемонаиха ауданы",
        "district",
    )
    assert unit.path == ["Восточно-Казахстанская область", "Шемонаихинский район"]
    assert [(a["person"], a["current"]) for a in unit.akims] == [
        ("Асет Жумабаев", True),
        ("Ерлан Тулеубаев", False),
    ]
    assert [c["name"] for c in unit.children] == ["Волчанский сельский округ"]
    assert "Ауыл аманаты" in {p["program"] for p in unit.programmes}
    assert (
        unit.facts
        and unit.facts[0]["article"]["published"] >= unit.facts[-1]["article"]["published"]
    )
    region = territory_profile("630000000")
    assert region.name_kk == "Шығыс Қазақстан облысы" and "ШҚО" in region.aliases
    assert len(region.children) >= 7  # the core's cities and districts of the region
    with pytest.raises(NotFoundError):
        person_profile(10_000)
    with pytest.raises(NotFoundError):
        territory_profile("999999999")
    with pytest.raises(InputError):
        territory_profile("ВКО")


# ---------------------------------------------------------------------------------------------
# tenure from facts over time, in both languages

TENURE = [
    ("2024-01-10", "ru", "Аким Шемонаихинского района Ерлан Тулеубаев провёл сход в Шемонаихе."),
    ("2024-03-01", "kk", "Шемонаиха ауданының әкімі Ерлан Төлеубаев жиналыс өткізді."),
    ("2024-04-01", "ru", "Ерлан Тулеубаев освобождён от должности акима Шемонаихинского района."),
    (
        "2024-04-02",
        "ru",
        "Временно исполняющим обязанности акима Шемонаихинского района назначен Асет Жумабаев.",
    ),
    ("2024-05-01", "kk", "Асет Жұмабаев Шемонаиха ауданының әкімі болып тағайындалды."),
    ("2024-06-01", "ru", "Бывший аким Шемонаихинского района Ерлан Тулеубаев открыл кафе."),
    # a late mention of the former head without a «former» word: still not current
    ("2024-06-05", "ru", "Аким Шемонаихинского района Ерлан Тулеубаев вручил награды ветеранам."),
]


@pytest.fixture
def tenure_db(db_url: str, tmp_path: Path) -> Iterator[str]:
    clear_cache()
    f = tmp_path / "tenure.jsonl"
    f.write_text(
        "\n".join(
            json.dumps(
                {
                    "url": f"https://example.kz/t/{n}",
                    "title": f"Новости района {n}",
                    "text": text,
                    "published": f"{day}T10:00:00+05:00",
                    "lang": lang,
                },
                ensure_ascii=False,
            )
            for n, (day, lang, text) in enumerate(TENURE)
        )
        + "\n",
        encoding="utf-8",
    )
    assert import_jsonl(f).ok
    extract(get_settings())
    yield db_url
    clear_cache()


def test_tenure_appointment_acting_dismissal_former_holder(tenure_db: str) -> None:
    entries = akims_directory("Шемонаихинский район")
    assert [e.person for e in entries] == ["Асет Жумабаев", "Ерлан Тулеубаев"]
    new, old = entries
    # one person across the Russian and Kazakh spellings; dismissed, never current again
    assert old.names == ["Ерлан Тулеубаев", "Ерлан Төлеубаев"] and not old.current
    assert old.dismissed and old.dismissed.startswith("2024-04-01") and old.until == old.dismissed
    assert old.since and old.since.startswith("2024-01-10")
    # appointed acting, then permanent
    assert new.current and new.previous == "Ерлан Тулеубаев" and not new.acting
    assert new.appointed and new.appointed.startswith("2024-04-02")
    assert new.role == "аким" and new.appointment is not None
    # who headed the unit on a day
    (then,) = akims_directory("Шемонаихинский район", at=date(2024, 2, 1))
    assert then.person == "Ерлан Тулеубаев" and then.current
    (acting,) = akims_directory("Шемонаихинский район", at=date(2024, 4, 10))
    assert acting.person == "Асет Жумабаев" and acting.acting and acting.role == "и.о. акима"
    # the changes of a period
    changes = akims_directory(changes=True, since=date(2024, 3, 15))
    assert [(e.person, e.dismissed is not None) for e in changes] == [
        ("Ерлан Тулеубаев", True),
        ("Асет Жумабаев", False),
    ]
    assert akims_directory(changes=True, since=date(2024, 5, 2)) == []
    with pytest.raises(InputError):
        akims_directory(at=date(2024, 1, 1), changes=True)
    with pytest.raises(NotFoundError):
        akims_directory("Нарния")


def test_relink_rebuilds_the_same_entities(tenure_db: str) -> None:
    def snapshot() -> list[tuple[Any, ...]]:
        with open_session() as s:
            return [
                tuple(r)
                for r in s.execute(
                    sa.text(
                        "SELECT f.id, p.name, f.territory_id, f.event FROM fact f "
                        "LEFT JOIN person p ON p.id = f.person_id ORDER BY f.id"
                    )
                ).all()
            ]

    before = snapshot()
    result = runner.invoke(app, ["extract", "--link", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["persons"] == 2
    assert snapshot() == before
    with open_session() as s:  # facts stored before entities existed: links come back
        s.execute(sa.text("UPDATE fact SET person_id = NULL, territory_id = NULL"))
        s.commit()
        report = relink(s)
    assert report.facts == len(before) and snapshot() == before


def test_relink_keeps_a_surname_with_its_person_and_rebuilds_the_summaries(
    db_url: str, tmp_path: Path
) -> None:
    """A surname with an initial, extracted after the full name but published before it, joins the
    person of its unit; a relink (oldest first) keeps it there, as the links it clears are its
    evidence of the unit; the summaries keyed by person ids follow."""
    clear_cache()
    texts = [  # extracted in this order; the second was published first
        ("2024-02-05", "Аким Шемонаихинского района Ерлан Сапаров открыл новую школу."),
        ("2024-02-01", "Аким Шемонаихинского района Е. Сапаров провёл сход."),
    ]
    for n, (day, text) in enumerate(texts):
        f = tmp_path / f"surname{n}.jsonl"
        row = {
            "url": f"https://example.kz/s/{n}",
            "title": f"Сход {n}",
            "text": text,
            "published": f"{day}T10:00:00+05:00",
            "lang": "ru",
        }
        f.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
        assert import_jsonl(f).ok
        extract(get_settings())

    def people() -> list[int]:
        with open_session() as s:
            return list(
                s.execute(
                    sa.text("SELECT DISTINCT person_id FROM fact WHERE kind = 'akim'")
                ).scalars()
            )

    before = people()
    assert len(before) == 1 and before[0] is not None
    with open_session() as s:
        relink(s)
    assert people() == before
    with open_session() as s:  # facts stored before entities existed: the summaries catch up
        s.execute(sa.text("UPDATE fact SET person_id = NULL"))
        summary.rebuild(s.connection())  # person summaries now keyed by no person
        s.commit()
        relink(s)
        kept = [summary.rows(s.connection(), t) for t in summary.SUMMARIES]
        summary.rebuild(s.connection())
        assert kept == [summary.rows(s.connection(), t) for t in summary.SUMMARIES]
    assert people() == before
    clear_cache()


# ---------------------------------------------------------------------------------------------
# bad input: sensible entities or none

BAD = [
    ("Аким района Н.Б. заявил, что дороги отремонтируют.", []),  # initials only
    ("Аким района заявил, что дороги отремонтируют к осени.", []),  # a title with no name
    ("Аким Глубоковского района Nurlan Bekmukhanov заявил о ремонте.", []),  # Latin script
    (  # two akims in one sentence: two people, each with a person row
        "Аким Шемонаихинского района Асет Жумабаев и аким Глубоковского района Серик Кайыржанов "
        "подписали меморандум.",
        ["Асет Жумабаев", "Серик Кайыржанов"],
    ),
]


@pytest.mark.parametrize(("text", "people"), BAD)
def test_bad_input_gives_sensible_entities_or_none(
    db_url: str, tmp_path: Path, text: str, people: list[str]
) -> None:
    clear_cache()
    f = tmp_path / "bad.jsonl"
    row = {"url": "https://example.kz/bad", "title": "Новости", "text": text, "lang": "ru"}
    f.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    assert import_jsonl(f).ok
    assert extract(get_settings()).failed == []
    with open_session() as s:
        got = (
            s.execute(
                sa.text(
                    "SELECT p.name FROM fact f JOIN person p ON p.id = f.person_id "
                    "WHERE f.kind = 'akim' ORDER BY p.name"
                )
            )
            .scalars()
            .all()
        )
    assert got == people
    clear_cache()


def test_an_initial_or_a_surname_alone_joins_the_full_name(db_url: str, tmp_path: Path) -> None:
    clear_cache()
    rows = [
        ("2024-01-10", "Аким Глубоковского района Серик Кайыржанов открыл школу."),
        ("2024-01-11", "Аким Глубоковского района С. Кайыржанов провёл приём граждан."),
        ("2024-01-12", "Аким района Кайыржанов заявил, что дороги отремонтируют."),  # no unit
    ]
    f = tmp_path / "surname.jsonl"
    f.write_text(
        "\n".join(
            json.dumps(
                {
                    "url": f"https://example.kz/s/{n}",
                    "title": f"Новости района, выпуск {n}",
                    "text": t,
                    "published": f"{d}T10:00:00+05:00",
                    "lang": "ru",
                },
                ensure_ascii=False,
            )
            for n, (d, t) in enumerate(rows)
        )
        + "\n",
        encoding="utf-8",
    )
    assert import_jsonl(f).ok
    extract(get_settings())
    (entry,) = akims_directory("Глубоковский район")
    assert entry.person == "Серик Кайыржанов" and entry.previous is None and entry.articles == 2
    assert entry.names == ["С. Кайыржанов", "Серик Кайыржанов"]
    with open_session() as s:
        ids = s.execute(sa.text("SELECT DISTINCT person_id FROM fact WHERE kind = 'akim'")).all()
    assert ids == [(entry.person_id,)]  # the surname alone, with no unit, is the only bearer
    clear_cache()


# ---------------------------------------------------------------------------------------------
# acceptance on the dev gold files, KATO imported


def _gold_akims() -> list[tuple[str, str, str | None]]:
    out = []
    for name in ("dev.jsonl", "kk-dev.jsonl"):
        for line in need_data("gold", name).read_text(encoding="utf-8").splitlines():
            for a in json.loads(line).get("akims", []):
                out.append((a["person"], a["role"], a["territory"]))
    return sorted(set(out))


@pytest.mark.slow
def test_dev_gold_akims_listed_once_with_the_gold_unit(sqlite_url: str) -> None:
    import_jsonl(need_data("tengrinews-ru-2024-04", "articles.dev.import.jsonl"))
    import_jsonl(need_data("gold", "kk-dev.import.jsonl"))
    import_kato(need_data(*KATO))
    try:
        extract(get_settings())
        result = runner.invoke(app, ["akims", "--deputies", "--format", "json"])
    finally:
        clear_cache()
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    problems = []
    for person, role, unit in _gold_akims():
        deputy = role == "заместитель акима"
        hits = [
            r
            for r in rows
            if any(same_person(person, n) for n in [r["person"], *r["names"]])
            and (r["territory"] or {}).get("name") == unit
            and (r["role"] == "заместитель акима") == deputy
        ]
        if len(hits) != 1:
            problems.append((person, role, unit, [(h["person"], h["territory"]) for h in hits]))
    assert problems == []
