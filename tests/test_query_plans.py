"""PostgreSQL plans of the typical queries (bench/query.py's list) on a small synthetic store with real
statistics: each statement that reads `fact` does so through an index, never a sequential scan.

The store is bench/query.py's generator at 3,000 articles and 15,000 facts, analysed, so the planner
chooses as it would on a store of that shape (the summaries and article_territory are filled as
`newsmon reindex` fills them). A plan that picks a sequential scan of `fact` fails the test; the
test does not switch sequential scans off to get the plans it wants.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from newsmon.query import FactFilter, akims_directory, list_facts, program_summaries
from newsmon.query.overview import facts_by_kind, top_programs, top_territories, unit_counts
from newsmon.search import SearchQuery, search
from newsmon.store.db import get_engine, open_session

pytestmark = pytest.mark.postgres

BENCH = Path(__file__).resolve().parents[1] / "bench" / "query.py"
MONTH = (date(2024, 3, 1), date(2024, 3, 31))


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_query", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


QUERIES: list[tuple[str, Callable[[Any], Any]]] = [
    (
        "facts ВКО akim",
        lambda s: list_facts(FactFilter(territory="ВКО", kind="akim", limit=50), session=s),
    ),
    (
        "facts Шемонаиха amount",
        lambda s: list_facts(
            FactFilter(territory="Шемонаиха ауданы", kind="amount", limit=50), session=s
        ),
    ),
    (
        "facts programme in a month",
        lambda s: list_facts(
            FactFilter(program="Ауыл аманаты", since=MONTH[0], until=MONTH[1]), session=s
        ),
    ),
    ("facts person", lambda s: list_facts(FactFilter(person="Сикпаева", limit=50), session=s)),
    (
        "facts amounts in Атырау",
        lambda s: list_facts(
            FactFilter(
                kind="amount", unit="KZT", min_value=1e9, territory="Атырау облысы", limit=50
            ),
            session=s,
        ),
    ),
    ("akims ВКО", lambda s: akims_directory("ВКО", session=s)),
    ("akims Шемонаиха", lambda s: akims_directory("Шемонаихинский район", session=s)),
    (
        "akims ВКО in a month",
        lambda s: akims_directory("ВКО", since=MONTH[0], until=MONTH[1], session=s),
    ),
    ("programme in ВКО", lambda s: program_summaries("Ауыл аманаты", territory="ВКО", session=s)),
    ("search", lambda s: search(SearchQuery("акимов паводок"), session=s)),
    (
        "search in ВКО",
        lambda s: search(
            SearchQuery("ауданының әкімі", territory="ВКО", since=date(2024, 1, 1)), session=s
        ),
    ),
    ("akims, whole country", lambda s: akims_directory(session=s)),
    ("programmes, whole country", lambda s: program_summaries(session=s)),
    (
        "home and map",
        lambda s: (
            facts_by_kind(s, *MONTH),
            top_territories(s, *MONTH),
            top_programs(s, *MONTH),
            unit_counts(s, *MONTH),
        ),
    ),
]


@pytest.fixture(scope="module")
def plan_store() -> Any:
    from tests.conftest import pg_schema

    with pg_schema("p_") as url:
        _bench().generate(url, 3000, 15000)
        yield url


def _scans(plan: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    if "Relation Name" in plan:
        out.append((plan["Node Type"], plan["Relation Name"]))
    for child in plan.get("Plans", []):
        out += _scans(child)
    return out


@pytest.mark.parametrize("name", [q[0] for q in QUERIES])
def test_typical_queries_read_fact_through_indexes(plan_store: str, name: str) -> None:
    fn = dict(QUERIES)[name]
    engine = get_engine(plan_store)
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "WITH", "(SELECT")):
            statements.append((statement, params))

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        with open_session(plan_store) as session:
            fn(session)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert statements
    reads_fact = 0
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement, params in statements:
            cur.execute("EXPLAIN (FORMAT JSON) " + statement, params)
            plan = cur.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            scans = _scans(plan[0]["Plan"])
            assert ("Seq Scan", "fact") not in scans, (statement, scans)
            reads_fact += any(rel == "fact" for _, rel in scans)
    finally:
        raw.close()
    if name.startswith("facts"):
        assert reads_fact  # a fact listing reads the facts (through an index)
