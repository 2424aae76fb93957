"""Issue 15 items 1 and 2 in the web: `/` is the overview of a period (today / 7 days / 30 days /
custom) with new facts by kind, akim appointments, watchlist hits, the 20-unit region map, territories
and programmes most in the news and the largest amounts with their evidence, each linked to its page;
`/api/v1/overview` is its JSON twin. On SQLite and PostgreSQL, in Russian and Kazakh."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from digest_support import SHEM, add_fact, load_sample
from fastapi.testclient import TestClient
from sqlmodel import select
from web_support import DAY, WATCHLIST, web_db  # noqa: F401 - web_db is a fixture

from newsmon import query as q
from newsmon.digest import build_digest
from newsmon.digest.regionmap import UNITS
from newsmon.store.db import open_session
from newsmon.store.models import Article
from newsmon.web import create_app
from newsmon.web.i18n import LABELS

VKO = "630000000"
PAVLODAR = "550000000"


@pytest.fixture(scope="module")
def client(web_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(web_db, watchlist=WATCHLIST), raise_server_exceptions=False) as c:
        yield c


def hrefs(page: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', page)]


def arg(href: str, name: str) -> str | None:
    """One query parameter of a link, decoded."""
    return parse_qs(urlsplit(href).query).get(name, [None])[0]


def section(page: str, name: str) -> str:
    m = re.search(rf'<section id="{name}">(.*?)</section>', page, re.S)
    assert m, name
    return m.group(1)


@pytest.mark.parametrize("ui", ["ru", "kk"])
def test_home_is_the_overview_and_search_stays(client: TestClient, ui: str) -> None:
    L = LABELS[ui]
    page = client.get("/", params={"ui": ui})
    assert page.status_code == 200, page.text
    text = page.text
    assert f"<h1>{L['home_title']}: " in text and L["map_title"] in text
    for key in ("new_facts", "akim_changes", "watch_hits", "top_territories", "top_programs"):
        assert L[key] in text, key
    assert L["largest_amounts"] in text
    # the period selector offers the four periods, in the interface language
    for p in ("today", "7d", "30d", "custom"):
        assert f'<option value="{p}"' in text and L[f"period_{p}"] in text
    # the newest article's day is not today: the page says which day the period ends on
    assert L["anchor_note"].format(day=DAY) in text
    # search is one click away and still answers
    assert f"/search?ui={ui}" in hrefs(text)
    assert L["search_hint"] in client.get("/search", params={"ui": ui}).text


@pytest.mark.parametrize("ui", ["ru", "kk"])
def test_the_map_has_twenty_units_linked_to_their_facts(client: TestClient, ui: str) -> None:
    text = client.get("/", params={"ui": ui, "period": "30d"}).text
    tiles = re.findall(
        r'<a class="region" href="([^"]+)" data-kato="(\d+)" data-value="(\d+)"', text
    )
    assert len(tiles) == 20 and {k for _, k, _ in tiles} == {u.kato for u in UNITS}
    values = {k: int(v) for _, k, v in tiles}
    assert values[VKO] > values[PAVLODAR] > 0 and sum(values.values()) == values[VKO] + 2
    for href, kato, _ in tiles:
        parts = urlsplit(unescape(href))
        assert parts.path == "/facts"
        assert parse_qs(parts.query)["territory"] == [kato]
    names = {u.name_kk if ui == "kk" else u.name for u in UNITS}
    assert all(f"<title>{n}: " in text for n in names)
    # the click-through: the region's facts, each inside it
    href = next(unescape(h) for h, k, _ in tiles if k == PAVLODAR)
    facts = client.get(href.replace("/facts", "/api/v1/facts", 1)).json()["facts"]
    assert len(facts) == 2 and all(f["territory"]["kato"].startswith("55") for f in facts)
    assert client.get(href).status_code == 200


def test_counts_agree_with_the_facts(client: TestClient, web_db: str) -> None:
    """New facts by kind are the facts of the period's articles (as /api/v1/facts counts them)."""
    ov = client.get("/api/v1/overview", params={"period": "7d"}).json()
    assert ov["until"] == DAY and ov["since"] == "2024-11-14" and ov["anchor_is_today"] is False
    listed = client.get(
        "/api/v1/facts", params={"since": ov["since"], "until": ov["until"], "limit": 500}
    ).json()["facts"]
    kinds: dict[str, int] = {}
    for f in listed:
        kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    assert ov["facts_by_kind"] == kinds
    with open_session(web_db) as session:
        first, last = date.fromisoformat(ov["since"]), date.fromisoformat(ov["until"])
        assert q.facts_by_kind(session, first, last) == kinds
        units = q.unit_counts(session, first, last)
    regions = {r["kato"]: r for r in ov["regions"]}
    assert len(regions) == 20
    assert (
        regions[VKO]["facts"]
        == units.facts["63"] + units.facts_by_name["Восточно-Казахстанская область"]
    )
    assert regions[PAVLODAR] | {"fill": ""} == {
        "kato": PAVLODAR,
        "name": "Павлодарская область",
        "label": "Павлодар",
        "facts": 2,
        "articles": 2,
        "fill": "",
    }


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_akim_appointments_watchlist_and_amounts(client: TestClient, lang: str) -> None:
    ov = client.get("/api/v1/overview", params={"period": "30d", "lang": lang}).json()
    akims = {a["label"]: a for a in ov["akims"]}
    # within the period the new akim replaces the one named the day before
    assert akims["Асет Жумабаев"]["status"] == "changed"
    assert akims["Асет Жумабаев"]["previous"] == "Ерлан Тулеубаев"
    assert {e["lang"] for e in akims["Асет Жумабаев"]["evidence"]} == {"ru", "kk"}
    watched = {w["name"]: w for w in ov["watch"]}
    assert watched["Асет Жумабаев"]["articles"] == 2 and watched["AMANAT"]["kind"] == "party"
    # the largest amounts, per currency, each once (reprints and translations are one amount)
    kzt = [f["value"] for f in ov["amounts"] if f["unit"] == "KZT"]
    assert (
        kzt == sorted(kzt, reverse=True) and kzt[0] == 3_200_000_000 and len(set(kzt)) == len(kzt)
    )
    assert all(f["sentence"] and f["text"] in f["sentence"] for f in ov["amounts"])
    programs = {p["name"]: p for p in ov["programs"]}
    assert programs["Ауыл аманаты"]["articles"] >= 5
    assert ov["territories"][0]["articles"] >= ov["territories"][-1]["articles"]


@pytest.mark.parametrize("ui", ["ru", "kk"])
def test_every_item_links_to_its_page(client: TestClient, ui: str) -> None:
    text = client.get("/", params={"ui": ui, "period": "30d"}).text
    chips = [h for h in hrefs(section(text, "new-facts")) if "kind=" in h]
    assert {parse_qs(urlsplit(h).query)["kind"][0] for h in chips} == {
        "akim",
        "amount",
        "program",
        "territory",
    }
    for h in chips:
        qs = parse_qs(urlsplit(h).query)
        assert qs["since"] == ["2024-10-22"] and qs["until"] == [DAY] and qs["ui"] == [ui]
    assert {"Ауыл аманаты"} <= {arg(h, "program") for h in hrefs(section(text, "programs"))}
    # a region among the territories is named in the interface language, linked by its code
    vko = "Шығыс Қазақстан облысы" if ui == "kk" else "Восточно-Казахстанская область"
    assert f">{vko}</a>" in section(text, "territories")
    assert VKO in {arg(h, "territory") for h in hrefs(section(text, "territories"))}
    watch = [h for h in hrefs(section(text, "watchlist")) if h.startswith("/coverage?")]
    assert "AMANAT" in {arg(h, "entity") for h in watch}
    amounts = section(text, "amounts")
    assert "<mark>3,2 млрд тенге</mark>" in amounts  # the amount marked in its evidence
    assert any(h.startswith("/article?url=") for h in hrefs(amounts))
    akims = section(text, "akims")
    assert "<mark>" in akims and "Асет Жумабаев" in {arg(h, "person") for h in hrefs(akims)}
    for h in {h for h in hrefs(text) if h.startswith("/facts?")}:
        assert client.get(h).status_code == 200, h


@pytest.mark.parametrize(
    "params, status, words",
    [
        ({"period": "week"}, 400, "period must be one of"),
        ({"period": "custom", "since": "2024-12-01", "until": "2024-11-01"}, 400, "after"),
        ({"period": "custom", "since": "2020-01-01", "until": "2024-11-01"}, 400, "366 days"),
        ({"period": "custom", "since": "2024-13-01"}, 400, "YYYY-MM-DD"),
    ],
)
def test_bad_periods(client: TestClient, params: dict[str, str], status: int, words: str) -> None:
    page = client.get("/", params=params)
    assert page.status_code == status and words in unescape(page.text), page.text
    api = client.get("/api/v1/overview", params=params)
    assert 400 <= api.status_code < 500


def test_custom_period_and_empty_period(client: TestClient) -> None:
    ov = client.get(
        "/api/v1/overview",
        params={"period": "custom", "since": "2024-11-19", "until": "2024-11-19"},
    ).json()
    assert (ov["since"], ov["until"]) == ("2024-11-19", "2024-11-19")
    assert [a["label"] for a in ov["akims"] if a["label"].startswith("Ерлан")]
    empty = client.get(
        "/api/v1/overview",
        params={"period": "custom", "since": "2020-01-01", "until": "2020-01-31"},
    ).json()
    assert empty["facts_by_kind"] == {} and empty["akims"] == [] and empty["amounts"] == []
    assert len(empty["regions"]) == 20 and all(r["articles"] == 0 for r in empty["regions"])
    page = client.get(
        "/", params={"period": "custom", "since": "2020-01-01", "until": "2020-01-31"}
    )
    assert page.status_code == 200 and page.text.count('class="region"') == 20


def test_overview_schema_is_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/v1/overview"]["get"]
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {
        "period",
        "since",
        "until",
        "facts_by_kind",
        "akims",
        "regions",
        "amounts",
        "watch",
    } <= set(schema["properties"])
    assert {p["name"] for p in op["parameters"]} == {"period", "since", "until", "lang"}


def test_known_holders_are_not_appointments(db_url: str) -> None:
    """An akim named again (here the former akim, in the report of his successor) is known, not an
    appointment: the digest lists him as known, the overview leaves him out."""
    load_sample(db_url)
    with open_session(db_url) as session:
        art = next(
            a
            for a in session.exec(select(Article)).all()
            if a.url.endswith("novyj-akim-shemonaihinskogo-rajona")
        )
        add_fact(
            session,
            art,
            "akim",
            "аким Шемонаихинского района Ерлан Тулеубаев",
            {"person": "Ерлан Тулеубаев", "role": "аким", "territory": SHEM},
        )
        session.commit()
    day = date.fromisoformat(DAY)
    assert {a.label: a.status for a in build_digest(day, database_url=db_url).akims}[
        "Ерлан Тулеубаев"
    ] == "known"
    with TestClient(create_app(db_url, watchlist=WATCHLIST)) as c:
        params = {"period": "custom", "since": DAY, "until": DAY}
        statuses = {
            a["label"]: a["status"]
            for a in c.get("/api/v1/overview", params=params).json()["akims"]
        }
    assert statuses["Асет Жумабаев"] == "changed" and "Ерлан Тулеубаев" not in statuses
