"""What every router shares: the database session, the app's state (database URL, watchlist, chart
cache), the interface language, paging, the parameter types with their limits, and `FactQuery`, the
one spelling of the fact filter (API, CSV download and facts page).

One blank-handling rule for filters: a value that is empty or only spaces means «any» (HTML forms send
their empty fields); other text values are used with the surrounding spaces stripped.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session

from newsmon import query as q
from newsmon.errors import InputError
from newsmon.store.db import open_session
from newsmon.watchlist import Watchlist, load_watchlist
from newsmon.web.charts import ChartCache
from newsmon.web.i18n import DEFAULT_LANG, LANGS

MAX_LIMIT = 500  # the most rows one API request returns
MAX_OFFSET = 10_000_000
MAX_ID = 2**62
MAX_TEXT = 200  # characters of a name, territory, unit … parameter
MAX_QUERY = 500  # characters of a search query
MAX_VALUE = 1e18  # the largest amount a value filter may name
PAGE_SIZES = (20, 50, 100, 200, 500)  # the page sizes the pages offer


# ---------------------------------------------------------------- request guards and app state
def no_control_chars(request: Request) -> None:
    """NUL and other control characters in a parameter are a 400 (PostgreSQL cannot even compare them)."""
    for key, value in request.query_params.multi_items():
        if any(ord(ch) < 32 and ch not in "\t" for ch in key + value):
            raise InputError(f"parameter {key!r} contains a control character")


def database_url(request: Request) -> str | None:
    """The database the app was created over (None: NEWSMON_DATABASE_URL)."""
    url: str | None = request.app.state.database_url
    return url


def session_dep(request: Request) -> Iterator[Session]:
    """A session on the app's database for one request, closed after it."""
    session = open_session(database_url(request))
    try:
        yield session
    finally:
        session.close()


def chart_cache(request: Request) -> ChartCache:
    """The app's coverage report and chart cache (web/charts.py)."""
    charts: ChartCache = request.app.state.charts
    return charts


def watchlist_path(request: Request) -> FilePath | None:
    path: FilePath | None = request.app.state.watchlist
    return path


def app_watchlist(request: Request, *, required: bool) -> Watchlist | None:
    """The app's watchlist; with `required`, a missing file is an error (coverage needs one)."""
    path = watchlist_path(request)
    return load_watchlist(path, required=required or path is not None)


def ui_lang(request: Request) -> str:
    """The interface language: `?ui=`, else the `ui` cookie, else the default."""
    asked = request.query_params.get("ui") or request.cookies.get("ui")
    return asked if asked in LANGS else DEFAULT_LANG


DB = Annotated[Session, Depends(session_dep)]
DatabaseUrl = Annotated[str | None, Depends(database_url)]
Charts = Annotated[ChartCache, Depends(chart_cache)]
UiLang = Annotated[str, Depends(ui_lang)]


# ---------------------------------------------------------------- parameter types
Text = Annotated[str | None, Query(max_length=MAX_TEXT)]
Day = Annotated[
    str | None,
    Query(max_length=10, description="YYYY-MM-DD (Asia/Almaty)", examples=["2024-11-20"]),
]
Lang = Annotated[Literal["ru", "kk", "en"] | None, Query(description="article language")]
Territory = Annotated[
    str | None,
    Query(
        max_length=MAX_TEXT,
        description="«ВКО», «Шемонаиха ауданы» or a KATO code; includes every unit inside it",
    ),
]
PersonId = Annotated[
    int, Path(ge=1, le=MAX_ID, description="a person's id (`person_id` in /api/v1/akims)")
]
Kato = Annotated[
    str,
    Path(
        min_length=9,
        max_length=9,
        pattern=r"^[0-9]{9}$",
        description="a 9-digit KATO code (imported, or of the built-in core)",
        examples=["636800000"],
    ),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
SortKey = Literal["published", "-published", "-confidence", "-value", "value"]  # query.FACT_SORTS
Sort = Annotated[SortKey, Query()]
FactKind = Literal["akim", "amount", "program", "territory"]


def nonblank(value: str | None) -> str | None:
    """The one blank rule: an empty or all-space text is «any» (None); other texts lose outer spaces."""
    return value.strip() or None if value is not None else None


def page_size(limit: int) -> int:
    """A page's size, one of PAGE_SIZES (InputError otherwise)."""
    if limit not in PAGE_SIZES:
        raise InputError(f"limit must be one of {', '.join(map(str, PAGE_SIZES))}")
    return limit


def parse_day(value: str | None, option: str) -> date | None:
    """A day parameter after the blank rule (None when blank), or InputError."""
    return q.parse_day(nonblank(value), option)


class FactQuery(BaseModel):
    """The fact filter of `newsmon facts` as query parameters (/api/v1/facts, /api/v1/facts.csv, /facts)."""

    model_config = ConfigDict(extra="ignore")

    kind: FactKind | None = Field(None, description="akim, amount, program or territory")
    person: str | None = Field(
        None, max_length=MAX_TEXT, description="a person's name, any case form or language"
    )
    program: str | None = Field(None, max_length=MAX_TEXT, description="a programme's name")
    territory: str | None = Field(
        None,
        max_length=MAX_TEXT,
        description="«ВКО», «Шемонаиха ауданы» or a KATO code; includes every unit inside it",
    )
    unit: str | None = Field(None, max_length=MAX_TEXT, description="KZT, тенге, %, ha …")
    min_value: float | None = Field(
        None, ge=-MAX_VALUE, le=MAX_VALUE, allow_inf_nan=False, description="amounts from"
    )
    max_value: float | None = Field(
        None, ge=-MAX_VALUE, le=MAX_VALUE, allow_inf_nan=False, description="amounts up to"
    )
    source: str | None = Field(None, max_length=MAX_TEXT, description="outlet name or domain")
    lang: Literal["ru", "kk", "en"] | None = Field(None, description="article language")
    since: str | None = Field(
        None, max_length=10, description="YYYY-MM-DD (Asia/Almaty)", examples=["2024-11-20"]
    )
    until: str | None = Field(
        None, max_length=10, description="YYYY-MM-DD (Asia/Almaty)", examples=["2024-11-20"]
    )

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_any(cls, value: Any) -> Any:
        return nonblank(value) if isinstance(value, str) else value

    @field_validator("min_value", "max_value", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        # as people type them into the form: «1,5», «1 000 000»
        if isinstance(value, str):
            value = value.replace(",", ".").replace(" ", "")
            try:
                number = float(value)
            except ValueError:
                return value  # the float field refuses it with its own message
            return number if math.isfinite(number) else value
        return value

    def to_filter(self, *, limit: int | None = None, offset: int = 0) -> q.FactFilter:
        """The library's filter (InputError on bad dates or an inconsistent range)."""
        flt = q.FactFilter(
            kind=self.kind,
            person=self.person,
            program=self.program,
            territory=self.territory,
            unit=self.unit,
            min_value=self.min_value,
            max_value=self.max_value,
            source=self.source,
            lang=self.lang,
            since=q.parse_day(self.since, "since"),
            until=q.parse_day(self.until, "until"),
            limit=limit,
            offset=offset,
        )
        flt.validate()
        return flt


Facts = Annotated[FactQuery, Query()]
