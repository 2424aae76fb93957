"""`newsmon akims`, `newsmon programs` and `newsmon export` on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from test_query_data import ARTICLES, FACTS, QueryDB, query_db  # noqa: F401
from typer.testing import CliRunner

from newsmon import output
from newsmon.cli import app
from newsmon.errors import InputError
from newsmon.query import (
    ArticleFilter,
    FactFilter,
    akims_directory,
    dedupe_announcements,
    iter_articles,
    iter_facts,
    program_summaries,
)
from newsmon.settings import get_settings


def test_akims_directory_merges_spellings_and_shows_appointments(query_db: QueryDB) -> None:
    entries = akims_directory(database_url=query_db.url)
    by_person = {e.person: e for e in entries}
    assert set(by_person) == {"Ботагоз Сикпаева", "Ерлан Кайратов", "Бақытжан Байахметов"}
    sikpaeva = by_person["Ботагоз Сикпаева"]
    assert sikpaeva.names == ["Ботагоз Сикпаева", "Сикпаева"]
    assert sikpaeva.articles == 2 and sikpaeva.territory["kato"] == "636837000"
    assert sikpaeva.first_seen.startswith("2024-03-01") and sikpaeva.last_seen.startswith(
        "2024-04-10"
    )
    assert (
        sikpaeva.evidence["url"].endswith("/a2/") and sikpaeva.previous is None and sikpaeva.current
    )
    new, old = by_person["Бақытжан Байахметов"], by_person["Ерлан Кайратов"]
    assert new.previous == "Ерлан Кайратов" and new.current and not old.current
    assert new.territory["path"] == ["Восточно-Казахстанская область", "Шемонаихинский район"]


@pytest.mark.parametrize(
    ("territory", "people"),
    [
        ("Шемонаиха ауданы", {"Ботагоз Сикпаева", "Ерлан Кайратов", "Бақытжан Байахметов"}),
        ("Волчанский сельский округ", {"Ботагоз Сикпаева"}),
        ("Атырауская область", set()),
    ],
)
def test_akims_by_territory(query_db: QueryDB, territory: str, people: set[str]) -> None:
    assert {e.person for e in akims_directory(territory, database_url=query_db.url)} == people


def test_akims_by_period(query_db: QueryDB) -> None:
    entries = akims_directory(since=date(2024, 4, 11), database_url=query_db.url)
    assert [e.person for e in entries] == ["Бақытжан Байахметов"] and entries[0].previous is None


@pytest.mark.parametrize(
    ("window", "vko_total", "vko_announcements"),
    [
        (
            14,
            3_000_000_000,
            2,
        ),  # a3 and a4 (a day apart) are one announcement; a7, seven weeks later, another
        (0, 4_500_000_000, 3),
        (60, 1_500_000_000, 1),
    ],
)
def test_programme_totals_count_each_announcement_once(
    query_db: QueryDB, window: int, vko_total: int, vko_announcements: int
) -> None:
    (aa,) = program_summaries(window_days=window, database_url=query_db.url)
    assert aa.program == "Ауыл аманаты" and aa.mentions == 4 and aa.articles == 4
    units = {u["territory"]["name"]: u for u in aa.units}
    vko = units["Восточно-Казахстанская область"]
    assert (vko["total"], vko["announcements"], vko["reports"], vko["unit"]) == (
        vko_total,
        vko_announcements,
        3,
        "KZT",
    )
    assert units["Шемонаихинский район"]["total"] == 300_000_000
    assert aa.totals == {"KZT": vko_total + 300_000_000}


def test_programmes_within_a_territory(query_db: QueryDB) -> None:
    (aa,) = program_summaries(territory="Шемонаихинский район", database_url=query_db.url)
    assert aa.mentions == 2 and [u["territory"]["name"] for u in aa.units] == [
        "Шемонаихинский район"
    ]
    assert program_summaries("Жер аманаты", database_url=query_db.url) == []


def test_dedupe_window_chains_from_the_first_report() -> None:
    t0 = datetime(2024, 4, 1, tzinfo=UTC)
    reports = [(t0 + timedelta(days=d), 1.0) for d in (0, 10, 13, 20, 40)]
    assert dedupe_announcements(reports, 14) == [[0, 1, 2], [3], [4]]
    assert dedupe_announcements(list(reversed(reports)), 14) == [[4, 3, 2], [1], [0]]


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda url: akims_directory(
                since=date(2024, 5, 1), until=date(2024, 4, 1), database_url=url
            ),
            "--since",
        ),
        (lambda url: program_summaries(window_days=-1, database_url=url), "window"),
        (lambda url: akims_directory("Нарния", database_url=url), "unknown territory"),
    ],
)
def test_report_bad_input(query_db: QueryDB, call, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Exception) as info:
        call(query_db.url)
    assert words in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_facts(
    query_db: QueryDB, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "PARQUET_ROW_GROUP", 5)  # several row groups from 18 facts
    out = tmp_path / f"facts.{fmt}"
    result = CliRunner().invoke(app, ["export", "facts", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    expected = list(iter_facts(FactFilter(), database_url=query_db.url))
    if fmt == "jsonl":
        assert [json.loads(line) for line in out.read_text().splitlines()] == expected
    elif fmt == "csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        assert [int(r["id"]) for r in rows] == [f["id"] for f in expected]
        akim = next(r for r in rows if r["person"] == "Ботагоз Сикпаева")
        assert (
            akim["territory_path"].endswith("Волчанский сельский округ")
            and akim["article_source"] == "24.kz"
        )
    else:
        pq = pytest.importorskip("pyarrow.parquet")
        meta = pq.ParquetFile(out).metadata
        assert meta.num_rows == len(expected) and meta.num_row_groups == 4
        table = pq.read_table(out).to_pylist()
        assert [r["id"] for r in table] == [f["id"] for f in expected]
        amount = next(r for r in table if r["id"] == query_db.fact_ids["amount_a3"])
        assert (
            amount["value"] == 1.5e9
            and amount["program"] == "Ауыл аманаты"
            and amount["territory_kato"] == "630000000"
        )
    assert not list(tmp_path.glob(".*.part"))


def test_export_articles_with_filters(query_db: QueryDB, tmp_path: Path) -> None:
    out = tmp_path / "kk.jsonl"
    result = CliRunner().invoke(app, ["export", "articles", "--lang", "kk", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["title"] for r in rows] == [a.title for a in ARTICLES if a.lang == "kk"]
    inside = list(iter_articles(ArticleFilter(territory="ВКО"), database_url=query_db.url))
    assert {r["url"].split("/")[-2] for r in inside} == {"a1", "a2", "a3", "a4", "a5", "a7"}


@pytest.mark.parametrize(
    "args",
    [
        ["export", "facts", "--format", "xlsx", "--out", "x.xlsx"],
        ["export", "stories", "--out", "x.jsonl"],
        ["export", "facts", "--territory", "Нарния", "--out", "x.jsonl"],
        ["export", "facts", "--out", "/no/such/folder/x.jsonl"],
        ["akims", "--since", "yesterday"],
        ["programs", "--window-days", "-3"],
    ],
)
def test_cli_report_errors_are_one_line(
    query_db: QueryDB, tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("x.*")) and not list(tmp_path.glob(".x*"))


@pytest.mark.parametrize(
    "command",
    [["akims"], ["programs"], ["akims", "--format", "json"], ["programs", "--format", "csv"]],
)
def test_cli_reports_print(query_db: QueryDB, command: list[str]) -> None:
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert (
        ("Байахметов" in result.stdout)
        if command[0] == "akims"
        else ("Ауыл аманаты" in result.stdout)
    )
    if "json" in command:
        assert {e["person"] for e in json.loads(result.stdout)} == {
            f[3]["person"] for f in FACTS if f[2] == "akim" and " " in f[3]["person"]
        }


def test_input_errors_are_named() -> None:
    with pytest.raises(InputError):
        FactFilter(min_value=2, max_value=1).validate()


def _group(kato: str | None, person: str, first: str, last: str, fid: int) -> tuple[object, ...]:
    name = {"636800000": "Шемонаихинский район", None: None}[kato]
    return (
        kato,
        name,
        "district" if kato else None,
        person,
        "аким",
        first,
        last,
        1,
        None,  # person_id: not linked, the name rule decides
        "mention",
        f"{last}.000000{fid}",
    )


def test_only_successive_heads_count_as_appointments() -> None:
    from newsmon.query.directories import _akim_entries

    groups = [
        _group("636800000", "Ерлан Кайратов", "2024-01-10 05:00:00", "2024-03-01 05:00:00", 1),
        # seen in the same weeks as Кайратов (a visit, a mistaken unit): no appointment claimed
        _group("636800000", "Марат Ахметов", "2024-02-01 05:00:00", "2024-02-01 05:00:00", 2),
        _group("636800000", "Бақытжан Байахметов", "2024-04-15 05:00:00", "2024-05-01 05:00:00", 3),
        # unit unknown: no chain between unrelated people
        _group(None, "Нурлан Ногаев", "2024-01-01 05:00:00", "2024-01-01 05:00:00", 4),
        _group(None, "Жанна Арынбекова", "2024-02-01 05:00:00", "2024-02-01 05:00:00", 5),
    ]
    entries = {e.person: e for e in _akim_entries(groups, {}, {})}
    assert entries["Марат Ахметов"].previous is None
    assert entries["Бақытжан Байахметов"].previous == "Ерлан Кайратов"  # the last one seen before
    assert entries["Бақытжан Байахметов"].current and not entries["Ерлан Кайратов"].current
    assert (
        entries["Жанна Арынбекова"].previous is None and entries["Жанна Арынбекова"].current is None
    )


def test_announcement_window_is_a_setting(
    query_db: QueryDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsmon.settings import get_settings

    monkeypatch.setenv("NEWSMON_ANNOUNCEMENT_WINDOW_DAYS", "0")
    get_settings.cache_clear()
    (aa,) = program_summaries(database_url=query_db.url)
    vko = next(u for u in aa.units if u["territory"]["kato"] == "630000000")
    assert aa.window_days == 0 and vko["announcements"] == 3


@pytest.mark.slow
def test_demo_akims_one_row_per_person_across_spellings(sqlite_url: str) -> None:
    """Issue 13's finding: «Нұрлан Бекмұханов» and «Нурлан Бекмуханов» (Kazakh and Russian spellings of
    one akim) were two people and a false appointment. On the demo sample with KATO: one row each, and
    the one real change (Шемонаихинский район: Тулеубаев → Жумабаев) is the only `previous`."""
    from newsmon.ingest.importer import import_jsonl
    from newsmon.nlp.extract import extract
    from newsmon.nlp.gazetteer import clear_cache, import_kato
    from newsmon.settings import PACKAGE_DIR
    from tests.conftest import need_data

    import_jsonl(PACKAGE_DIR / "data" / "demo" / "articles.jsonl")
    import_kato(need_data("kato-kz", "src", "main", "resources", "KATO_17.10.2022_ru.csv"))
    try:
        extract(get_settings())
        entries = akims_directory()
    finally:
        clear_cache()
    by_unit: dict[str, list[str]] = {}
    for e in entries:
        if e.territory and e.role == "аким":
            by_unit.setdefault(e.territory["name"], []).append(e.person)
    assert len(by_unit["Усть-Каменогорск"]) == 1, by_unit["Усть-Каменогорск"]
    assert len(by_unit["Шемонаихинский район"]) == 2, by_unit["Шемонаихинский район"]
    changes = {(e.territory["name"], e.previous, e.person) for e in entries if e.previous}
    assert changes == {("Шемонаихинский район", "Ерлан Тулеубаев", "Асет Жумабаев")}, changes
