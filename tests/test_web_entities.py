"""Issue 13 item 6: a page and a JSON answer per person (/persons/{id}, /api/v1/persons/{id}) and per
territorial unit (/territories/{kato}, /api/v1/territories/{kato}), on the demo sample as extraction
stores it (no KATO imported: the units are the built-in core's), on SQLite and PostgreSQL; the facts,
akims and search pages link to them; unknown and malformed ids are clear errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from conftest import filled_database
from fastapi.testclient import TestClient
from web_support import fill

from newsmon.ingest.importer import import_jsonl
from newsmon.nlp.extract import extract
from newsmon.nlp.gazetteer import clear_cache
from newsmon.query import person_profile
from newsmon.settings import PACKAGE_DIR, get_settings
from newsmon.store.db import dispose_engines, open_session
from newsmon.web import create_app, models

DEMO = PACKAGE_DIR / "data" / "demo" / "articles.jsonl"
SHEMONAIKHA = "636800000"  # Шемонаихинский район in the built-in core
VKO = "630000000"


def _demo(url: str) -> None:
    clear_cache()
    assert import_jsonl(DEMO, database_url=url).ok
    extract(get_settings(), database_url=url)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The demo sample, imported and extracted, once per backend."""
    with filled_database(request.param, tmp_path_factory, "pe", _demo) as url:
        yield url


@pytest.fixture(scope="module")
def client(demo_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(demo_url), raise_server_exceptions=False) as c:
        yield c


def _person_id(client: TestClient, name: str) -> int:
    akims = client.get("/api/v1/akims", params={"territory": "Шемонаихинский район"}).json()
    return int(next(a["person_id"] for a in akims["akims"] if a["person"] == name))


def test_person_as_json(client: TestClient) -> None:
    pid = _person_id(client, "Асет Жумабаев")
    r = client.get(f"/api/v1/persons/{pid}")
    assert r.status_code == 200, r.text
    body = r.json()
    models.PersonProfile.model_validate(body)
    assert (body["id"], body["name"], body["name_kk"]) == (pid, "Асет Жумабаев", "Асет Жұмабаев")
    assert [(p["territory"]["kato"], p["current"], p["person_id"]) for p in body["posts"]] == [
        (SHEMONAIKHA, True, pid)
    ]
    post = body["posts"][0]
    assert post["since"] and post["until"] is None and post["previous"] == "Ерлан Тулеубаев"
    assert body["facts_total"] == len(body["facts"]) >= 2
    assert {f["article"]["lang"] for f in body["facts"]} == {"ru", "kk"}
    published = [f["article"]["published"] for f in body["facts"]]
    assert published == sorted(published, reverse=True)  # newest first


def test_former_akim_is_not_current(client: TestClient) -> None:
    pid = _person_id(client, "Ерлан Тулеубаев")
    body = client.get(f"/api/v1/persons/{pid}").json()
    assert [(p["territory"]["kato"], p["current"]) for p in body["posts"]] == [(SHEMONAIKHA, False)]
    assert body["posts"][0]["until"]  # ended when the successor came


def test_territory_as_json(client: TestClient, demo_url: str) -> None:
    r = client.get(f"/api/v1/territories/{SHEMONAIKHA}")
    assert r.status_code == 200, r.text
    body = r.json()
    models.TerritoryProfile.model_validate(body)
    assert (body["name"], body["name_kk"], body["level"]) == (
        "Шемонаихинский район",
        "Шемонаиха ауданы",
        "district",
    )
    assert body["path"] == ["Восточно-Казахстанская область", "Шемонаихинский район"]
    assert [(a["person"], a["current"]) for a in body["akims"]] == [
        ("Асет Жумабаев", True),
        ("Ерлан Тулеубаев", False),
    ]
    assert [c["kato"] for c in body["children"]] == ["636837000"]
    assert "Ауыл аманаты" in {p["program"] for p in body["programmes"]}
    assert body["facts"] and all(
        SHEMONAIKHA[:4] in (f.get("territory") or {}).get("kato", "") or f["kind"] == "program"
        for f in body["facts"]
    )
    # no KATO imported: the unit is a row of the built-in core
    with open_session(demo_url) as s:
        source = s.execute(
            sa.text("SELECT source FROM territory WHERE kato = :k"), {"k": SHEMONAIKHA}
        ).scalar()
    assert source == "core"
    region = client.get(f"/api/v1/territories/{VKO}").json()
    assert region["name_kk"] == "Шығыс Қазақстан облысы" and SHEMONAIKHA in {
        c["kato"] for c in region["children"]
    }


@pytest.mark.parametrize(
    "path, status",
    [
        ("/api/v1/persons/999999", 404),
        ("/api/v1/persons/abc", 422),
        ("/api/v1/persons/0", 422),
        ("/api/v1/territories/999999999", 404),
        ("/api/v1/territories/" + quote("ВКО"), 422),
        ("/api/v1/territories/63680000", 422),
    ],
)
def test_bad_ids_are_clear_json_errors(client: TestClient, path: str, status: int) -> None:
    r = client.get(path)
    assert r.status_code == status, r.text
    err = models.ApiError.model_validate(r.json())
    assert err.status == status and err.error
    if status == 422:
        assert err.detail and err.detail[0].parameter in ("person_id", "kato")
    else:
        assert "999999" in err.error


@pytest.mark.parametrize("ui", ["ru", "kk"])
@pytest.mark.parametrize(
    "path, status", [("/persons/999999", 404), ("/territories/999999999", 404), ("/persons/x", 400)]
)
def test_bad_ids_are_error_pages(client: TestClient, path: str, status: int, ui: str) -> None:
    r = client.get(path, params={"ui": ui})
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert 'id="error-message"' in r.text and f'lang="{ui}"' in r.text


def _marks(html: str) -> list[str]:
    return re.findall(r'<mark class="fact-mark">([^<]*)</mark>', html)


@pytest.mark.parametrize(
    "ui, shown, other",
    [("ru", "Асет Жумабаев", "Асет Жұмабаев"), ("kk", "Асет Жұмабаев", "Асет Жумабаев")],
)
def test_person_page(client: TestClient, ui: str, shown: str, other: str) -> None:
    pid = _person_id(client, "Асет Жумабаев")
    r = client.get(f"/persons/{pid}", params={"ui": ui})
    assert r.status_code == 200
    html = r.text
    assert f'<h1 id="person-name">{shown}</h1>' in html and other in html
    assert f'href="/territories/{SHEMONAIKHA}?ui={ui}"' in html  # the post's unit
    assert html.count('<tr class="post current">') == 1
    marks = _marks(html)
    assert marks and all(m.strip() for m in marks)
    assert any("Жумабаев" in m or "Жұмабаев" in m for m in marks)  # the evidence marks the person
    unit = re.search(r'<a href="/territories/636800000[^"]*" class="unit-link">([^<]*)</a>', html)
    assert unit and unit[1] == {"ru": "Шемонаихинский район", "kk": "Шемонаиха ауданы"}[ui]


@pytest.mark.parametrize("ui", ["ru", "kk"])
def test_home_lists_link_to_unit_pages(client: TestClient, ui: str) -> None:
    html = client.get("/", params={"period": "30d", "ui": ui}).text
    regions = html[html.index('<section id="regions">') : html.index('<section id="akims">')]
    assert f'href="/territories/{VKO}?ui={ui}"' in regions  # the unit page
    assert f"territory={VKO}" in regions  # and its facts of the period beside it
    akims = html[html.index('<section id="akims">') : html.index('<section id="watchlist">')]
    pid = _person_id(client, "Асет Жумабаев")
    assert f'href="/persons/{pid}?ui={ui}"' in akims  # the appointment links to the person
    units = html[html.index('<section id="territories">') : html.index('<section id="programs">')]
    assert re.search(rf'href="/territories/\d{{9}}\?ui={ui}"', units)


@pytest.mark.parametrize("ui, shown", [("ru", "Шемонаихинский район"), ("kk", "Шемонаиха ауданы")])
def test_territory_page(client: TestClient, ui: str, shown: str) -> None:
    now, before = _person_id(client, "Асет Жумабаев"), _person_id(client, "Ерлан Тулеубаев")
    html = client.get(f"/territories/{SHEMONAIKHA}", params={"ui": ui}).text
    assert f'<h1 id="unit-name">{shown}</h1>' in html
    rows = re.findall(r'<tr class="akim( current)?">(.*?)</tr>', html, re.S)
    assert [
        (bool(cur), f"/persons/{now}?" in row or f"/persons/{before}?" in row) for cur, row in rows
    ] == [
        (True, True),
        (False, True),
    ]
    assert f"/persons/{now}?ui={ui}" in rows[0][1] and f"/persons/{before}?ui={ui}" in rows[1][1]
    assert f'href="/territories/636837000?ui={ui}"' in html  # a child unit
    assert "Ауыл аманаты" in html and _marks(html)
    if ui == "kk":
        assert "Волчанка ауылдық округі" in html  # the child's Kazakh name


def test_facts_akims_and_search_link_to_the_entities(client: TestClient) -> None:
    pid = _person_id(client, "Асет Жумабаев")
    for ui in ("ru", "kk"):
        facts = client.get("/facts", params={"kind": "akim", "ui": ui, "limit": 200}).text
        assert f'href="/persons/{pid}?ui={ui}"' in facts
        assert f'href="/territories/{SHEMONAIKHA}?ui={ui}"' in facts
        akims = client.get("/akims", params={"ui": ui}).text
        assert f'href="/persons/{pid}?ui={ui}"' in akims
        assert f'href="/territories/{SHEMONAIKHA}?ui={ui}"' in akims
        found = client.get("/search", params={"q": "Жумабаев", "ui": ui}).text
        assert f'href="/persons/{pid}?ui={ui}"' in found
    # the kk interface shows the Kazakh spelling where the person has one
    assert "Асет Жұмабаев" in client.get("/akims", params={"ui": "kk"}).text


def test_a_post_in_a_unit_without_a_kato_code_is_on_the_person(tmp_path: Path) -> None:
    """A unit the facts name without a KATO code (no KATO import, not in the core) still gives the
    person's post, found by the unit's name."""
    url = f"sqlite:///{tmp_path / 'fill.db'}"
    fill(url)
    try:
        with open_session(url) as s:
            pid = s.execute(
                sa.text(
                    "SELECT DISTINCT person_id FROM fact WHERE person = 'Гульнара Ахметова' "
                    "AND territory_kato IS NULL"
                )
            ).scalar_one()
        posts = person_profile(int(pid), database_url=url).posts
        assert [(p["territory"]["name"], p["territory"]["kato"], p["current"]) for p in posts] == [
            ("Волчанский сельский округ", None, True)
        ]
    finally:
        dispose_engines()
