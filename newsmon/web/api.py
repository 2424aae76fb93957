"""JSON API under /api/v1, mirroring the CLI's queries (facts, search, akims, programs, articles, digest,
coverage). Facts are exactly CONTRACT §2 objects; every list is bounded (limit ≤ MAX_LIMIT)."""

from __future__ import annotations

import itertools
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse

from newsmon import query as q
from newsmon.search import SearchQuery, search
from newsmon.web import data, models
from newsmon.web.deps import (
    DB,
    MAX_ID,
    MAX_QUERY,
    Charts,
    DatabaseUrl,
    Day,
    Facts,
    Kato,
    Lang,
    Limit,
    Offset,
    PersonId,
    Sort,
    Territory,
    Text,
    app_watchlist,
    no_control_chars,
    parse_day,
)

# Answers are validated against newsmon/web/models.py and written with exclude_unset: a key is there
# exactly when the library wrote it (FastAPI writes them with pydantic's JSON serializer, as it did for
# the dict[str, Any] answers before the models).
# every error is an ApiError (app.py writes them), documented here for every endpoint
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": models.ApiError,
        "description": "a bad value (an unknown kind, a malformed date)",
    },
    404: {"model": models.ApiError, "description": "an unknown territory, source or id"},
    422: {"model": models.ApiError, "description": "a parameter of the wrong type or range"},
    503: {"model": models.ApiError, "description": "the database or the chart pool is busy"},
}
router = APIRouter(
    prefix="/api/v1",
    tags=["api"],
    dependencies=[Depends(no_control_chars)],
    responses=ERRORS,
)
EXACT: dict[str, Any] = {"response_model_exclude_unset": True}


@router.get(
    "/facts",
    summary="Facts (CONTRACT §2), like `newsmon facts`",
    response_model=models.FactPage,
    **EXACT,
)
def api_facts(
    db: DB,
    facts: Facts,
    sort: Sort = "published",
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """A page of facts: `{"facts": [...], "offset", "limit", "next_offset"}` (null when this is the last page)."""
    return data.fact_page(db, facts.to_filter(limit=limit, offset=offset), sort).as_dict()


@router.get(
    "/facts.csv",
    summary="Facts as CSV (the columns of `newsmon export facts --format csv`)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def api_facts_csv(
    database_url: DatabaseUrl,
    facts: Facts,
    excel: Annotated[
        bool,
        Query(description="start with a UTF-8 byte order mark, so Excel reads Cyrillic right"),
    ] = False,
    sep: Annotated[
        Literal[",", ";"],
        Query(description="field separator (Excel in a Russian or Kazakh locale expects ;)"),
    ] = ",",
) -> StreamingResponse:
    """Every matching fact, oldest first, at most data.CSV_MAX_ROWS, streamed."""
    rows = q.iter_facts(facts.to_filter(limit=data.CSV_MAX_ROWS), database_url=database_url)
    first = list(itertools.islice(rows, 1))  # a bad filter fails here, before any byte is sent
    return StreamingResponse(
        data.csv_lines(itertools.chain(first, rows), bom=excel, delimiter=sep),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="facts.csv"'},
    )


@router.get(
    "/facts/{fact_id}", summary="One fact (CONTRACT §2)", response_model=models.Fact, **EXACT
)
def api_fact(db: DB, fact_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> dict[str, Any]:
    return data.get_fact(db, fact_id)


@router.get(
    "/search",
    summary="Full-text search of articles, like `newsmon search`",
    response_model=models.SearchPage,
    **EXACT,
)
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
        since=parse_day(since, "since"),
        until=parse_day(until, "until"),
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


@router.get(
    "/akims",
    summary="Akims directory, like `newsmon akims`",
    response_model=models.AkimList,
    **EXACT,
)
def api_akims(
    db: DB,
    territory: Territory = None,
    since: Day = None,
    until: Day = None,
    deputies: bool = False,
) -> dict[str, Any]:
    entries = q.akims_directory(
        territory or None,
        since=parse_day(since, "since"),
        until=parse_day(until, "until"),
        deputies=deputies,
        session=db,
    )
    return {"akims": [e.as_dict() for e in entries]}


@router.get(
    "/persons/{person_id}",
    summary="One person: posts held with dates, facts (the page /persons/{id})",
    response_model=models.PersonProfile,
    **EXACT,
)
def api_person(db: DB, person_id: PersonId) -> dict[str, Any]:
    """The ids are those of `person_id` in /api/v1/akims (and of the links on the pages)."""
    return q.person_profile(person_id, session=db).as_dict()


@router.get(
    "/territories/{kato}",
    summary="One territorial unit: akims now and before, child units, programmes, latest facts",
    response_model=models.TerritoryProfile,
    **EXACT,
)
def api_territory(db: DB, kato: Kato) -> dict[str, Any]:
    """A unit of the imported KATO classifier, or of the built-in core before any import."""
    return q.territory_profile(kato, session=db).as_dict()


@router.get(
    "/programs",
    summary="Programmes with totals, like `newsmon programs`",
    response_model=models.ProgramList,
    **EXACT,
)
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
        since=parse_day(since, "since"),
        until=parse_day(until, "until"),
        window_days=window_days,
        session=db,
    )
    return {"programs": [p.as_dict() for p in rows]}


@router.get(
    "/articles",
    summary="Articles, oldest first, like `newsmon export articles`",
    response_model=models.ArticlePage,
    **EXACT,
)
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
        since=parse_day(since, "since"),
        until=parse_day(until, "until"),
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


@router.get(
    "/articles/{article_id}",
    summary="One article with its facts",
    response_model=models.ArticleWithFacts,
    **EXACT,
)
def api_article(db: DB, article_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> dict[str, Any]:
    article = q.get_article(db, article_id)
    return {"article": article, "facts": q.article_facts(db, [article_id])}


@router.get(
    "/overview",
    summary="The home page's overview of a period (today, 7d, 30d or custom since/until)",
    response_model=models.Overview,
    **EXACT,
)
def api_overview(
    request: Request,
    db: DB,
    charts: Charts,
    period: Literal["today", "7d", "30d", "custom"] = "today",
    since: Day = None,
    until: Day = None,
    lang: Literal["ru", "kk"] = "ru",
) -> Any:
    ov = data.overview(
        db,
        charts,
        app_watchlist(request, required=False),
        period=period,
        since=since or None,
        until=until or None,
        lang=lang,
    )
    fills = {c.unit.kato: c.fill for c in ov.region_map.cells}
    return jsonable_encoder(
        {
            "period": ov.period,
            "since": ov.since,
            "until": ov.until,
            "anchor_is_today": ov.anchor_is_today,
            "facts_by_kind": ov.facts_by_kind,
            "akims": [asdict(a) for a in ov.akims],
            "regions": [{**asdict(r), "fill": fills[r.kato]} for r in ov.regions],
            "territories": [t.as_dict() for t in ov.territories],
            "programs": [p.as_dict() for p in ov.programs],
            "amounts": ov.amounts,
            "watch": None if ov.watch is None else [asdict(w) for w in ov.watch],
        }
    )


@router.get(
    "/digest",
    summary="The day's digest as data, like `newsmon digest`",
    response_model=models.Digest,
    **EXACT,
)
def api_digest(
    request: Request,
    database_url: DatabaseUrl,
    date_: Annotated[
        str, Query(alias="date", max_length=10, description="YYYY-MM-DD", examples=["2024-11-20"])
    ],
    lang: Literal["ru", "kk"] = "ru",
    region: Territory = None,
    top: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Any:
    digest = data.digest(
        database_url,
        date_,
        lang,
        region or None,
        top,
        app_watchlist(request, required=False),
    )
    return jsonable_encoder(asdict(digest))


@router.get(
    "/coverage",
    summary="Mentions and share of voice of watchlist entities, like `newsmon coverage`",
    response_model=models.Coverage,
    **EXACT,
)
def api_coverage(
    request: Request,
    db: DB,
    charts: Charts,
    since: Annotated[
        str | None,
        Query(max_length=10, description="YYYY-MM-DD; default: 30 days up to `until`"),
    ] = None,
    until: Annotated[
        str | None,
        Query(max_length=10, description="YYYY-MM-DD; default: the day of the newest article"),
    ] = None,
    by: Literal["day", "source", "region"] = "day",
    entity: Text = None,
) -> dict[str, Any]:
    since, until = data.coverage_period(db, since, until)
    report = data.coverage_report(
        charts, app_watchlist(request, required=True), since, until, by, entity or None
    )
    return {
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "by": report.by,
        "entity": report.entity,
        "articles": report.articles,
        "rows": [r.as_dict() for r in report.rows],
    }
