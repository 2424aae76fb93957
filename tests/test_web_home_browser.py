"""Issue 15 acceptance (items 1, 2 and 4) in headless Chromium: the home page's map shows the 20 units
at 390 px and 1366 px, the home page and the digest never scroll sideways, a tile leads to its
region's facts, in Russian and Kazakh; screenshots of the home page, the map and the digest on a
390 px phone are kept under artifacts/home/ (.gitignore lists artifacts/)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_support import DAY, fill, live_server

from newsmon.digest.labels import LABELS as DIGEST_LABELS
from newsmon.web.i18n import LABELS

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "home"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install '.[test]')"
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium installed (.ci/run installs Debian's chromium)"
)
WIDTHS = (390, 1366)
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('home') / 'web.db'}"
    fill(url)
    with live_server(url) as base:
        yield base


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def open_page(browser: object, width: int) -> object:
    context = browser.new_context(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.csp_errors = []
    pg.on("console", lambda m: "Content Security Policy" in m.text and pg.csp_errors.append(m.text))
    return pg


@pytest.fixture
def phone(browser: object) -> Iterator[object]:
    pg = open_page(browser, 390)
    yield pg
    pg.context.close()  # type: ignore[attr-defined]


def save(path: Path, data: bytes) -> None:
    assert len(data) > 10_000  # a real picture, not a blank page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("ui", ["ru", "kk"])
def test_map_shows_twenty_regions_without_sideways_scroll(
    browser: object, base_url: str, ui: str, width: int
) -> None:
    pg = open_page(browser, width)
    try:
        pg.goto(f"{base_url}/?ui={ui}&period=30d")  # type: ignore[attr-defined]
        tiles = pg.locator("svg.regionmap-svg a.region rect")  # type: ignore[attr-defined]
        assert tiles.count() == 20
        inner = pg.evaluate("() => window.innerWidth")  # type: ignore[attr-defined]
        boxes = [tiles.nth(i).bounding_box() for i in range(20)]
        # every tile drawn, on screen, and no two on top of each other
        assert all(b and b["width"] > 20 and b["height"] > 20 for b in boxes)
        assert all(b["x"] >= 0 and b["x"] + b["width"] <= inner for b in boxes)  # type: ignore[index]
        assert len({(round(b["x"]), round(b["y"])) for b in boxes}) == 20  # type: ignore[index]
        assert pg.evaluate(OVERFLOW) <= 0  # type: ignore[attr-defined]
        main = pg.locator("main").inner_text()  # type: ignore[attr-defined]
        assert LABELS[ui]["map_title"] in main and LABELS[ui]["akim_changes"] in main
        assert LABELS[ui]["map_legend"] in pg.locator("figcaption.legend").inner_text()  # type: ignore[attr-defined]
        assert not pg.csp_errors  # type: ignore[attr-defined]
        if width == 390:
            save(ARTIFACTS / f"home-390-{ui}.png", pg.screenshot(full_page=True))  # type: ignore[attr-defined]
            save(ARTIFACTS / f"map-390-{ui}.png", pg.locator("#region-map").screenshot())  # type: ignore[attr-defined]
    finally:
        pg.context.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("ui", ["ru", "kk"])
def test_a_tile_leads_to_its_regions_facts(phone: object, base_url: str, ui: str) -> None:
    pg = phone
    pg.goto(f"{base_url}/?ui={ui}&period=30d")  # type: ignore[attr-defined]
    pg.locator('a.region[data-kato="550000000"]').click()  # type: ignore[attr-defined]
    pg.wait_for_url("**/facts?**")  # type: ignore[attr-defined]
    assert "territory=550000000" in pg.url  # type: ignore[attr-defined]
    rows = pg.locator("tr.fact")  # type: ignore[attr-defined]
    assert rows.count() == 2
    assert all("Павлодар" in rows.nth(i).inner_text() for i in range(2))


@pytest.mark.parametrize("ui", ["ru", "kk"])
def test_period_selector_and_search_link(phone: object, base_url: str, ui: str) -> None:
    pg = phone
    pg.goto(f"{base_url}/?ui={ui}")  # type: ignore[attr-defined]
    pg.select_option("#period", "7d")  # type: ignore[attr-defined]
    pg.locator("form.period button").click()  # type: ignore[attr-defined]
    pg.wait_for_url("**period=7d**")  # type: ignore[attr-defined]
    assert "2024-11-14 – 2024-11-20" in pg.locator("h1").inner_text()  # type: ignore[attr-defined]
    assert pg.evaluate(OVERFLOW) <= 0  # type: ignore[attr-defined]
    pg.locator("a.to-search").click()  # type: ignore[attr-defined]
    pg.wait_for_url("**/search?**")  # type: ignore[attr-defined]
    assert pg.locator("input[name=q]").count() == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("ui", ["ru", "kk"])
def test_digest_on_a_phone(phone: object, base_url: str, ui: str) -> None:
    pg = phone
    pg.goto(f"{base_url}/digest/view?date={DAY}&lang={ui}")  # type: ignore[attr-defined]
    assert pg.evaluate(OVERFLOW) <= 0  # type: ignore[attr-defined]
    img = pg.locator("img.map")  # type: ignore[attr-defined]
    assert (
        img.count() == 1
        and pg.evaluate("() => document.querySelector('img.map').naturalWidth") > 500
    )  # type: ignore[attr-defined]
    box = img.bounding_box()
    assert box and box["x"] + box["width"] <= 390
    assert DIGEST_LABELS[ui]["stories"] in pg.locator("body").inner_text()  # type: ignore[attr-defined]
    assert not pg.csp_errors  # type: ignore[attr-defined]
    save(ARTIFACTS / f"digest-390-{ui}.png", pg.screenshot(full_page=True))  # type: ignore[attr-defined]


def test_totals_in_four_currencies_wrap_on_a_phone(
    browser: object, db_url: str, tmp_path: Path
) -> None:
    """A programme's totals in four currencies were one unbreakable line (226 px sideways at 390 px);
    each total is unbreakable on its own now."""
    from datetime import date

    from digest_support import VKO_T, add_fact, load_sample
    from sqlmodel import select

    from newsmon.digest import build_digest, render
    from newsmon.store.db import open_session
    from newsmon.store.models import Article

    load_sample(db_url)
    with open_session(db_url) as s:
        art = next(
            a for a in s.exec(select(Article)).all() if a.url.endswith("aul-amanaty-vko-1-5-mlrd")
        )
        for value, unit in ((5.41e12, "USD"), (2.1e10, "RUB"), (1e6, "EUR")):
            keys = {"value": value, "unit": unit, "program": "Ауыл аманаты", "territory": VKO_T}
            add_fact(s, art, "amount", "1,5 млрд тенге", keys)
        s.commit()
    d = build_digest(date.fromisoformat(DAY), database_url=db_url)
    group = next(g for g in d.amounts if g.program == "Ауыл аманаты" and g.region == VKO_T["name"])
    assert len(group.totals) == 4  # one total per currency, never summed across them
    page_file = tmp_path / "digest.html"
    page_file.write_text(render(d, "html"), encoding="utf-8")
    pg = open_page(browser, 390)
    try:
        pg.goto(page_file.as_uri())  # type: ignore[attr-defined]
        assert pg.evaluate(OVERFLOW) <= 0  # type: ignore[attr-defined]
    finally:
        pg.context.close()  # type: ignore[attr-defined]
