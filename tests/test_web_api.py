"""The web app through FastAPI's TestClient: the JSON API gives what the library gives (facts exactly as
CONTRACT §2), filters work in Russian and Kazakh, bad parameters are 4xx and never 500, every response has
the security headers, pages render real data in both interface languages and escape what articles hold."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from web_support import DAY, WATCHLIST, article_id, web_db  # noqa: F401 - web_db is a fixture

from newsmon.query import FactFilter, akims_directory, iter_facts, program_summaries
from newsmon.search import SearchQuery, search
from newsmon.web import create_app
from newsmon.web.i18n import LABELS

COMMON_KEYS = {
    "id",
    "kind",
    "article",
    "text",
    "sentence",
    "start",
    "end",
    "confidence",
    "extractor",
}
KIND_KEYS = {
    "akim": {"person", "role", "territory"},
    "amount": {"value", "unit", "raw", "program", "territory"},
    "program": {"program"},
    "territory": {"territory"},
}


@pytest.fixture(scope="module")
def client(web_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(web_db, watchlist=WATCHLIST), raise_server_exceptions=False) as c:
        yield c


# ---------------------------------------------------------------- facts: the library's, exactly
@pytest.mark.parametrize(
    "params, flt",
    [
        ({}, FactFilter()),
        ({"kind": "akim"}, FactFilter(kind="akim")),
        ({"territory": "ВКО"}, FactFilter(territory="ВКО")),
        ({"territory": "Шемонаихинского района"}, FactFilter(territory="Шемонаихинского района")),
        ({"person": "Жұмабаев"}, FactFilter(person="Жұмабаев")),
        ({"person": "Тулеубаева"}, FactFilter(person="Тулеубаева")),
        (
            {"program": "ауыл аманаты", "kind": "amount"},
            FactFilter(program="ауыл аманаты", kind="amount"),
        ),
        ({"lang": "kk"}, FactFilter(lang="kk")),
        ({"unit": "тенге", "min_value": "1e9"}, FactFilter(unit="тенге", min_value=1e9)),
        (
            {"since": DAY, "until": DAY, "source": "web-test.example"},
            FactFilter(
                since=date.fromisoformat(DAY),
                until=date.fromisoformat(DAY),
                source="web-test.example",
            ),
        ),
    ],
)
def test_facts_are_the_librarys(
    client: TestClient,
    web_db: str,
    params: dict[str, str],
    flt: FactFilter,
) -> None:
    r = client.get("/api/v1/facts", params={**params, "limit": 500})
    assert r.status_code == 200, r.text
    body = r.json()
    expected = list(iter_facts(flt, database_url=web_db))
    assert body["facts"] == expected
    assert body["next_offset"] is None
    for fact in body["facts"]:
        assert COMMON_KEYS | KIND_KEYS[fact["kind"]] <= set(fact)
        assert set(fact["article"]) == {"url", "title", "source", "published", "lang"}


def test_facts_filters_find_something_in_both_languages(client: TestClient) -> None:
    langs = {
        f["article"]["lang"]
        for f in client.get("/api/v1/facts", params={"territory": "ВКО", "limit": 500}).json()[
            "facts"
        ]
    }
    assert langs == {"ru", "kk"}
    kk = client.get("/api/v1/facts", params={"person": "Жұмабаев"}).json()["facts"]
    assert kk and all("Жумабаев" in f["person"] or "Жұмабаев" in f["person"] for f in kk)


def test_fact_pages_and_sorting(client: TestClient) -> None:
    everything = client.get("/api/v1/facts", params={"limit": 500}).json()["facts"]
    pages, offset = [], 0
    while offset is not None:
        body = client.get("/api/v1/facts", params={"limit": 7, "offset": offset}).json()
        pages += body["facts"]
        offset = body["next_offset"]
    assert pages == everything and len(everything) > 14
    newest = client.get("/api/v1/facts", params={"limit": 500, "sort": "-published"}).json()[
        "facts"
    ]
    assert [f["id"] for f in newest] == [
        f["id"]
        for f in sorted(
            everything, key=lambda f: (f["article"]["published"], f["id"]), reverse=True
        )
    ]
    by_value = client.get(
        "/api/v1/facts", params={"kind": "amount", "sort": "-value", "limit": 500}
    ).json()["facts"]
    values = [f["value"] for f in by_value]
    assert values == sorted(values, reverse=True) and len(values) > 3
    one = client.get(f"/api/v1/facts/{everything[3]['id']}")
    assert one.status_code == 200 and one.json() == everything[3]


def test_facts_csv_is_the_export_format(client: TestClient) -> None:
    r = client.get("/api/v1/facts.csv", params={"kind": "amount", "territory": "ВКО"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    api = client.get(
        "/api/v1/facts", params={"kind": "amount", "territory": "ВКО", "limit": 500}
    ).json()["facts"]
    assert [int(row["id"]) for row in rows] == [f["id"] for f in api] and rows
    assert {"article_url", "territory_name", "value", "unit", "sentence"} <= set(rows[0])
    assert rows[0]["unit"] == "KZT" and float(rows[0]["value"]) == api[0]["value"]


# ---------------------------------------------------------------- the other queries
def test_search_is_the_librarys(client: TestClient, web_db: str) -> None:
    for text, lang in (("аким", None), ("әкім", "kk"), ('"ауыл аманаты"', None)):
        params = {"q": text, **({"lang": lang} if lang else {})}
        body = client.get("/api/v1/search", params=params).json()
        hits = search(SearchQuery(text=text, lang=lang), database_url=web_db)
        assert [h["id"] for h in body["hits"]] == [h.id for h in hits] and hits, text
        assert body["hits"][0]["snippet"] == hits[0].as_dict()["snippet"]


def test_akims_programs_articles_digest(client: TestClient, web_db: str) -> None:
    akims = client.get("/api/v1/akims", params={"territory": "Шемонаихинский район"}).json()[
        "akims"
    ]
    assert (
        akims == [e.as_dict() for e in akims_directory("Шемонаихинский район", database_url=web_db)]
        and akims
    )
    progs = client.get("/api/v1/programs").json()["programs"]
    assert progs == [p.as_dict() for p in program_summaries(database_url=web_db)]
    assert any(p["program"] == "Ауыл аманаты" and p["totals"].get("KZT") for p in progs)
    arts = client.get("/api/v1/articles", params={"lang": "kk", "limit": 3}).json()
    assert (
        len(arts["articles"]) == 3
        and all(a["lang"] == "kk" for a in arts["articles"])
        and arts["next_offset"] == 3
    )
    one = client.get(f"/api/v1/articles/{arts['articles'][0]['id']}").json()
    assert one["article"] == arts["articles"][0]
    assert all(f["article"]["url"] == one["article"]["url"] for f in one["facts"])
    for lang in ("ru", "kk"):
        digest = client.get("/api/v1/digest", params={"date": DAY, "lang": lang}).json()
        assert (
            digest["day"] == DAY
            and digest["lang"] == lang
            and digest["articles"] > 5
            and digest["stories"]
        )
    cov = client.get(
        "/api/v1/coverage", params={"since": "2024-11-18", "until": DAY, "by": "source"}
    ).json()
    assert cov["rows"] and cov["articles"] > 0


# ---------------------------------------------------------------- bad input: 4xx with a message, never 500
@pytest.mark.parametrize(
    "path, params, status, words",
    [
        ("/api/v1/facts", {"since": "2024-13-01"}, 400, "YYYY-MM-DD"),
        ("/api/v1/facts", {"since": "2024-11-21", "until": "2024-11-20"}, 400, "after"),
        ("/api/v1/facts", {"min_value": "10", "max_value": "1"}, 400, "above"),
        ("/api/v1/facts", {"territory": "Нарния"}, 404, "unknown territory"),
        ("/api/v1/facts", {"source": "nosuch.kz"}, 404, "unknown source"),
        ("/api/v1/facts", {"kind": "weather"}, 422, "kind"),
        ("/api/v1/facts", {"lang": "de"}, 422, "lang"),
        ("/api/v1/facts", {"limit": "501"}, 422, "limit"),
        ("/api/v1/facts", {"limit": "0"}, 422, "limit"),
        ("/api/v1/facts", {"offset": "-1"}, 422, "offset"),
        ("/api/v1/facts", {"offset": str(10**30)}, 422, "offset"),
        ("/api/v1/facts", {"min_value": "nan"}, 422, "min_value"),
        ("/api/v1/facts", {"min_value": "1e400"}, 422, "min_value"),
        ("/api/v1/facts", {"person": "Ак\x00им"}, 400, "control"),
        ("/api/v1/facts", {"person": "x" * 1000}, 422, "person"),
        ("/api/v1/facts", {"sort": "id; DROP TABLE fact"}, 422, "sort"),
        ("/api/v1/facts/999999", {}, 404, "no fact"),
        ("/api/v1/facts/0", {}, 422, "fact_id"),
        ("/api/v1/facts/abc", {}, 422, "fact_id"),
        ("/api/v1/articles/424242", {}, 404, "no article"),
        ("/api/v1/search", {}, 422, "q"),
        ("/api/v1/search", {"q": 'аким "паводок'}, 400, '"'),
        ("/api/v1/search", {"q": "аким", "territory": "Нарния"}, 404, "territory"),
        ("/api/v1/akims", {"until": "yesterday"}, 400, "YYYY-MM-DD"),
        ("/api/v1/programs", {"window_days": "-1"}, 422, "window_days"),
        ("/api/v1/digest", {"date": "2024-02-30"}, 400, "YYYY-MM-DD"),
        ("/api/v1/digest", {"date": DAY, "lang": "en"}, 422, "lang"),
        ("/api/v1/coverage", {"since": "2020-01-01", "until": "2024-01-01"}, 400, "longer"),
        ("/api/v1/nothing", {}, 404, "Not Found"),
    ],
)
def test_bad_parameters_are_4xx_json(
    client: TestClient, path: str, params: dict[str, str], status: int, words: str
) -> None:
    r = client.get(path, params=params)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert words.lower() in r.json()["error"].lower()


@pytest.mark.parametrize(
    "path, params, status",
    [
        ("/facts", {"min_value": "abc"}, 400),
        ("/facts", {"territory": "Нарния"}, 404),
        ("/facts", {"limit": "7"}, 400),
        ("/facts", {"sort": "nope"}, 400),
        ("/search", {"q": '"', "ui": "kk"}, 400),
        ("/articles/999999", {}, 404),
        ("/article", {"url": "https://nowhere.example/x"}, 404),
        ("/akims", {"since": "2024-1-1x"}, 400),
        ("/digest", {"date": "tomorrow"}, 400),
        ("/coverage", {"by": "planet"}, 400),
        ("/no/such/page", {}, 404),
    ],
)
def test_bad_page_parameters_are_4xx_pages(
    client: TestClient, path: str, params: dict[str, str], status: int
) -> None:
    client.cookies.clear()
    r = client.get(path, params=params)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("text/html")
    lang = params.get("ui", "ru")
    assert f"{LABELS[lang]['error']} {status}" in r.text and 'id="error-message"' in r.text


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/api/v1/facts", "/facts", "/api/v1/articles/1"])
def test_read_only(client: TestClient, method: str, path: str) -> None:
    assert client.request(method, path).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/search?q=аким",
        "/api/v1/facts",
        "/api/v1/facts?kind=x",
        "/nope",
        "/docs",
        f"/digest/view?date={DAY}",
        "/static/style.css",
    ],
)
def test_security_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    assert r.headers["referrer-policy"] == "no-referrer"
    csp = dict(
        part.strip().split(" ", 1) for part in r.headers["content-security-policy"].split(";")
    )
    assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["script-src"]
    assert csp["frame-ancestors"] == "'self'" and csp["default-src"] == "'none'"


def test_openapi_lists_every_query_and_only_get(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/v1/facts",
        "/api/v1/search",
        "/api/v1/akims",
        "/api/v1/programs",
        "/api/v1/articles",
        "/api/v1/digest",
    ):
        assert path in spec["paths"]
    assert {m for ops in spec["paths"].values() for m in ops} == {"get"}
    limit = next(
        p for p in spec["paths"]["/api/v1/facts"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"]["maximum"] == 500
    docs = client.get("/docs")
    assert (
        docs.status_code == 200
        and "/docs/assets/swagger-ui-bundle.js" in docs.text
        and "<script>" not in docs.text
    )
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


# ---------------------------------------------------------------- pages
@pytest.mark.parametrize("ui", ["ru", "kk"])
@pytest.mark.parametrize(
    "path, shows",
    [
        ("/search?q=аким+Шемонаиха", ["Шемонаих", "<mark>"]),
        ("/search?q=әкім&lang=kk", ["әкім", "<mark>"]),
        ("/facts?kind=akim&territory=ВКО", ["Асет Жумабаев", "Асет Жұмабаев", 'id="csv"']),
        ("/facts?kind=amount&sort=-value", ["3,2", "KZT" if False else "млрд"]),
        ("/akims?territory=Шемонаихинский+район", ["Асет Жумабаев", "Ерлан Тулеубаев"]),
        ("/programs", ["Ауыл аманаты"]),
        ("/programs?program=Ауыл+аманаты", ["Ауыл аманаты", "Павлодарская область"]),
        ("/digest?date=" + DAY, ["/digest/view?date=" + DAY, "<iframe"]),
        ("/coverage?since=2024-11-18&until=" + DAY, ["/coverage.png?", "Асет Жумабаев"]),
    ],
)
def test_pages_render_real_data_in_both_languages(
    client: TestClient, ui: str, path: str, shows: list[str]
) -> None:
    r = client.get(path + ("&" if "?" in path else "?") + f"ui={ui}")
    assert r.status_code == 200, r.text
    for text in shows:
        assert text in r.text, text
    labels = LABELS[ui]
    for key in (
        "nav_search",
        "nav_facts",
        "nav_akims",
        "nav_programs",
        "nav_digest",
        "nav_coverage",
    ):
        assert labels[key] in r.text
    assert f'<html lang="{ui}">' in r.text
    assert r.cookies.get("ui") == ui


def test_interface_language_is_remembered(client: TestClient) -> None:
    client.get("/facts?ui=kk")
    assert LABELS["kk"]["nav_facts"] in client.get("/akims").text
    client.get("/facts?ui=ru")
    assert LABELS["ru"]["nav_akims"] in client.get("/akims").text


@pytest.mark.parametrize(
    "suffix, lang, marked",
    [
        (
            "script-v-zagolovke",
            "ru",
            ["Аким Катон-Карагайского района Данияр Тлеубаев", "120 млн тенге", "«Ауыл аманаты»"],
        ),
        (
            "takyryptagy-skript",
            "kk",
            ["Катонқарағай ауданының әкімі Данияр Тілеубаев", "120 млн теңге"],
        ),
    ],
)
def test_article_page_escapes_and_highlights(
    client: TestClient,
    web_db: str,
    suffix: str,
    lang: str,
    marked: list[str],
) -> None:
    r = client.get(f"/articles/{article_id(web_db, suffix)}")
    assert r.status_code == 200
    assert (
        "<script" not in r.text and "<img" not in r.text and "<b " not in r.text
    )  # the page has none of its own
    assert "&lt;script&gt;" in r.text or "&lt;b onmouseover" in r.text
    for text in marked:
        assert f'">{text}<span class="entity-label">' in r.text, text
    assert f'lang="{lang}"' in r.text


def test_search_page_escapes_snippets(client: TestClient) -> None:
    r = client.get("/search", params={"q": "Катон"})
    assert r.status_code == 200 and "Данияр" in r.text
    assert "<script>alert" not in r.text and "<b onmouseover" not in r.text


def test_fact_links_open_the_article(client: TestClient) -> None:
    fact = client.get("/api/v1/facts", params={"kind": "akim", "person": "Тілеубаев"}).json()[
        "facts"
    ][0]
    r = client.get("/article", params={"url": fact["article"]["url"]}, follow_redirects=True)
    assert r.status_code == 200 and fact["person"] in r.text


def test_coverage_chart_and_digest_view(client: TestClient) -> None:
    png = client.get("/coverage.png", params={"since": "2024-11-18", "until": DAY, "by": "day"})
    assert (
        png.status_code == 200
        and png.content[:8] == b"\x89PNG\r\n\x1a\n"
        and len(png.content) > 10_000
    )
    for lang, heading in (("ru", "Главные сюжеты дня"), ("kk", "Күннің басты")):
        view = client.get("/digest/view", params={"date": DAY, "lang": lang})
        assert view.status_code == 200 and "Шемонаих" in view.text
        assert "script-src 'none'" in view.headers["content-security-policy"]
        assert heading in view.text or lang == "kk"
