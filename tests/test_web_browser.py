"""End to end in headless Chromium (Debian's, driven by Playwright): search, open an article, filter facts,
download the CSV, switch the interface to Kazakh; no page breaks its Content-Security-Policy. Screenshots
of every page are kept under artifacts/web/ (skipped only where chromium or playwright is absent)."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_support import DAY, fill, live_server

from newsmon.web.i18n import LABELS

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install '.[test]')"
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium installed (.ci/run installs Debian's chromium)"
)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A uvicorn server on a free loopback port over a filled SQLite database, in a thread."""
    url = f"sqlite:///{tmp_path_factory.mktemp('webui') / 'web.db'}"
    fill(url)
    with live_server(url) as base:
        yield base


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: object, tmp_path: Path) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.csp_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: "Content Security Policy" in m.text and pg.csp_errors.append(m.text))  # type: ignore[attr-defined]
    yield pg
    context.close()


def shot(pg: object, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    assert path.stat().st_size > 10_000
    return path


@pytest.mark.parametrize("ui, query", [("ru", "аким Шемонаиха"), ("kk", "әкім")])
def test_search_then_open_an_article(page: object, base_url: str, ui: str, query: str) -> None:
    pg = page
    pg.goto(f"{base_url}/search?ui={ui}")  # type: ignore[attr-defined]
    pg.fill("#q", query)  # type: ignore[attr-defined]
    pg.click("#search-form button[type=submit]")  # type: ignore[attr-defined]
    pg.wait_for_selector("li.hit")  # type: ignore[attr-defined]
    hits = pg.locator("li.hit")  # type: ignore[attr-defined]
    assert hits.count() >= 2
    assert pg.locator("li.hit mark").count() >= 2  # type: ignore[attr-defined]
    assert pg.locator("nav a.active").inner_text() == LABELS[ui]["nav_search"]  # type: ignore[attr-defined]
    shot(pg, f"search-{ui}")
    title = hits.first.locator("a.hit-title").inner_text()
    hits.first.locator("a.hit-title").click()
    pg.wait_for_selector("#entities")  # type: ignore[attr-defined]
    assert title in pg.locator("#entities").inner_text()  # type: ignore[attr-defined]
    marks = pg.locator("#entities mark.entity")  # type: ignore[attr-defined]
    assert marks.count() >= 1
    assert pg.locator("table.facts tr.fact").count() >= marks.count() - 1  # type: ignore[attr-defined]
    shot(pg, f"article-{ui}")
    assert not pg.csp_errors  # type: ignore[attr-defined]


def test_hostile_article_shows_tags_as_text(page: object, base_url: str) -> None:
    pg = page
    pg.goto(f"{base_url}/search?q=Катон&ui=ru")  # type: ignore[attr-defined]
    pg.locator("a.hit-title").first.click()  # type: ignore[attr-defined]
    pg.wait_for_selector("#entities")  # type: ignore[attr-defined]
    text = pg.locator("#entities").inner_text()  # type: ignore[attr-defined]
    assert "<script>" in text or "<b onmouseover" in text  # shown as text, not run
    assert pg.locator("#entities script, #entities img, #entities b").count() == 0  # type: ignore[attr-defined]
    assert pg.evaluate("() => typeof window.__xss") == "undefined"  # type: ignore[attr-defined]
    shot(pg, "article-hostile-ru")


def test_filter_facts_and_download_csv(page: object, base_url: str, tmp_path: Path) -> None:
    pg = page
    pg.goto(f"{base_url}/facts?ui=ru")  # type: ignore[attr-defined]
    everything = pg.locator("table.facts tr.fact").count()  # type: ignore[attr-defined]
    pg.select_option("#kind", "amount")  # type: ignore[attr-defined]
    pg.fill("input[name=territory]", "ВКО")  # type: ignore[attr-defined]
    pg.select_option("select[name=sort]", "-value")  # type: ignore[attr-defined]
    pg.click("#apply")  # type: ignore[attr-defined]
    pg.wait_for_url("**/facts?**kind=amount**")  # type: ignore[attr-defined]
    rows = pg.locator("table.facts tr.fact")  # type: ignore[attr-defined]
    n = rows.count()
    assert 0 < n < everything
    assert {rows.nth(i).get_attribute("data-kind") for i in range(n)} == {"amount"}
    shot(pg, "facts-ru")
    with pg.expect_download() as info:  # type: ignore[attr-defined]
        pg.click("#csv")  # type: ignore[attr-defined]
    saved = tmp_path / "facts.csv"
    info.value.save_as(saved)
    table = list(csv.DictReader(saved.open(encoding="utf-8")))
    assert len(table) == n and {r["kind"] for r in table} == {"amount"}
    assert all(r["territory_name"] for r in table)
    # the interface in Kazakh keeps the filters
    pg.click("#ui-kk")  # type: ignore[attr-defined]
    pg.wait_for_url("**ui=kk**")  # type: ignore[attr-defined]
    assert pg.locator("nav a.active").inner_text() == LABELS["kk"]["nav_facts"]  # type: ignore[attr-defined]
    assert pg.locator("table.facts tr.fact").count() == n  # type: ignore[attr-defined]
    assert LABELS["kk"]["csv"] in pg.locator("#csv").inner_text()  # type: ignore[attr-defined]
    shot(pg, "facts-kk")
    assert not pg.csp_errors  # type: ignore[attr-defined]


@pytest.mark.parametrize("ui", ["ru", "kk"])
@pytest.mark.parametrize(
    "name, path, selector, text",
    [
        ("akims", "/akims?territory=ВКО", "table.akims tr.akim", "Асет Жумабаев"),
        ("programs", "/programs", "section.program", "Ауыл аманаты"),
        ("program", "/programs?program=Ауыл+аманаты", "table.units tr", "Павлодарская область"),
        ("digest", f"/digest?date={DAY}", "iframe.digest", None),
        ("coverage", f"/coverage?since=2024-11-18&until={DAY}", "img.chart", "Асет Жумабаев"),
    ],
)
def test_pages_render_with_data(
    page: object, base_url: str, ui: str, name: str, path: str, selector: str, text: str | None
) -> None:
    pg = page
    pg.goto(f"{base_url}{path}{'&' if '?' in path else '?'}ui={ui}")  # type: ignore[attr-defined]
    pg.wait_for_selector(selector)  # type: ignore[attr-defined]
    assert pg.locator(selector).count() >= 1  # type: ignore[attr-defined]
    if text:
        assert text in pg.locator("main").inner_text()  # type: ignore[attr-defined]
    if name == "coverage":
        assert pg.evaluate("() => document.querySelector('img.chart').naturalWidth") > 500  # type: ignore[attr-defined]
    if name == "digest":
        frame = pg.frame_locator("iframe.digest")  # type: ignore[attr-defined]
        frame.locator("body").wait_for()
        assert "Шемонаих" in frame.locator("body").inner_text()
    assert (
        LABELS[ui]["nav_" + ("programs" if name == "program" else name)]
        in pg.locator("header").inner_text()
    )  # type: ignore[attr-defined]
    shot(pg, f"{name}-{ui}")
    assert not pg.csp_errors  # type: ignore[attr-defined]


# ---------------------------------------------------------------- issue 15 item 5: pages on a phone
WIDTHS = (390, 1366)
# (name, path, what the page shows once loaded, whether it shows evidence with the fact marked)
EVERY_PAGE = [
    ("search", "/search?q=аким", "li.hit", True),
    ("article", "/article?url={url}", "#entities", True),
    ("facts", "/facts", "table.facts tr.fact", True),
    ("akims", "/akims", "table.akims tr.akim", True),
    ("person", "/persons/{person}", "table.posts tr.post", True),
    ("territory", "/territories/{kato}", "table.akims tr.akim", True),
    ("programs", "/programs", "section.program", False),
    ("program", "/programs?program=Ауыл+аманаты", "table.facts tr.fact", True),
    ("digest", f"/digest?date={DAY}", "iframe.digest.fitted", True),
    ("coverage", "/coverage", "img.chart", False),
    ("error", "/articles/999999", "#error-message", False),
]
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
# every <mark class="fact-mark"> stands inside an evidence sentence and holds some text
MARKS_IN_SENTENCES = """() => Array.from(document.querySelectorAll('mark.fact-mark')).map(m =>
    [m.closest('td.sentence') !== null, m.textContent.trim().length > 0])"""


@pytest.fixture(scope="module")
def fact_url(base_url: str) -> str:
    import httpx

    facts = httpx.get(f"{base_url}/api/v1/facts?kind=akim&limit=1").json()["facts"]
    return str(facts[0]["article"]["url"])


@pytest.fixture(scope="module")
def akim(base_url: str) -> dict[str, str]:
    """The person id and unit KATO of a current akim (for the person and territory pages)."""
    import httpx

    entries = httpx.get(f"{base_url}/api/v1/akims?territory=Шемонаихинский+район").json()["akims"]
    now = next(e for e in entries if e["current"] and e["person_id"])
    return {"person": str(now["person_id"]), "kato": str(now["territory"]["kato"])}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("ui", ["ru", "kk"])
@pytest.mark.parametrize("name, path, selector, evidence", EVERY_PAGE)
def test_every_page_fits_the_screen_and_marks_the_fact(
    browser: object,
    base_url: str,
    fact_url: str,
    akim: dict[str, str],
    name: str,
    path: str,
    selector: str,
    evidence: bool,
    ui: str,
    width: int,
) -> None:
    from urllib.parse import quote

    context = browser.new_context(viewport={"width": width, "height": 844})  # type: ignore[attr-defined]
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    url = base_url + path.format(url=quote(fact_url, safe=""), **akim)
    pg.goto(url + ("&" if "?" in url else "?") + f"ui={ui}")
    pg.wait_for_selector(selector)
    pg.wait_for_load_state("load")
    assert pg.locator("html").get_attribute("lang") == ui
    assert pg.evaluate(OVERFLOW) <= 0, f"{name} scrolls sideways at {width} px"
    if name == "digest":
        frame = pg.frame_locator("iframe.digest")
        assert frame.locator("mark").count() >= 1  # the digest marks its facts in their sentences
        inner = pg.evaluate(
            """() => { const f = document.querySelector('iframe.digest');
            const d = f.contentDocument.documentElement;
            return [f.clientHeight, d.scrollHeight, f.clientWidth, d.scrollWidth]; }"""
        )
        height, content_height, frame_width, content_width = inner
        assert height >= content_height > 844 * 0.75  # not a fixed-height box: the page scrolls
        assert content_width <= frame_width, "the digest scrolls sideways inside its frame"
    elif evidence:
        marks = pg.evaluate(MARKS_IN_SENTENCES)
        assert marks and all(inside and text for inside, text in marks)
    if name == "coverage":  # no dates given: the default period, not an error
        assert pg.locator("input[name=since]").input_value()
        assert pg.evaluate("() => document.querySelector('img.chart').naturalWidth") > 500
    shot(pg, f"phone-{name}-{ui}-{width}" if width < 700 else f"wide-{name}-{ui}-{width}")
    assert not errors
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_docs_shows_the_operations(browser: object, base_url: str, width: int) -> None:
    """/docs renders the OpenAPI 3.1 schema (the Swagger UI of swagger-ui-bundle 1.x could not)."""
    import httpx

    spec = httpx.get(f"{base_url}/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    context = browser.new_context(viewport={"width": width, "height": 844})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.goto(f"{base_url}/docs")
    pg.wait_for_selector(".opblock-summary-path")
    paths = {
        t.strip().replace("\u200b", "")
        for t in pg.locator(".opblock-summary-path").all_inner_texts()
    }
    assert paths == set(spec["paths"])
    assert "Unable to render" not in pg.locator("body").inner_text()
    assert pg.evaluate(OVERFLOW) <= 0
    shot(pg, f"docs-{width}")
    context.close()
