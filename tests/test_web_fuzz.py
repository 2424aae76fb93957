"""Property-based fuzzing of the JSON API: schemathesis generates requests from the app's own OpenAPI schema
(valid parameters, and invalid ones: wrong types, out-of-range numbers, odd Unicode) against a filled
database; no response is a 5xx, every error is JSON with a message, and every response has the security
headers. Bounded: a fixed number of derandomized examples per endpoint and mode, well under a minute."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

schemathesis = pytest.importorskip(
    "schemathesis", reason="schemathesis is not installed (pip install '.[test]')"
)
from hypothesis import HealthCheck, given, settings  # noqa: E402 - after the importorskip above
from schemathesis.generation import GenerationMode  # noqa: E402 - after the importorskip above
from web_support import WATCHLIST, fill  # noqa: E402 - after the importorskip above

from newsmon.web import create_app  # noqa: E402 - after the importorskip above

EXAMPLES = 12  # per endpoint and mode: 13 endpoints × 2 modes
PATHS = [
    "/api/v1/facts",
    "/api/v1/facts.csv",
    "/api/v1/facts/{fact_id}",
    "/api/v1/search",
    "/api/v1/akims",
    "/api/v1/persons/{person_id}",
    "/api/v1/territories/{kato}",
    "/api/v1/programs",
    "/api/v1/articles",
    "/api/v1/articles/{article_id}",
    "/api/v1/digest",
    "/api/v1/coverage",
    "/api/v1/overview",
]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'web.db'}"
    fill(url)
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(url, watchlist=WATCHLIST))


def test_every_api_endpoint_is_fuzzed(api_schema: object) -> None:
    listed = {op.ok().path for op in api_schema.get_all_operations()}  # type: ignore[attr-defined]
    assert listed == set(PATHS)


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"]
)
@pytest.mark.parametrize("path", PATHS)
def test_api_never_answers_5xx(api_schema: object, path: str, mode: GenerationMode) -> None:
    operation = api_schema[path]["GET"]  # type: ignore[index]
    seen: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: object) -> None:
        response = case.call()  # type: ignore[attr-defined]
        seen.append(response.status_code)
        where = f"GET {case.formatted_path} {case.query}"  # type: ignore[attr-defined]
        assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
        assert response.headers.get("x-content-type-options") in ("nosniff", ["nosniff"]), where
        if response.status_code >= 400:
            assert response.json()["error"], where

    run()
    assert seen
    if mode is GenerationMode.NEGATIVE:
        assert (
            any(400 <= s < 500 for s in seen) or "{" in path
        )  # invalid input was really sent and refused
