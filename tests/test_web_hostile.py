"""Issue 14, the web findings: every page and endpoint on a store whose facts lack every optional field
(finding 0), extreme dates (finding 5), security headers on every response, a 500 included (finding 5),
and the 404 page's links built from the path only (finding 10)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from typer.testing import CliRunner
from web_support import WATCHLIST, sparse_db  # noqa: F401 - sparse_db is a fixture

from newsmon.web import api, create_app, docs, pages

DAY = "2024-11-20"
# every GET route of the app with the parameters it is exercised with (the first needs none it lacks)
ROUTES: dict[str, list[dict[str, str]]] = {
    "/": [{}, {"period": "30d"}, {"period": "custom", "since": "2024-11-14", "ui": "kk"}],
    "/search": [{}, {"q": "аким"}, {"q": "әкім", "ui": "kk"}],
    "/articles/{article_id}": [{}],
    "/article": [{"url": "https://sparse.example/ru/1"}],
    "/facts": [{}, {"sort": "-value"}, {"kind": "amount", "sort": "value"}, {"ui": "kk"}],
    "/akims": [{}, {"deputies": "true"}, {"ui": "kk"}],
    "/persons/{person_id}": [{}, {"ui": "kk"}],
    "/territories/{kato}": [{}, {"ui": "kk"}],
    "/programs": [{}, {"program": "Ауыл аманаты"}, {"ui": "kk"}],
    "/digest": [{}, {"date": DAY}],
    "/digest/view": [{"date": DAY}, {"date": DAY, "lang": "kk"}],
    "/coverage": [{}, {"by": "region"}, {"by": "source"}],
    "/coverage.png": [{"since": "2024-11-14", "until": DAY}],
    "/favicon.ico": [{}],
    "/index.html": [{}],
    "/docs": [{}],
    "/docs/assets/{name}": [{}],
    "/api/v1/facts": [{}, {"sort": "-value"}, {"kind": "akim"}],
    "/api/v1/facts.csv": [{}],
    "/api/v1/facts/{fact_id}": [{}],
    "/api/v1/search": [{"q": "аким"}, {"q": "әкім"}],
    "/api/v1/akims": [{}, {"deputies": "true"}],
    "/api/v1/persons/{person_id}": [{}],
    "/api/v1/territories/{kato}": [{}],
    "/api/v1/programs": [{}, {"program": "Ауыл аманаты"}, {"window_days": "0"}],
    "/api/v1/articles": [{}],
    "/api/v1/articles/{article_id}": [{}],
    "/api/v1/digest": [{"date": DAY}, {"date": DAY, "lang": "kk"}],
    "/api/v1/overview": [{}, {"period": "7d", "lang": "kk"}, {"period": "custom", "until": DAY}],
    "/api/v1/coverage": [
        {"since": "2024-11-14", "until": DAY, "by": by} for by in ("day", "source", "region")
    ],
}
FILL = {
    "{article_id}": "1",
    "{fact_id}": "1",
    "{person_id}": "1",  # Иван Иванов, an akim with no role and no unit
    "{kato}": "636800000",  # Шемонаихинский район, of the built-in core (no KATO imported)
    "{name}": "swagger-ui.css",
}


def _concrete(path: str) -> str:
    for key, value in FILL.items():
        path = path.replace(key, value)
    return path


def _get_routes() -> set[str]:
    return {
        r.path  # type: ignore[attr-defined]
        for router in (api.router, pages.router, docs.router)
        for r in router.routes
        if "GET" in getattr(r, "methods", ())
    }


def _has_security_headers(r: Any) -> bool:
    return (
        r.headers.get("x-content-type-options") == "nosniff"
        and r.headers.get("x-frame-options") == "SAMEORIGIN"
        and "default-src 'none'" in r.headers.get("content-security-policy", "")
    )


@pytest.fixture(scope="module")
def client(sparse_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(sparse_db, watchlist=WATCHLIST), raise_server_exceptions=False) as c:
        yield c


def test_every_route_is_exercised() -> None:
    assert _get_routes() - {"/openapi.json"} == set(ROUTES)


@pytest.mark.parametrize(
    "path, params", [(p, params) for p, variants in ROUTES.items() for params in variants]
)
def test_sparse_store_every_route(client: TestClient, path: str, params: dict[str, str]) -> None:
    """Finding 0: facts with every optional field missing never give a 500 (was: /programs 500,
    `'dict object' has no attribute 'name'` on an amount with a programme and no territory)."""
    r = client.get(_concrete(path), params=params, follow_redirects=False)
    assert r.status_code < 400 or (path == "/docs/assets/{name}" and r.status_code == 404), r.text
    assert _has_security_headers(r)


def _query_names(params: list[Any]) -> set[str]:
    """Parameter names, a query-parameter model (deps.FactQuery) counted as its fields."""
    names = set()
    for p in params:
        model = getattr(p.field_info, "annotation", None)
        if isinstance(model, type) and issubclass(model, BaseModel):
            names |= {f.alias or name for name, f in model.model_fields.items()}
        else:
            names.add(p.alias or p.name)
    return names


def _params_of(path: str) -> list[str]:
    """Every query parameter the route declares (from the app's own routes), plus `ui`."""
    names = {"ui"}
    for router in (api.router, pages.router, docs.router):
        for r in router.routes:
            if getattr(r, "path", None) == path:
                names |= _query_names(r.dependant.query_params)  # type: ignore[attr-defined]
                for dep in r.dependant.dependencies:  # type: ignore[attr-defined]
                    names |= _query_names(dep.query_params)
    return sorted(names)


def test_fact_filter_parameters_are_seen_by_the_hostile_corpus() -> None:
    """The facts routes take the filter as one model: the corpus still reaches each of its fields."""
    for path in ("/facts", "/api/v1/facts", "/api/v1/facts.csv"):
        assert {"kind", "person", "territory", "min_value", "since", "lang"} <= set(
            _params_of(path)
        ), path


@pytest.mark.parametrize("path", sorted(ROUTES))
def test_hostile_values_in_every_parameter_of_every_route(client: TestClient, path: str) -> None:
    """The hostile corpus (tests/hostile QUERY_VALUES) in each parameter of each page and endpoint: never
    a 5xx, always the security headers, never the value echoed unescaped into an HTML page."""
    from tests.hostile import QUERY_VALUES

    for name in _params_of(path):
        for value in QUERY_VALUES:
            r = client.get(_concrete(path), params={name: value}, follow_redirects=False)
            assert r.status_code < 500, (path, name, value[:40], r.status_code, r.text[:200])
            assert _has_security_headers(r), (path, name, value[:40])
            if r.headers.get("content-type", "").startswith("text/html"):
                assert "<script>alert(1)</script>" not in r.text, (path, name)


def test_sparse_store_programs_page_shows_no_territory_as_a_dash(client: TestClient) -> None:
    """Finding 0: the programme's amounts without a territory are a row «—» with their total."""
    r = client.get("/programs", params={"program": "Ауыл аманаты"})
    assert r.status_code == 200, r.text
    assert re.search(r'<td data-label="[^"]*">—</td>', r.text) and "Ауыл аманаты" in r.text
    body = client.get("/api/v1/programs", params={"program": "Ауыл аманаты"}).json()
    units = body["programs"][0]["units"]
    assert any(u["territory"] is None for u in units)


# ---------------------------------------------------------------- finding 5: extreme dates
DATED = [
    ("/api/v1/facts", {}),
    ("/api/v1/facts.csv", {}),
    ("/api/v1/articles", {}),
    ("/api/v1/search", {"q": "аким"}),
    ("/api/v1/akims", {}),
    ("/api/v1/programs", {}),
    ("/search", {"q": "аким"}),
    ("/facts", {}),
    ("/akims", {}),
    ("/programs", {}),
    ("/coverage", {}),
]
EXTREMES = [{"since": "0001-01-01"}, {"until": "9999-12-31"}, {"since": "1899-12-31"}]


@pytest.mark.parametrize(
    "extreme", EXTREMES, ids=lambda e: "-".join(e.items().__iter__().__next__())
)
@pytest.mark.parametrize("path, params", DATED, ids=[p for p, _ in DATED])
def test_extreme_dates_are_422(
    client: TestClient, path: str, params: dict[str, str], extreme: dict[str, str]
) -> None:
    """Finding 5: since=0001-01-01 / until=9999-12-31 were a 500 without security headers."""
    r = client.get(path, params={**params, **extreme})
    assert r.status_code == 422, r.text
    assert _has_security_headers(r)
    assert "between 1900-01-01 and 2999-12-31" in r.text


@pytest.mark.parametrize(
    "path, params",
    [
        ("/api/v1/digest", {"date": "9999-12-31"}),
        ("/api/v1/digest", {"date": "0001-01-01"}),
        ("/digest", {"date": "9999-12-31"}),
        ("/digest/view", {"date": "9999-12-31"}),
        ("/api/v1/coverage", {"since": "0001-01-01", "until": DAY}),
        ("/api/v1/coverage", {"since": DAY, "until": "9999-12-31"}),
        ("/coverage.png", {"since": DAY, "until": "9999-12-31"}),
        ("/coverage.png", {"since": "0001-01-01", "until": DAY}),
        ("/api/v1/overview", {"period": "custom", "until": "9999-12-31"}),
        ("/", {"period": "custom", "since": "0001-01-01"}),
    ],
)
def test_extreme_days_are_422(client: TestClient, path: str, params: dict[str, str]) -> None:
    """Finding 5: date=9999-12-31 on the digest and the coverage endpoints."""
    r = client.get(path, params=params)
    assert r.status_code == 422, r.text
    assert _has_security_headers(r)


def test_supported_edges_still_answer(client: TestClient) -> None:
    """The first and last supported days are accepted (and find nothing here)."""
    r = client.get("/api/v1/facts", params={"since": "1900-01-01", "until": "2999-12-31"})
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/digest", params={"date": "2999-12-31"}).status_code == 200


@pytest.mark.parametrize(
    "args",
    [
        ["facts", "--since", "0001-01-01"],
        ["facts", "--until", "9999-12-31"],
        ["digest", "--date", "9999-12-31"],
        ["akims", "--since", "0001-01-01"],
        ["programs", "--until", "9999-12-31"],
    ],
)
def test_cli_extreme_dates_are_one_line(sparse_db: str, args: list[str], monkeypatch: Any) -> None:
    """Finding 5: `newsmon facts --since 0001-01-01`, `newsmon digest --date 9999-12-31` gave tracebacks."""
    from newsmon.cli import app
    from newsmon.settings import get_settings

    monkeypatch.setenv("NEWSMON_DATABASE_URL", sparse_db)
    get_settings.cache_clear()
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    assert not isinstance(res.exception, (OverflowError, ValueError))
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "1900-01-01" in lines[0] and "Traceback" not in res.output


@pytest.mark.parametrize("path", ["/api/v1/facts", "/facts"])
def test_a_500_carries_the_security_headers(
    sparse_db: str,
    path: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Finding 5: an unexpected error is a 500 with the security headers, JSON under /api, a page elsewhere."""
    from newsmon.web import data

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(data, "fact_page", broken)
    with TestClient(create_app(sparse_db, watchlist=WATCHLIST), raise_server_exceptions=False) as c:
        r = c.get(path)
    assert r.status_code == 500
    assert _has_security_headers(r)
    assert "boom" not in r.text
    if path.startswith("/api/"):
        assert r.json()["status"] == 500
    else:
        assert 'id="error-message"' in r.text


# ---------------------------------------------------------------- finding 10: links from the path only
@pytest.mark.parametrize(
    "raw", ["//evil.example/x", "///evil.example/x", "/%5Cevil.example/x", "/%2F%2Fevil.example/x"]
)
def test_404_links_stay_on_this_server(client: TestClient, raw: str) -> None:
    """Finding 10: `//evil.example/x` gave `href="//evil.example/x?ui=kk"` (a link to another host)."""
    r = client.get(f"http://testserver{raw}?ui=ru")
    assert r.status_code == 404
    hrefs = [part.split('"', 1)[0] for part in r.text.split('href="')[1:]]
    assert hrefs and any("ui=kk" in h for h in hrefs)
    for href in hrefs:
        assert href.startswith("/") and not href.startswith("//"), href
        assert not href.startswith("/\\"), href
