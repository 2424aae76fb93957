"""Server-rendered pages (jinja2, autoescaped): search, article, facts explorer, akims, programmes, digest,
coverage. Interface language: `?ui=ru|kk` (remembered in a cookie); form fields left empty mean «any»."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from newsmon import query as q
from newsmon.digest import render
from newsmon.digest.labels import format_amount, format_number
from newsmon.digest.render import safe_url
from newsmon.pipeline_run import today
from newsmon.search import SearchQuery, search
from newsmon.web import data
from newsmon.web.deps import (
    DB,
    MAX_ID,
    MAX_OFFSET,
    MAX_QUERY,
    MAX_TEXT,
    PAGE_SIZES,
    Charts,
    DatabaseUrl,
    Facts,
    Kato,
    PersonId,
    app_watchlist,
    no_control_chars,
    nonblank,
    page_size,
    parse_day,
    ui_lang,
)
from newsmon.web.i18n import LANGS, labels

TEMPLATES = Path(__file__).resolve().parent / "templates"
Field = Annotated[str | None, Query(max_length=MAX_TEXT)]
PROGRAM_FACTS = 20  # the newest facts a programme's page shows with their evidence

router = APIRouter(include_in_schema=False, dependencies=[Depends(no_control_chars)])


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


# ---------------------------------------------------------------- home: the period's overview
@router.get("/", response_class=HTMLResponse)
def home_page(
    request: Request,
    db: DB,
    charts: Charts,
    period: Field = "today",
    since: Field = None,
    until: Field = None,
) -> Response:
    lang = ui_lang(request)
    ov = data.overview(
        db,
        charts,
        app_watchlist(request, required=False),
        period=nonblank(period) or "today",
        since=nonblank(since),
        until=nonblank(until),
        lang=lang,
    )
    days = {"since": ov.since.isoformat(), "until": ov.until.isoformat(), "ui": lang}

    def link(path: str, **params: Any) -> str:
        """A link to another page over the overview's period (`None` values left out)."""
        merged = {**days, **{k: v for k, v in params.items() if v is not None}}
        return f"{path}?{urlencode(merged)}"

    def map_href(kato: str) -> str:
        return link("/facts", territory=kato)

    # a top-level unit in the interface language (facts carry the Russian name)
    unit_names = {r.kato: r.name for r in ov.regions}
    return page(
        request,
        "home.html",
        ov=ov,
        periods=data.PERIODS,
        link=link,
        map_href=map_href,
        unit_names=unit_names,
        person_ids=q.person_ids_by_name(db, [a.label for a in ov.akims]),
    )


# ---------------------------------------------------------------- search
@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    db: DB,
    q_: Annotated[str | None, Query(alias="q", max_length=MAX_QUERY)] = None,
    source: Field = None,
    lang: Field = None,
    since: Field = None,
    until: Field = None,
    territory: Field = None,
    limit: int = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    hits, facts = [], []
    if nonblank(q_):
        query = SearchQuery(
            text=q_ or "",
            source=nonblank(source),
            lang=nonblank(lang),
            since=parse_day(since, "since"),
            until=parse_day(until, "until"),
            territory=nonblank(territory),
            limit=page_size(limit),
            offset=offset,
        )
        hits = search(query, session=db)
        facts = q.article_facts(db, [h.id for h in hits], limit=200)
        data.mark_evidence(db, facts)
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
    request: Request, db: DB, article_id: Annotated[int, PathParam(ge=1, le=MAX_ID)]
) -> Response:
    article = q.get_article(db, article_id)
    facts = q.article_facts(db, [article_id])
    data.mark_evidence(db, facts)
    pieces = data.highlight(data.stored_text(article), facts)
    return page(request, "article.html", article=article, facts=facts, pieces=pieces)


@router.get("/article", response_class=HTMLResponse)
def article_by_url(
    request: Request, db: DB, url: Annotated[str, Query(max_length=4000)]
) -> Response:
    """The article page of a stored URL (fact objects carry the article's URL, not its id)."""
    article_id = q.article_id_by_url(db, url)
    return RedirectResponse(f"/articles/{article_id}?ui={ui_lang(request)}", status_code=303)


# ---------------------------------------------------------------- facts explorer
@router.get("/facts", response_class=HTMLResponse)
def facts_page(
    request: Request,
    db: DB,
    facts: Facts,
    sort: Field = "-published",
    limit: int = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    sort_key = nonblank(sort) or "-published"  # newest first
    result = data.fact_page(db, facts.to_filter(limit=page_size(limit), offset=offset), sort_key)
    data.mark_evidence(db, result.facts)
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
        sort=sort_key,
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
        nonblank(territory),
        since=parse_day(since, "since"),
        until=parse_day(until, "until"),
        deputies=deputies,
        session=db,
    )
    data.mark_evidence(db, [e.evidence for e in entries if e.evidence], key="fact")
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
        nonblank(program),
        territory=nonblank(territory),
        since=parse_day(since, "since"),
        until=parse_day(until, "until"),
        session=db,
    )
    latest: list[dict[str, Any]] = []
    if nonblank(program) is not None and rows:
        flt = q.FactFilter(
            program=rows[0].program,
            territory=nonblank(territory),
            since=parse_day(since, "since"),
            until=parse_day(until, "until"),
            limit=PROGRAM_FACTS,
        )
        latest = data.fact_page(db, flt, "-published").facts
        data.mark_evidence(db, latest)
    detail = nonblank(program) is not None
    return page(request, "programs.html", rows=rows, detail=detail, latest=latest)


# ---------------------------------------------------------------- a person, a territorial unit
def _names(lang: str, name: str, name_kk: str | None) -> tuple[str, str | None]:
    """The name to show in the interface language first, and the other language's name (or None)."""
    if lang == "kk" and name_kk:
        return name_kk, name if name != name_kk else None
    return name, name_kk if name_kk and name_kk != name else None


@router.get("/persons/{person_id}", response_class=HTMLResponse)
def person_page(request: Request, db: DB, person_id: PersonId) -> Response:
    """Posts held with their dates, and the facts about the person with their evidence marked."""
    profile = data.person(db, person_id)
    shown, other = _names(ui_lang(request), profile.name, profile.name_kk)
    lang = ui_lang(request)

    def unit_name(t: dict[str, Any] | None) -> str:
        return str(
            (t or {}).get("name_kk" if lang == "kk" else "name") or (t or {}).get("name") or ""
        )

    return page(request, "person.html", p=profile, shown=shown, other=other, unit_name=unit_name)


@router.get("/territories/{kato}", response_class=HTMLResponse)
def territory_page(request: Request, db: DB, kato: Kato) -> Response:
    """Who heads the unit now and before, the units inside it, programmes and money, latest facts."""
    profile = data.territory(db, kato)
    shown, other = _names(ui_lang(request), profile.name, profile.name_kk)
    return page(request, "territory.html", t=profile, shown=shown, other=other)


# ---------------------------------------------------------------- digest
@router.get("/digest", response_class=HTMLResponse)
def digest_page(
    request: Request, db: DB, database_url: DatabaseUrl, date: Field = None, region: Field = None
) -> Response:
    day = parse_day(date, "date") or _latest_day(db)
    lang = ui_lang(request)
    view = {"date": day.isoformat(), "lang": lang}
    if nonblank(region):
        view["region"] = nonblank(region) or ""
    # built here too, so that errors show on this page, not in the frame
    data.digest(
        database_url,
        day.isoformat(),
        lang,
        nonblank(region),
        10,
        app_watchlist(request, required=False),
    )
    return page(
        request, "digest.html", day=day.isoformat(), view_url="/digest/view?" + urlencode(view)
    )


@router.get("/digest/view", response_class=HTMLResponse)
def digest_view(
    request: Request,
    database_url: DatabaseUrl,
    date: Annotated[str, Query(max_length=10)],
    lang: Annotated[str, Query(max_length=2)] = "ru",
    region: Field = None,
) -> Response:
    digest = data.digest(
        database_url, date, lang, nonblank(region), 10, app_watchlist(request, required=False)
    )
    return HTMLResponse(render(digest, "html"))


def _latest_day(db: Session) -> date:
    """The day of the newest article (the default of the digest and coverage pages), or today."""
    return data.latest_day(db) or today()


# ---------------------------------------------------------------- coverage
@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(
    request: Request,
    db: DB,
    charts: Charts,
    since: Field = None,
    until: Field = None,
    by: Field = "day",
    entity: Field = None,
) -> Response:
    first, last = data.coverage_period(db, nonblank(since), nonblank(until))
    report = data.coverage_report(
        charts,
        app_watchlist(request, required=True),
        first,
        last,
        nonblank(by) or "day",
        nonblank(entity),
    )
    chart = {"since": first, "until": last, "by": report.by, "lang": ui_lang(request)}
    if report.entity:
        chart["entity"] = report.entity
    return page(
        request,
        "coverage.html",
        report=report,
        since_v=first,
        until_v=last,
        chart_url="/coverage.png?" + urlencode(chart),
    )


@router.get("/coverage.png")
async def coverage_png(
    request: Request,
    charts: Charts,
    since: Annotated[str, Query(max_length=10)],
    until: Annotated[str, Query(max_length=10)],
    by: Field = "day",
    entity: Field = None,
    lang: Annotated[str | None, Query(max_length=2)] = None,
) -> Response:
    """The chart, drawn once per query (until the data change) in the chart pool: this coroutine
    waits without holding a request thread. Its words are in `lang`, else the interface language."""
    words = lang if lang in LANGS else ui_lang(request)

    def start() -> Any:
        first, last = data.coverage_days(since, until)
        watchlist = app_watchlist(request, required=True)
        return charts.chart(watchlist, first, last, nonblank(by) or "day", nonblank(entity), words)

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
    return RedirectResponse("/")
