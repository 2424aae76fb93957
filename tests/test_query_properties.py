"""Issue 14, property-based tests of the query parameters (the library under the CLI and the API): any
text as a date, any numbers and strings as filters give a result or a named InputError, never another
exception; a date that parses always lies in the supported range. (The API's parameters are fuzzed
through its OpenAPI schema in test_web_fuzz.py.)"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsmon.errors import InputError
from newsmon.query import FactFilter, iter_facts
from newsmon.query.dates import MAX_DAY, MIN_DAY, parse_day

TEXT = st.text(max_size=40) | st.sampled_from(
    ["0001-01-01", "9999-12-31", "2024-02-30", " 2024-04-15 "]
)
NUMBER = st.none() | st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**30), 10**30)


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_parse_day_gives_a_day_in_range_or_a_named_error(value: str) -> None:
    try:
        day = parse_day(value, "--since")
    except InputError as exc:
        assert "--since" in str(exc)
        return
    assert isinstance(day, date) and MIN_DAY <= day <= MAX_DAY


@given(
    kind=st.none() | st.sampled_from(["akim", "amount", "program", "territory", "x", ""]),
    since=st.none() | st.dates(),
    until=st.none() | st.dates(),
    limit=st.none() | st.integers(-5, 10**9),
    offset=st.integers(-5, 10**9),
    text=st.none() | st.text(max_size=20),
    min_value=NUMBER,
    max_value=NUMBER,
    lang=st.none() | st.sampled_from(["ru", "kk", "en", "xx"]),
)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_fact_filter_answers_or_names_the_problem(
    sqlite_url: str,
    kind: str | None,
    since: date | None,
    until: date | None,
    limit: int | None,
    offset: int,
    text: str | None,
    min_value: float | None,
    max_value: float | None,
    lang: str | None,
) -> None:
    f = FactFilter(
        kind=kind,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
        person=text,
        program=text,
        unit=text,
        min_value=min_value,
        max_value=max_value,
        lang=lang,
    )
    try:
        rows = list(iter_facts(f))
    except InputError as exc:
        assert str(exc)
        return
    assert rows == []  # an empty store: nothing matches, whatever the filter
