"""Server-rendered pages (jinja2, autoescaped): search, article, facts explorer, akims, programmes, digest,
coverage. Interface language: `?ui=ru|kk` (remembered in a cookie); form fields left empty mean «any»."""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from newsmon import query as q
from newsmon.digest.labels import format_amount, format_number
from newsmon.digest.render import safe_url
from newsmon.errors import InputError
from newsmon.search import SearchQuery, search
from newsmon.web import api, data
from newsmon.web.i18n import DEFAULT_LANG, LANGS, labels

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE_SIZES = (20, 50, 100, 200, 500)
Field = Annotated[str | None, Query(max_length=api.MAX_TEXT)]

router = APIRouter(include_in_schema=False, dependencies=[Depends(api.no_control_chars)])


@lru_cache(maxsize=1)
def env() -> jinja2.Environment:
    e = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    e.filters["url"] = safe_url
    e.filters["num"] = lambda v, lang="ru": "" if v is None else format_number(v, lang)
    e.filters["amount"] = lambda v, unit, lang="ru": format_amount(v, unit, lang)
    e.filters["day"] = lambda v: (v or "")[:10]
    e.filters["when"] = lambda v: (v or "")[:16].replace("T", " ")
    return e


def ui_lang(request: Request) -> str:
    asked = request.query_params.get("ui") or request.cookies.get("ui")
    return asked if asked in LANGS else DEFAULT_LANG


def local_path(path: str) -> str:
    """`path` as a link to this server: one leading slash, so «//evil.example/x» (or «/\\evil…», which
    browsers read the same) never becomes a protocol-relative link to another host; the rest quoted."""
    return "/" + quote(path.lstrip("/\\"), safe="/-._~!$'()*+,;=:@")


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = ui_lang(request)
    params = defaultdict(str, {k: v for k, v in request.query_params.items() if k != "ui"})
    here = local_path(request.scope.get("path") or "/")

    def switch(to: str) -> str:
        return f"{here}?{urlencode({**params, 'ui': to})}"

    def with_params(**changes: Any) -> str:
        merged = {**params, **{k: v for k, v in changes.items()}}
        return f"{here}?{urlencode({k: v for k, v in merged.items() if v not in (None, '')})}"

    html = (
        env()
        .get_template(template)
        .render(
            L=labels(lang),
            ui=lang,
            langs=LANGS,
            switch=switch,
            with_params=with_params,
            path=request.url.path,
            params=params,
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("ui") in LANGS:
        response.set_cookie("ui", lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return page(request, "error.html", status=status, status_code=status, message=message)


def session_dep(request: Request) -> Any:
    yield from api.session_dep(request)


DB = Annotated[Session, Depends(session_dep)]


def _none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _float(value: str | None, name: str) -> float | None:
    value = _none(value)
    if value is None:
        return None
    try:
        number = float(value.replace(",", ".").replace(" ", ""))
    except ValueError:
        raise InputError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(number) or abs(number) > 1e18:
        raise InputError(f"{name} must be a finite number")
    return number


def _page_size(limit: int) -> int:
    if limit not in PAGE_SIZES:
        raise InputError(f"limit must be one of {', '.join(map(str, PAGE_SIZES))}")
    return limit


# ---------------------------------------------------------------- search
@router.get("/", response_class=HTMLResponse)
@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    db: DB,
    q_: Annotated[str | None, Query(alias="q", max_length=api.MAX_QUERY)] = None,
    source: Field = None,
    lang: Field = None,
    since: Field = None,
    until: Field = None,
    territory: Field = None,
    limit: int = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    hits, facts = [], []
    if _none(q_):
        query = SearchQuery(
            text=q_ or "",
            source=_none(source),
            lang=_none(lang),
            since=q.parse_day(_none(since), "since"),
            until=q.parse_day(_none(until), "until"),
            territory=_none(territory),
            limit=_page_size(limit),
            offset=offset,
        )
        hits = search(query, session=db)
        facts = data.article_facts(db, [h.id for h in hits], limit=200)
    return page(
        request,
        "search.html",
        hits=hits,
        facts=facts,
        q=q_ or "",
        limit=limit,
        offset=offset,
        page_sizes=PAGE_SIZES,
    )


# ---------------------------------------------------------------- article
@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request, db: DB, article_id: Annotated[int, api.Path(ge=1, le=api.MAX_ID)]
) -> Response:
    article = data.get_article(db, article_id)
    facts = data.article_facts(db, [article_id])
    pieces = data.highlight(data.stored_text(article), facts)
    return page(request, "article.html", article=article, facts=facts, pieces=pieces)


@router.get("/article", response_class=HTMLResponse)
def article_by_url(
    request: Request, db: DB, url: Annotated[str, Query(max_length=4000)]
) -> Response:
    """The article page of a stored URL (fact objects carry the article's URL, not its id)."""
    article_id = data.article_id_by_url(db, url)
    return RedirectResponse(f"/articles/{article_id}?ui={ui_lang(request)}", status_code=303)


# ---------------------------------------------------------------- facts explorer
@router.get("/facts", response_class=HTMLResponse)
def facts_page(
    request: Request,
    db: DB,
    kind: Field = None,
    person: Field = None,
    program: Field = None,
    territory: Field = None,
    unit: Field = None,
    min_value: Field = None,
    max_value: Field = None,
    source: Field = None,
    lang: Field = None,
    since: Field = None,
    until: Field = None,
    sort: Field = "published",
    limit: int = 50,
    offset: Annotated[int, Query(ge=0, le=api.MAX_OFFSET)] = 0,
) -> Response:
    flt = q.FactFilter(
        kind=_none(kind),
        person=_none(person),
        program=_none(program),
        territory=_none(territory),
        unit=_none(unit),
        min_value=_float(min_value, "min_value"),
        max_value=_float(max_value, "max_value"),
        source=_none(source),
        lang=_none(lang),
        since=q.parse_day(_none(since), "since"),
        until=q.parse_day(_none(until), "until"),
        limit=_page_size(limit),
        offset=offset,
    )
    result = data.fact_page(db, flt, _none(sort) or "published")
    csv_params = {
        k: v
        for k, v in request.query_params.items()
        if k not in ("ui", "sort", "limit", "offset") and v.strip()
    }
    return page(
        request,
        "facts.html",
        result=result,
        sorts=list(data.SORTS),
        kinds=q.FACT_KINDS,
        page_sizes=PAGE_SIZES,
        sort=_none(sort) or "published",
        limit=limit,
        offset=offset,
        csv_url="/api/v1/facts.csv" + (f"?{urlencode(csv_params)}" if csv_params else ""),
    )


# ---------------------------------------------------------------- akims, programmes
@router.get("/akims", response_class=HTMLResponse)
def akims_page(
    request: Request,
    db: DB,
    territory: Field = None,
    since: Field = None,
    until: Field = None,
    deputies: bool = False,
) -> Response:
    entries = q.akims_directory(
        _none(territory),
        since=q.parse_day(_none(since), "since"),
        until=q.parse_day(_none(until), "until"),
        deputies=deputies,
        session=db,
    )
    return page(request, "akims.html", entries=entries, deputies=deputies)


@router.get("/programs", response_class=HTMLResponse)
def programs_page(
    request: Request,
    db: DB,
    program: Field = None,
    territory: Field = None,
    since: Field = None,
    until: Field = None,
) -> Response:
    rows = q.program_summaries(
        _none(program),
        territory=_none(territory),
        since=q.parse_day(_none(since), "since"),
        until=q.parse_day(_none(until), "until"),
        session=db,
    )
    return page(request, "programs.html", rows=rows, detail=_none(program) is not None)


# ---------------------------------------------------------------- digest
@router.get("/digest", response_class=HTMLResponse)
def digest_page(request: Request, date: Field = None, region: Field = None) -> Response:
    day = q.parse_day(_none(date), "date") or _latest_day(request)
    view = {"date": day.isoformat(), "lang": ui_lang(request)}
    if _none(region):
        view["region"] = _none(region) or ""
    api.build(
        request, day.isoformat(), ui_lang(request), _none(region), 10
    )  # errors show on this page, not in the frame
    return page(
        request, "digest.html", day=day.isoformat(), view_url="/digest/view?" + urlencode(view)
    )


@router.get("/digest/view", response_class=HTMLResponse)
def digest_view(
    request: Request,
    date: Annotated[str, Query(max_length=10)],
    lang: Annotated[str, Query(max_length=2)] = "ru",
    region: Field = None,
) -> Response:
    from newsmon.digest import render

    return HTMLResponse(render(api.build(request, date, lang, _none(region), 10), "html"))


def _latest_day(request: Request) -> Any:
    """The day of the newest article (the digest page's default), or today."""
    import sqlalchemy as sa

    from newsmon.pipeline_run import today

    with api.open_session(request.app.state.database_url) as session:
        newest = session.execute(sa.text("SELECT max(published) FROM article")).scalar_one()
    when = q._as_utc(newest)
    return when.astimezone(q.ALMATY).date() if when else today()


# ---------------------------------------------------------------- coverage
@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(
    request: Request,
    since: Field = None,
    until: Field = None,
    by: Field = "day",
    entity: Field = None,
) -> Response:
    last = q.parse_day(_none(until), "until") or _latest_day(request)
    first = q.parse_day(_none(since), "since") or (last - timedelta(days=6))
    report = api.coverage_report(
        request, first.isoformat(), last.isoformat(), _none(by) or "day", _none(entity)
    )
    chart = {"since": first.isoformat(), "until": last.isoformat(), "by": report.by}
    if report.entity:
        chart["entity"] = report.entity
    return page(
        request,
        "coverage.html",
        report=report,
        since_v=first.isoformat(),
        until_v=last.isoformat(),
        chart_url="/coverage.png?" + urlencode(chart),
    )


@router.get("/coverage.png")
async def coverage_png(
    request: Request,
    since: Annotated[str, Query(max_length=10)],
    until: Annotated[str, Query(max_length=10)],
    by: Field = "day",
    entity: Field = None,
) -> Response:
    """The chart, drawn once per query (until the data change) in the chart pool: this coroutine
    waits without holding a request thread."""

    def start() -> Any:
        first, last = api.coverage_days(since, until)
        watchlist = api.load_watchlist(request, required=True)
        return request.app.state.charts.chart(
            watchlist, first, last, _none(by) or "day", _none(entity)
        )

    png, etag = await asyncio.wrap_future(await run_in_threadpool(start))
    headers = {"cache-control": "max-age=300", "etag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(png, media_type="image/png", headers=headers)


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)


@router.get("/index.html")
def index_redirect() -> RedirectResponse:
    return RedirectResponse("/search")
