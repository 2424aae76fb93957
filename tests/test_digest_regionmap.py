"""Issue 15 item 2: the tile map of Kazakhstan's 20 top-level units (newsmon/digest/regionmap.py): every
unit of today's division once, at its approximate geographic place (the 2022 regions where they were
carved out), colour classes, and the PNG the digest embeds."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from newsmon.digest.regionmap import (
    COLOURS,
    COLS,
    ROWS,
    UNITS,
    ZERO_COLOUR,
    classes,
    colour,
    region_map,
    render_png,
    unit_of,
)

CORE = Path(__file__).resolve().parents[1] / "newsmon" / "data" / "territories_core.yaml"
BY_NAME = {u.name: u for u in UNITS}


def test_the_twenty_units_of_the_2022_division() -> None:
    core = yaml.safe_load(CORE.read_text(encoding="utf-8"))
    regions = {r["kato"]: r for r in core["regions"]}
    cities = {c["kato"]: c for c in core["cities"] if c["parent"] is None}
    assert len(regions) == 17 and len(cities) == 3
    assert {u.kato for u in UNITS} == set(regions) | set(cities)
    for u in UNITS:
        entry = regions.get(u.kato) or cities[u.kato]
        assert (u.name, u.name_kk) == (entry["name"], entry["name_kk"])
    assert len({u.prefix for u in UNITS}) == 20 and all(len(u.prefix) == 2 for u in UNITS)
    assert len({(u.col, u.row) for u in UNITS}) == 20  # one tile per place
    assert all(0 <= u.col < COLS and 0 <= u.row < ROWS for u in UNITS)


@pytest.mark.parametrize(
    "west, east",
    [
        ("область Абай", "Восточно-Казахстанская область"),  # Абай: the western part of old ВКО
        ("область Улытау", "Карагандинская область"),  # Ұлытау: the western part of old Karaganda
        ("Западно-Казахстанская область", "Актюбинская область"),
        ("Туркестанская область", "Жамбылская область"),
        ("Жамбылская область", "Алматинская область"),
    ],
)
def test_west_of(west: str, east: str) -> None:
    assert BY_NAME[west].col < BY_NAME[east].col


@pytest.mark.parametrize(
    "north, south",
    [
        ("область Абай", "область Жетысу"),  # Жетісу: the northern part of old Almaty region …
        ("область Жетысу", "Алматинская область"),  # … north of what is left of it
        ("Алматинская область", "Алматы"),
        ("Туркестанская область", "Шымкент"),
        ("Северо-Казахстанская область", "Акмолинская область"),
        ("Атырауская область", "Мангистауская область"),
    ],
)
def test_north_of(north: str, south: str) -> None:
    assert BY_NAME[north].row < BY_NAME[south].row


@pytest.mark.parametrize(
    "kato, name, expected",
    [
        ("636837000", None, "Восточно-Казахстанская область"),
        ("101000000", None, "область Абай"),  # Семей
        ("331000000", None, "область Жетысу"),  # Талдыкорган
        ("621000000", None, "область Улытау"),
        ("711000000", None, "Астана"),
        ("750000000", None, "Алматы"),
        (None, "Восточно-Казахстанская область", "Восточно-Казахстанская область"),
        (None, "Усть-Каменогорск", None),  # a city without code is not a top-level unit
        ("999999999", None, None),
    ],
)
def test_unit_of(kato: str | None, name: str | None, expected: str | None) -> None:
    unit = unit_of(kato, name)
    assert (unit.name if unit else None) == expected


@pytest.mark.parametrize(
    "counts, bounds",
    [
        ({}, []),
        ({"a": 0}, []),
        ({"a": 1}, [1]),
        ({"a": 3, "b": 1}, [1, 2, 3]),
        ({"a": 10}, [2, 4, 6, 8, 10]),
        ({"a": 9}, [2, 4, 5, 7, 9]),
    ],
)
def test_classes(counts: dict[str, int], bounds: list[int]) -> None:
    assert classes(counts) == bounds


def test_colours_darken_with_the_count() -> None:
    bounds = classes({"a": 10})
    fills = [colour(v, bounds) for v in (0, 1, 3, 5, 7, 10)]
    assert fills[0] == ZERO_COLOUR and fills[1:] == list(COLOURS)
    assert colour(1, [1]) == COLOURS[-1]  # one class: the darkest


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_region_map_and_png(lang: str) -> None:
    rmap = region_map({"630000000": 9, "550000000": 2}, lang)
    assert len(rmap.cells) == 20 and rmap.total == 11
    by_kato = {c.unit.kato: c for c in rmap.cells}
    assert by_kato["630000000"].fill == COLOURS[-1] and by_kato["110000000"].fill == ZERO_COLOUR
    assert by_kato["630000000"].label == ("ШҚО" if lang == "kk" else "ВКО")
    assert [(s.low, s.high) for s in rmap.legend][:2] == [(0, 0), (1, 2)]
    png = render_png(rmap, title="x", legend_title="y")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
