"""Watchlist matching and validation; coverage counts, share of voice, CSV and the PNG chart."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
import yaml
from digest_support import DEMO_WATCHLIST, load_sample, sample_rows

from newsmon.coverage import coverage, to_csv, write_chart
from newsmon.errors import ConfigError, InputError, NotFoundError
from newsmon.watchlist import Entity, load_watchlist

ROOT = Path(__file__).resolve().parents[1]
D19, D20 = date(2024, 11, 19), date(2024, 11, 20)


@pytest.mark.parametrize(
    "variants, text, count",
    [
        (
            ["Жумабаев", "Жұмабаев"],
            "Асет Жумабаев назначен. Асету Жумабаеву вручили распоряжение.",
            2,
        ),
        (["Жумабаев", "Жұмабаев"], "Асет Жұмабаевтың айтуынша, жол жөнделеді.", 1),
        (
            ["Дорожная карта занятости"],
            "по программе «Дорожной карте занятости» и «Дорожная карта занятости»",
            2,
        ),
        (["Ауыл аманаты"], "«Ауыл аманаты» бағдарламасы; «Ауыл аманатының» қаражаты", 2),
        (["Ауыл – Ел бесігі"], "по программе «Ауыл – Ел бесігі» и «Ауыл-Ел бесігі»", 2),
        (
            ["ВКО", "ШҚО"],
            "В ВКО и ШҚО-да; вкотел и ШҚОның не считаются",
            2,
        ),  # capitals: whole word or -suffix
        (["AMANAT"], "Партия AMANAT и «Ауыл аманаты»", 1),  # the programme is not the party
        (["Өскемен", "Усть-Каменогорск"], "В Усть-Каменогорске и в Өскеменде", 2),
        (["Шемонаихинский район"], "Шемонаихинского района, Шемонаихинском районе", 2),
        (["Семей"], "в Семейде", 1),
        (["Ёлкин"], "Елкина и Ёлкина", 2),  # ё and е are one letter
    ],
)
def test_variants_match_case_forms_in_both_languages(
    variants: list[str], text: str, count: int
) -> None:
    assert len(Entity("person", variants[0], variants).find(text)) == count


@pytest.mark.parametrize(
    "data, names",
    [
        (
            {
                "people": [
                    {"name": "Асет Жумабаев", "variants": ["Жумабаев"]},
                    {"name": "A", "variants": []},
                ]
            },
            "people[2]",
        ),
        ({"parties": [{"name": "AMANAT", "variants": "AMANAT"}]}, "parties[1] 'AMANAT'"),
        ({"programmes": [{"variants": ["Ауыл аманаты"]}]}, "programmes[1]: 'name'"),
        (
            {"territories": [{"name": "ВКО", "variants": ["ВК"]}]},
            "territories[1] 'ВКО': variant 'ВК'",
        ),
        (
            {"people": [{"name": "Оспанов", "variant": ["Оспанов"]}]},
            "people[1] 'Оспанов': unknown key 'variant'",
        ),
        ({"persons": []}, "unknown section 'persons'"),
        (
            {"people": [{"name": "Оспанов"}, {"name": "оспанов"}]},
            "people[2] 'оспанов': the name is already used",
        ),
        ({"people": {"name": "Оспанов"}}, "people: must be a list"),
        (["people"], "expected a mapping"),
    ],
)
def test_watchlist_errors_name_the_entry(data: object, names: str, tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_watchlist(path)
    assert names in str(err.value) and str(path) in str(err.value)


def test_watchlist_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("people:\n  - name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"not valid YAML at line \d"):
        load_watchlist(path)


def test_missing_watchlist_is_an_error_only_when_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_watchlist(None, required=False) is None
    with pytest.raises(ConfigError, match="no such watchlist file"):
        load_watchlist(tmp_path / "nope.yaml")


@pytest.mark.parametrize("path", [ROOT / "watchlist.yaml", DEMO_WATCHLIST], ids=["project", "demo"])
def test_shipped_watchlists_are_valid_and_bilingual(path: Path) -> None:
    wl = load_watchlist(path)
    assert wl is not None
    assert {e.kind for e in wl} == {"person", "party", "program", "territory"}
    kazakh = [e for e in wl if any(ch in "әғқңөұүһі" for v in e.variants for ch in v.lower())]
    assert len(kazakh) >= 5


def test_lookup_by_variant_and_suggestions() -> None:
    wl = load_watchlist(DEMO_WATCHLIST)
    assert wl is not None
    assert wl.lookup("Өскемен").name == "Усть-Каменогорск"
    assert wl.lookup("жұмабаев").name == "Асет Жумабаев"
    with pytest.raises(NotFoundError, match=r"did you mean.*Жумабаев"):
        wl.lookup("Жумабеков")


# --- coverage over the demo sample ------------------------------------------------------------


@pytest.fixture
def sample_db(db_url: str) -> str:
    load_sample(db_url)
    return db_url


def _expected_mentions(entity_name: str, day: str | None = None) -> int:
    wl = load_watchlist(DEMO_WATCHLIST)
    assert wl is not None
    ent = wl.lookup(entity_name)
    return sum(
        len(ent.find(f"{r['title']}\n{r['text']}"))
        for r in sample_rows()
        if day is None or r["published"].startswith(day)
    )


def test_kazakh_and_russian_mentions_count_together(sample_db: str) -> None:
    wl = load_watchlist(DEMO_WATCHLIST)
    assert wl is not None
    rep = coverage(wl, D19, D20, "day", "Тулеубаев", database_url=sample_db)
    assert [r.bucket for r in rep.rows] == ["2024-11-19", "2024-11-20"]
    day19 = rep.rows[0]
    # the ru article says Тулеубаев, the kk one Төлеубаев: both count
    assert (
        day19.articles == 2 and day19.mentions == _expected_mentions("Тулеубаев", "2024-11-19") >= 2
    )
    assert 0 < day19.share <= 1


@pytest.mark.parametrize("by", ["day", "source", "region"])
def test_share_of_voice_adds_up_per_bucket(sample_db: str, by: str) -> None:
    wl = load_watchlist(DEMO_WATCHLIST)
    assert wl is not None
    rep = coverage(wl, D19, D20, by, database_url=sample_db)
    assert rep.articles == len(sample_rows())
    for bucket in rep.buckets:
        rows = [r for r in rep.rows if r.bucket == bucket]
        if rows:
            assert sum(r.share for r in rows) == pytest.approx(1.0)
    total = sum(r.mentions for r in rep.rows if r.entity == "Ауыл аманаты")
    assert total == _expected_mentions("Ауыл аманаты")
    if by == "source":
        assert set(rep.buckets) == {r["source"] for r in sample_rows()}
    if by == "region":
        assert (
            "Павлодарская область" in rep.buckets
            and "Восточно-Казахстанская область" in rep.buckets
        )


def test_csv_output_is_parseable(sample_db: str) -> None:
    wl = load_watchlist(DEMO_WATCHLIST)
    assert wl is not None
    rep = coverage(wl, D19, D20, "source", "AMANAT", database_url=sample_db)
    rows = list(csv.DictReader(io.StringIO(to_csv(rep))))
    assert rows and {r["entity"] for r in rows} == {"AMANAT"}
    assert sum(int(r["mentions"]) for r in rows) == _expected_mentions("AMANAT")


@pytest.mark.parametrize(
    "args, error",
    [
        (dict(by="week"), InputError),
        (dict(since=D20, until=D19), InputError),
        (dict(entity="Марс"), NotFoundError),
    ],
)
def test_bad_coverage_input(sample_db: str, args: dict, error: type) -> None:
    wl = load_watchlist(DEMO_WATCHLIST)
    assert wl is not None
    kw = dict(since=D19, until=D20, by="day", entity=None) | args
    with pytest.raises(error):
        coverage(wl, kw["since"], kw["until"], kw["by"], kw["entity"], database_url=sample_db)


ARTIFACTS = ROOT / "artifacts"


@pytest.mark.parametrize("by", ["day", "source"])
def test_chart_png_is_drawn_and_not_blank(sample_db: str, by: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    import numpy as np

    wl = load_watchlist(DEMO_WATCHLIST)
    assert wl is not None
    rep = coverage(wl, date(2024, 11, 18), date(2024, 11, 21), by, database_url=sample_db)
    ARTIFACTS.mkdir(exist_ok=True)
    path = write_chart(rep, ARTIFACTS / f"coverage-by-{by}.png")  # kept for a look after the run
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = mpimg.imread(path)
    h, w = img.shape[:2]
    assert w >= 800 and h >= 400
    rgb = img[..., :3]
    white = np.all(rgb > 0.97, axis=-1).mean()
    colours = len(np.unique((rgb * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    assert 0.3 < white < 0.98  # mostly background, but something drawn
    assert colours > 8  # several series in several colours, not a one-colour placeholder
    assert not list(ARTIFACTS.glob(".*.tmp.png"))


def test_chart_rejects_a_non_png_name(sample_db: str, tmp_path: Path) -> None:
    wl = load_watchlist(DEMO_WATCHLIST)
    assert wl is not None
    with pytest.raises(InputError):
        write_chart(coverage(wl, D19, D20, "day", database_url=sample_db), tmp_path / "chart.jpg")


def test_coverage_command(sample_db: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from newsmon.cli import app

    chart = tmp_path / "c.png"
    res = CliRunner().invoke(
        app,
        [
            "coverage",
            "--since",
            "2024-11-19",
            "--until",
            "2024-11-20",
            "--by",
            "region",
            "--format",
            "csv",
            "--watchlist",
            str(DEMO_WATCHLIST),
            "--chart",
            str(chart),
        ],
    )
    assert res.exit_code == 0, res.output
    assert (
        res.stdout.splitlines()[0] == "bucket,entity,kind,mentions,articles,share,bucket_articles"
    )
    assert chart.stat().st_size > 10_000
    res = CliRunner().invoke(
        app,
        [
            "coverage",
            "--since",
            "2024-11-19",
            "--until",
            "2024-11-20",
            "--watchlist",
            str(DEMO_WATCHLIST),
            "--entity",
            "Оспанoв",
        ],
    )  # Latin o
    assert res.exit_code != 0 and "did you mean" in res.output and "Оспанов" in res.output
