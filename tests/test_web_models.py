"""Issue 12 item 4, the web half: the API's typed response models. /openapi.json documents every key of
CONTRACT §2 (a `Fact` schema with the common and the kind-specific keys, `Territory`, the `article`
object) and a schema for every endpoint's 200 answer, while the answers stay the library's dicts key for
key and in order (absent keys stay absent, nulls stay null, extra keys such as `mentions` stay)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_support import WATCHLIST, web_db  # noqa: F401 - web_db is a fixture

from newsmon.query import ArticleFilter, FactFilter, iter_articles, iter_facts
from newsmon.web import create_app

# CONTRACT §2, key by key
COMMON_KEYS = (
    "id",
    "kind",
    "article",
    "text",
    "sentence",
    "start",
    "end",
    "confidence",
    "extractor",
)
KIND_KEYS = {
    "akim": ("person", "role", "territory"),
    "amount": ("value", "unit", "raw", "program", "territory"),
    "program": ("program",),
    "territory": ("territory",),
}
ARTICLE_KEYS = ("url", "title", "source", "published", "lang")
TERRITORY_KEYS = ("name", "level", "kato", "path")


@pytest.fixture(scope="module")
def client(web_db: str) -> Iterator[TestClient]:
    with TestClient(create_app(web_db, watchlist=WATCHLIST), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


def _schema(spec: dict[str, Any], ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref")
    if ref is None:
        return ref_or_schema
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]  # type: ignore[no-any-return]


def _target(spec: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    """The object schema a property points to (through anyOf [X, null] and arrays)."""
    for option in prop.get("anyOf", [prop]):
        if option.get("type") == "array":
            option = option["items"]
        if "$ref" in option:
            return _schema(spec, option)
    raise AssertionError(f"no object schema in {prop}")


def test_the_fact_schema_has_every_contract_key(spec: dict[str, Any]) -> None:
    fact = spec["components"]["schemas"]["Fact"]
    keys = set(COMMON_KEYS).union(*KIND_KEYS.values())
    assert keys <= set(fact["properties"]), keys - set(fact["properties"])
    assert set(COMMON_KEYS) <= set(fact["required"])  # the kind keys are absent for other kinds
    assert set(ARTICLE_KEYS) <= set(_target(spec, fact["properties"]["article"])["properties"])
    territory = _target(spec, fact["properties"]["territory"])
    assert set(TERRITORY_KEYS) <= set(territory["properties"]) and set(TERRITORY_KEYS) <= set(
        territory["required"]
    )
    for key in keys - {"id", "article"}:
        assert fact["properties"][key].get("description"), key  # documented, not just listed


def test_every_endpoint_documents_its_answer(spec: dict[str, Any]) -> None:
    api_paths = [p for p in spec["paths"] if p.startswith("/api/v1/")]
    assert len(api_paths) == 13  # overview (issue 15), persons and territories (issue 13)
    for path in api_paths:
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        if path.endswith(".csv"):
            assert content["text/csv"]["schema"]["type"] == "string"
            continue
        schema = _schema(spec, content["application/json"]["schema"])
        assert schema.get("properties"), path  # a model, not an open dict
    pages = {
        "/api/v1/facts": "facts",
        "/api/v1/search": "hits",
        "/api/v1/articles": "articles",
    }
    for path, key in pages.items():
        page = _schema(
            spec,
            spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
        )
        assert {key, "offset", "limit", "next_offset"} <= set(page["properties"]), path
    listed = _schema(
        spec,
        spec["paths"]["/api/v1/facts"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ],
    )
    assert listed["properties"]["facts"]["items"]["$ref"].endswith("/Fact")


def _ordered(raw: bytes) -> Any:
    """JSON with every object as its list of (key, value) pairs: order counts."""
    return json.loads(raw, object_pairs_hook=lambda pairs: [list(p) for p in pairs])


def _ordered_py(value: Any) -> Any:
    return _ordered(json.dumps(value, ensure_ascii=False).encode())


def test_answers_are_the_librarys_dicts_key_for_key(client: TestClient, web_db: str) -> None:
    """Validated through the models, the facts keep the library's keys in the library's order: an akim
    fact has no `value`, an amount without a programme has `program: null`, `mentions` stays."""
    r = client.get("/api/v1/facts", params={"limit": 500})
    assert r.status_code == 200
    expected = list(iter_facts(FactFilter(), database_url=web_db))
    body = _ordered(r.content)
    assert body[0] == ["facts", _ordered_py(expected)]
    assert [k for k, _ in body] == ["facts", "offset", "limit", "next_offset"]
    by_kind = {f["kind"]: f for f in expected}
    assert set(by_kind) == set(KIND_KEYS)
    facts = r.json()["facts"]
    for fact in facts:
        assert list(fact)[: len(COMMON_KEYS)] == list(COMMON_KEYS)
        assert "mentions" in fact
        for kind, keys in KIND_KEYS.items():
            if kind != fact["kind"]:
                assert not set(keys) - set(KIND_KEYS[fact["kind"]]) & set(fact), fact
    assert any(f["kind"] == "akim" and "value" not in f for f in facts)
    one = client.get(f"/api/v1/facts/{expected[0]['id']}")
    assert _ordered(one.content) == _ordered_py(expected[0])
    arts = client.get("/api/v1/articles", params={"limit": 500})
    assert _ordered(arts.content)[0] == [
        "articles",
        _ordered_py(list(iter_articles(ArticleFilter(), database_url=web_db))),
    ]


def test_a_fact_the_models_do_not_know_passes_through(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CONTRACT §2 may grow: a new kind, or keys beyond the contract, are answered as the library gives them."""
    from newsmon.web import data

    fact = client.get("/api/v1/facts", params={"limit": 1}).json()["facts"][0]
    grown = {**fact, "kind": "appointment", "successor": "Асет Жұмабаев", "extra_note": None}
    for key in ("person", "role", "value", "unit", "raw", "program", "territory"):
        grown.pop(key, None)
    monkeypatch.setattr(data, "get_fact", lambda session, fact_id: grown)
    r = client.get(f"/api/v1/facts/{fact['id']}")
    assert r.status_code == 200, r.text
    assert _ordered(r.content) == _ordered_py(grown)
