"""Issue 12 item 5: the web layer's structure. The routers (api, pages, docs) never import each other,
no web module reaches for a private name of another module, no page handler holds SQL, and the fact
filter has one spelling (deps.FactQuery) with one blank rule in the API, the CSV download and the page."""

from __future__ import annotations

import ast
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest
from fastapi.testclient import TestClient
from web_support import WATCHLIST, web_db  # noqa: F401 - web_db is a fixture

from newsmon.query import FACT_SORTS
from newsmon.web import create_app
from newsmon.web.deps import FactQuery, SortKey

WEB = Path(__file__).resolve().parents[1] / "newsmon" / "web"
ROUTERS = ("api", "pages", "docs")


def _tree(name: str) -> ast.Module:
    return ast.parse((WEB / f"{name}.py").read_text(encoding="utf-8"))


def _imported_modules(tree: ast.Module) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


@pytest.mark.parametrize("router", ROUTERS)
def test_routers_do_not_import_each_other(router: str) -> None:
    imported = _imported_modules(_tree(router))
    others = {f"newsmon.web.{r}" for r in ROUTERS if r != router}
    assert not imported & others, imported & others


@pytest.mark.parametrize("module", sorted(p.stem for p in WEB.glob("*.py")))
def test_no_private_names_of_other_modules(module: str) -> None:
    """Neither `from x import _name` nor `alias._name` on an imported module (q._rows_query was one)."""
    tree = _tree(module)
    aliases = {
        a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names
    }
    aliases |= {
        (a.asname or a.name).split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import)
        for a in n.names
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("newsmon"):
            private = [a.name for a in node.names if a.name.startswith("_") and a.name[1] != "_"]
            assert not private, (module, node.module, private)
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            raise AssertionError(f"{module}: {node.value.id}.{node.attr}")


@pytest.mark.parametrize("module", ["pages", "data", "api"])
def test_no_sql_in_the_web_layer(module: str) -> None:
    """Queries live in newsmon.query (the digest page's default day was raw SQL in a page handler)."""
    imported = _imported_modules(_tree(module))
    assert not {m for m in imported if m.split(".")[0] == "sqlalchemy"}
    assert {m for m in imported if m.startswith("sqlmodel.")} <= {"sqlmodel.Session"}
    source = (WEB / f"{module}.py").read_text(encoding="utf-8")
    assert "SELECT " not in source.upper()


# ---------------------------------------------------------------- one fact filter
@pytest.fixture(scope="module")
def client(web_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(web_db, watchlist=WATCHLIST), raise_server_exceptions=False) as c:
        yield c


def test_the_sort_keys_are_the_querys() -> None:
    assert set(get_args(SortKey)) == set(FACT_SORTS)


def test_the_fact_filter_is_spelled_once(client: TestClient) -> None:
    """The API and the CSV download document exactly FactQuery's fields (plus paging and sort, and the
    CSV's Excel options)."""
    spec = client.get("/openapi.json").json()
    fields = set(FactQuery.model_fields)
    facts = {p["name"] for p in spec["paths"]["/api/v1/facts"]["get"]["parameters"]}
    csv_ = {p["name"] for p in spec["paths"]["/api/v1/facts.csv"]["get"]["parameters"]}
    assert facts == fields | {"sort", "limit", "offset"}
    assert csv_ == fields | {"excel", "sep"}


BLANKS = {
    "kind": "",
    "person": "  ",
    "program": "",
    "territory": " ",
    "unit": "",
    "min_value": "",
    "max_value": " ",
    "source": "",
    "lang": "",
    "since": "",
    "until": "  ",
}


def test_blank_means_any_everywhere(client: TestClient) -> None:
    """One blank rule: an empty or all-space field is «any» in the API, the CSV and the page alike
    (before: `kind=` was a 422 in the API and «any» on the page; `person=%20` a 400 in the API)."""
    everything = client.get("/api/v1/facts", params={"limit": 500}).json()["facts"]
    blank = client.get("/api/v1/facts", params={**BLANKS, "limit": 500})
    assert blank.status_code == 200, blank.text
    assert blank.json()["facts"] == everything and everything
    csv_text = client.get("/api/v1/facts.csv", params=BLANKS).text
    assert [int(r["id"]) for r in csv.DictReader(io.StringIO(csv_text))] == [
        f["id"] for f in everything
    ]
    page = client.get("/facts", params={**BLANKS, "limit": 500})
    assert page.status_code == 200, page.text
    assert f">1–{len(everything)}</span>" in page.text  # the page shows every fact too


@pytest.mark.parametrize(
    "typed, value",
    [("1 000 000 000", 1e9), ("1000000000", 1e9), ("1,5", 1.5), (" 2e9 ", 2e9)],
)
def test_values_as_people_type_them(client: TestClient, typed: str, value: float) -> None:
    """«1 000 000 000» and «1,5» are numbers in the page's form and in the API (one parser)."""
    wanted = client.get("/api/v1/facts", params={"min_value": value, "limit": 500}).json()
    got = client.get("/api/v1/facts", params={"min_value": typed, "limit": 500})
    assert got.status_code == 200, got.text
    assert got.json()["facts"] == wanted["facts"]
    assert client.get("/facts", params={"min_value": typed}).status_code == 200


@pytest.mark.parametrize(
    "params, words",
    [
        ({"min_value": "abc"}, "min_value"),
        ({"min_value": "1e400"}, "min_value"),
        ({"kind": "weather"}, "kind"),
        ({"lang": "de"}, "lang"),
        ({"since": "2024-13-01"}, "YYYY-MM-DD"),
        ({"person": "«»"}, "empty"),
    ],
)
def test_bad_filter_values_fail_alike(
    client: TestClient, params: dict[str, str], words: str
) -> None:
    """The same bad value is refused by the API (JSON 4xx), the CSV download and the page (4xx page)."""
    api = client.get("/api/v1/facts", params=params)
    csv_ = client.get("/api/v1/facts.csv", params=params)
    page = client.get("/facts", params=params)
    assert 400 <= api.status_code < 500 and words in api.json()["error"], api.text
    assert csv_.status_code == api.status_code and words in csv_.json()["error"]
    assert 400 <= page.status_code < 500 and 'id="error-message"' in page.text
