"""JSON API under /api/v1, mirroring the CLI's queries (facts, search, akims, programs, articles, digest,
coverage). Facts are exactly CONTRACT §2 objects; every list is bounded (limit ≤ MAX_LIMIT)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from newsmon import query as q
from newsmon.errors import InputError
from newsmon.search import SearchQuery, search
from newsmon.store.db import open_session
from newsmon.web import data

MAX_LIMIT = 500  # the most rows one request returns
MAX_OFFSET = 10_000_000
MAX_ID = 2**62
MAX_TEXT = 200  # characters of a name, territory, unit … parameter
MAX_QUERY = 500  # characters of a search query


def no_control_chars(request: Request) -> None:
    """NUL and other control characters in a parameter are a 400 (PostgreSQL cannot even compare them)."""
    for key, value in request.query_params.multi_items():
        if any(ord(ch) < 32 and ch not in "\t" for ch in key + value):
            raise InputError(f"parameter {key!r} contains a control character")


router = APIRouter(prefix="/api/v1", tags=["api"], dependencies=[Depends(no_control_chars)])


def session_dep(request: Request) -> Iterator[Session]:
    session = open_session(request.app.state.database_url)
    try:
        yield session
    finally:
        session.close()


DB = Annotated[Session, Depends(session_dep)]
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
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Value = Annotated[float | None, Query(allow_inf_nan=False, ge=-1e18, le=1e18)]
Kind = Annotated[Literal["akim", "amount", "program", "territory"] | None, Query()]
Sort = Annotated[Literal["published", "-published", "-confidence", "-value", "value"], Query()]


def fact_filter(
    kind: Kind = None,
    person: Text = None,
    program: Text = None,
    territory: Territory = None,
    unit: Text = None,
    min_value: Value = None,
    max_value: Value = None,
    source: Text = None,
    lang: Lang = None,
    since: Day = None,
    until: Day = None,
    limit: int | None = None,
    offset: int = 0,
) -> q.FactFilter:
    """The CLI's `newsmon facts` filter from query parameters (InputError on bad values)."""
    flt = q.FactFilter(
        kind=kind,
        person=person or None,
        program=program or None,
        territory=territory or None,
        unit=unit or None,
        min_value=min_value,
        max_value=max_value,
        source=source or None,
        lang=lang,
        since=q.parse_day(since or None, "since"),
        until=q.parse_day(until or None, "until"),
        limit=limit,
        offset=offset,
    )
    flt.validate()
    return flt


@router.get("/facts", summary="Facts (CONTRACT §2), like `newsmon facts`")
def api_facts(
    db: DB,
    kind: Kind = None,
    person: Text = None,
    program: Text = None,
    territory: Territory = None,
    unit: Text = None,
    min_value: Value = None,
    max_value: Value = None,
    source: Text = None,
    lang: Lang = None,
    since: Day = None,
    until: Day = None,
    sort: Sort = "published",
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """A page of facts: `{"facts": [...], "offset", "limit", "next_offset"}` (null when this is the last page)."""
    flt = fact_filter(
        kind,
        person,
        program,
        territory,
        unit,
        min_value,
        max_value,
        source,
        lang,
        since,
        until,
        limit,
        offset,
    )
    return data.fact_page(db, flt, sort).as_dict()


@router.get(
    "/facts.csv",
    summary="Facts as CSV (the columns of `newsmon export facts --format csv`)",
    response_class=StreamingResponse,
)
def api_facts_csv(
    request: Request,
    kind: Kind = None,
    person: Text = None,
    program: Text = None,
    territory: Territory = None,
    unit: Text = None,
    min_value: Value = None,
    max_value: Value = None,
    source: Text = None,
    lang: Lang = None,
    since: Day = None,
    until: Day = None,
) -> StreamingResponse:
    """Every matching fact, oldest first, at most data.CSV_MAX_ROWS, streamed."""
    flt = fact_filter(
        kind,
        person,
        program,
        territory,
        unit,
        min_value,
        max_value,
        source,
        lang,
        since,
        until,
        data.CSV_MAX_ROWS,
        0,
    )
    facts = q.iter_facts(flt, database_url=request.app.state.database_url)
    first = list(itertools.islice(facts, 1))  # a bad filter fails here, before any byte is sent
    return StreamingResponse(
        data.csv_lines(itertools.chain(first, facts)),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="facts.csv"'},
    )


@router.get("/facts/{fact_id}", summary="One fact (CONTRACT §2)")
def api_fact(db: DB, fact_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> dict[str, Any]:
    return data.get_fact(db, fact_id)


@router.get("/search", summary="Full-text search of articles, like `newsmon search`")
def api_search(
    db: DB,
    q_: Annotated[
        str,
        Query(
            alias="q",
            min_length=1,
            max_length=MAX_QUERY,
            description='words, "a phrase", a OR b, -word, prefix*',
        ),
    ],
    source: Text = None,
    lang: Lang = None,
    since: Day = None,
    until: Day = None,
    territory: Territory = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Articles best first; `snippet` marks matched words with [brackets], `highlights` are their offsets."""
    query = SearchQuery(
        text=q_,
        source=source or None,
        lang=lang,
        since=q.parse_day(since or None, "since"),
        until=q.parse_day(until or None, "until"),
        territory=territory or None,
        limit=limit,
        offset=offset,
    )
    hits = search(query, session=db)
    return {
        "hits": [h.as_dict() for h in hits],
        "offset": offset,
        "limit": limit,
        "next_offset": offset + limit if len(hits) == limit else None,
    }


@router.get("/akims", summary="Akims directory, like `newsmon akims`")
def api_akims(
    db: DB,
    territory: Territory = None,
    since: Day = None,
    until: Day = None,
    deputies: bool = False,
) -> dict[str, Any]:
    entries = q.akims_directory(
        territory or None,
        since=q.parse_day(since or None, "since"),
        until=q.parse_day(until or None, "until"),
        deputies=deputies,
        session=db,
    )
    return {"akims": [e.as_dict() for e in entries]}


@router.get("/programs", summary="Programmes with totals, like `newsmon programs`")
def api_programs(
    db: DB,
    program: Text = None,
    territory: Territory = None,
    since: Day = None,
    until: Day = None,
    window_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
) -> dict[str, Any]:
    rows = q.program_summaries(
        program or None,
        territory=territory or None,
        since=q.parse_day(since or None, "since"),
        until=q.parse_day(until or None, "until"),
        window_days=window_days,
        session=db,
    )
    return {"programs": [p.as_dict() for p in rows]}


@router.get("/articles", summary="Articles, oldest first, like `newsmon export articles`")
def api_articles(
    db: DB,
    source: Text = None,
    lang: Lang = None,
    since: Day = None,
    until: Day = None,
    territory: Territory = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    flt = q.ArticleFilter(
        source=source or None,
        lang=lang,
        since=q.parse_day(since or None, "since"),
        until=q.parse_day(until or None, "until"),
        territory=territory or None,
        limit=limit + 1,
        offset=offset,
    )
    rows = list(q.iter_articles(flt, session=db))
    return {
        "articles": rows[:limit],
        "offset": offset,
        "limit": limit,
        "next_offset": offset + limit if len(rows) > limit else None,
    }


@router.get("/articles/{article_id}", summary="One article with its facts")
def api_article(db: DB, article_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> dict[str, Any]:
    article = data.get_article(db, article_id)
    return {"article": article, "facts": data.article_facts(db, [article_id])}


@router.get("/digest", summary="The day's digest as data, like `newsmon digest`")
def api_digest(
    request: Request,
    date_: Annotated[
        str, Query(alias="date", max_length=10, description="YYYY-MM-DD", examples=["2024-11-20"])
    ],
    lang: Literal["ru", "kk"] = "ru",
    region: Territory = None,
    top: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Any:
    digest = build(request, date_, lang, region, top)
    return jsonable_encoder(asdict(digest))


def build(request: Request, day: str, lang: str, region: str | None, top: int) -> Any:
    """The digest of `day` (shared by the API and the pages)."""
    from newsmon.digest import build_digest

    when = q.parse_day(day, "date")
    assert when is not None
    return build_digest(
        when,
        lang=lang,
        region=region or None,
        watchlist=load_watchlist(request, required=False),
        top=top,
        database_url=request.app.state.database_url,
    )


def load_watchlist(request: Request, *, required: bool) -> Any:
    from newsmon.watchlist import load_watchlist as load

    path = request.app.state.watchlist
    return load(path, required=required or path is not None)


@router.get(
    "/coverage",
    summary="Mentions and share of voice of watchlist entities, like `newsmon coverage`",
)
def api_coverage(
    request: Request,
    since: Annotated[str, Query(max_length=10)],
    until: Annotated[str, Query(max_length=10)],
    by: Literal["day", "source", "region"] = "day",
    entity: Text = None,
) -> dict[str, Any]:
    report = coverage_report(request, since, until, by, entity)
    return {
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "by": report.by,
        "entity": report.entity,
        "articles": report.articles,
        "rows": [r.as_dict() for r in report.rows],
    }


MAX_COVERAGE_DAYS = 366


def coverage_days(since: str, until: str) -> tuple[Any, Any]:
    """The period of a coverage query, checked (InputError)."""
    first, last = q.parse_day(since, "since"), q.parse_day(until, "until")
    assert first is not None and last is not None
    if first <= last and (last - first).days > MAX_COVERAGE_DAYS:
        raise InputError(f"the period is longer than {MAX_COVERAGE_DAYS} days")
    return first, last


def coverage_report(request: Request, since: str, until: str, by: str, entity: str | None) -> Any:
    """The coverage report (cached per query until the stored data change: web/charts.py)."""
    first, last = coverage_days(since, until)
    return request.app.state.charts.report(
        load_watchlist(request, required=True), first, last, by, entity or None
    )
