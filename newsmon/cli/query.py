"""Commands that read the store: facts, search, akims, programs, export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from newsmon.cli.apps import app
from newsmon.cli.common import console, handle_errors
from newsmon.errors import InputError
from newsmon.output import EXPORT_FORMATS, FORMATS, export_records, write_records
from newsmon.query import (
    ArticleFilter,
    FactFilter,
    akims_directory,
    iter_articles,
    iter_facts,
    parse_day,
    program_summaries,
)
from newsmon.search import SearchQuery
from newsmon.search import search as run_search

FACT_COLUMNS = [
    "id",
    "kind",
    "article_published",
    "article_source",
    "text",
    "person",
    "role",
    "program",
    "value",
    "unit",
    "territory_name",
    "confidence",
]
SEARCH_COLUMNS = ["published", "source", "title", "snippet", "score"]
AKIM_COLUMNS = [
    "territory_name",
    "territory_kato",
    "person",
    "role",
    "since",
    "until",
    "current",
    "appointed",
    "dismissed",
    "previous",
    "articles",
    "person_id",
    "evidence_url",
]
# what `--format table` shows (80 columns); json and csv keep every column
AKIM_TABLE_COLUMNS = ["territory_name", "person", "role", "since", "until", "previous"]
PROGRAM_TABLE_COLUMNS = ["program", "mentions", "totals_text", "territories"]

PROGRAM_COLUMNS = [
    "program",
    "name_kk",
    "mentions",
    "articles",
    "totals_text",
    "first_seen",
    "last_seen",
    "territories",
]

MONEY_UNITS = ("KZT", "USD", "EUR", "RUB")


def _with_text(programme: dict[str, Any]) -> dict[str, Any]:
    """The money totals as the press writes them («2,4 млрд тенге»), one per currency, never summed
    across currencies."""
    from newsmon.digest.labels import format_amount

    totals = programme.get("totals") or {}
    text = "; ".join(format_amount(v, u) for u, v in totals.items() if u in MONEY_UNITS)
    return {**programme, "totals_text": text}


_since = typer.Option(None, "--since", help="First day (YYYY-MM-DD, Asia/Almaty).")
_until = typer.Option(None, "--until", help="Last day, included (YYYY-MM-DD).")
_territory = typer.Option(
    None,
    "--territory",
    "-t",
    help="Unit and everything inside it: «ВКО», «Шемонаиха ауданы», a KATO code.",
)
_source = typer.Option(None, "--source", help="Outlet name, e.g. tengrinews.kz.")
_lang = typer.Option(None, "--lang", help="ru, kk or en.")


def _fmt(default: str) -> Any:  # an OptionInfo, typed Any as typer.Option is: a parameter default
    return typer.Option(default, "--format", "-f", help=f"One of {', '.join(FORMATS)}.")


@app.command()
@handle_errors
def facts(
    kind: str = typer.Option(None, "--kind", help="akim, amount, program or territory."),
    person: str = typer.Option(None, "--person", help="Words of the name, any case: «Сикпаева»."),
    program: str = typer.Option(
        None, "--program", help="Programme name, any case: «Ауыл аманаты»."
    ),
    territory: str = _territory,
    unit: str = typer.Option(None, "--unit", help="KZT, USD, RUB, EUR, %, ha, people, …"),
    min_value: float = typer.Option(None, "--min-value", help="Amounts of at least this value."),
    max_value: float = typer.Option(None, "--max-value", help="Amounts of at most this value."),
    source: str = _source,
    lang: str = _lang,
    since: str = _since,
    until: str = _until,
    fmt: str = _fmt("jsonl"),
    limit: int = typer.Option(None, "--limit", help="At most this many facts."),
    offset: int = typer.Option(0, "--offset", help="Skip this many facts first."),
) -> None:
    """List extracted facts (CONTRACT §2), oldest first.

    Example: newsmon facts --kind amount --program "Ауыл аманаты" --territory ВКО --format table
    """
    flt = FactFilter(
        kind=kind,
        since=parse_day(since, "--since"),
        until=parse_day(until, "--until"),
        limit=limit,
        offset=offset,
        person=person,
        program=program,
        territory=territory,
        unit=unit,
        min_value=min_value,
        max_value=max_value,
        source=source,
        lang=lang,
    )
    flt.validate()
    n = write_records(iter_facts(flt), fmt, FACT_COLUMNS)
    if fmt == "table":
        console.print(f"{n} facts", markup=False)


@app.command()
@handle_errors
def search(
    query: str = typer.Argument(
        ..., help='Words (any inflection), "a phrase", a OR b, -excluded, prefix*.'
    ),
    source: str = _source,
    lang: str = _lang,
    since: str = _since,
    until: str = _until,
    territory: str = _territory,
    fmt: str = _fmt("table"),
    limit: int = typer.Option(20, "--limit", help="At most this many articles."),
    offset: int = typer.Option(0, "--offset", help="Skip this many articles first."),
) -> None:
    """Full-text search of articles, best first, with the matched words in brackets.

    Example: newsmon search "аким паводок" --territory "Атырауская область" --since 2024-04-01
    """
    q = SearchQuery(
        text=query,
        source=source,
        lang=lang,
        since=parse_day(since, "--since"),
        until=parse_day(until, "--until"),
        territory=territory,
        limit=limit,
        offset=offset,
    )
    n = write_records((hit.as_dict() for hit in run_search(q)), fmt, SEARCH_COLUMNS)
    if fmt == "table":
        console.print(f"{n} articles", markup=False)


@app.command()
@handle_errors
def akims(
    territory: str = _territory,
    since: str = _since,
    until: str = _until,
    at: str = typer.Option(None, "--at", help="Who headed each unit on this day (YYYY-MM-DD)."),
    changes: bool = typer.Option(
        False, "--changes", help="Only appointments, dismissals and successions (from --since on)."
    ),
    deputies: bool = typer.Option(False, "--deputies", help="Include deputy akims."),
    fmt: str = _fmt("table"),
) -> None:
    """Akims by unit and period, current heads first: since, until, acting, appointment evidence.

    One row per person and unit period; spellings of one person (Russian and Kazakh letters, case
    forms, initials) are one person, so a new spelling is never an appointment.

    Example: newsmon akims --territory "Шемонаихинский район" --format table
    (also: --territory ШҚО --at 2024-11-19; --changes --since 2024-11-01 --format csv)
    """
    entries = akims_directory(
        territory,
        since=parse_day(since, "--since"),
        until=parse_day(until, "--until"),
        at=parse_day(at, "--at"),
        changes=changes,
        deputies=deputies,
    )
    n = write_records(
        (e.as_dict() for e in entries), fmt, AKIM_COLUMNS, table_columns=AKIM_TABLE_COLUMNS
    )
    if fmt == "table":
        console.print(f"{n} akims", markup=False)


@app.command()
@handle_errors
def programs(
    program: str = typer.Option(None, "--program", help="Only this programme."),
    territory: str = _territory,
    since: str = _since,
    until: str = _until,
    window_days: int = typer.Option(
        None,
        "--window-days",
        help="Same value, currency, programme and unit within "
        "this many days is one announcement, counted once (default: "
        "NEWSMON_ANNOUNCEMENT_WINDOW_DAYS, 14).",
    ),
    fmt: str = _fmt("table"),
) -> None:
    """Programmes: mentions, articles, units, money totals per unit with each announcement counted once.

    Example: newsmon programs --territory ВКО --since 2024-01-01
    """
    rows = program_summaries(
        program,
        territory=territory,
        since=parse_day(since, "--since"),
        until=parse_day(until, "--until"),
        window_days=window_days,
    )
    n = write_records(
        (_with_text(p.as_dict()) for p in rows),
        fmt,
        PROGRAM_COLUMNS,
        table_columns=PROGRAM_TABLE_COLUMNS,
    )
    if fmt == "table":
        console.print(f"{n} programmes", markup=False)


@app.command()
@handle_errors
def export(
    what: str = typer.Argument(..., help="facts or articles."),
    out: Path = typer.Option(..., "--out", "-o", help="File to write (replaced when complete)."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help=f"One of {', '.join(EXPORT_FORMATS)}."),
    kind: str = typer.Option(None, "--kind", help="facts: akim, amount, program or territory."),
    territory: str = _territory,
    source: str = _source,
    lang: str = _lang,
    since: str = _since,
    until: str = _until,
) -> None:
    """Write all facts or articles to a file, streaming (memory stays flat on any database size).

    Example: newsmon export facts --format parquet --out facts.parquet
    """
    days = parse_day(since, "--since"), parse_day(until, "--until")
    if what == "facts":
        records = iter_facts(
            FactFilter(
                kind=kind,
                territory=territory,
                source=source,
                lang=lang,
                since=days[0],
                until=days[1],
            )
        )
    elif what == "articles":
        records = iter_articles(
            ArticleFilter(
                source=source, lang=lang, since=days[0], until=days[1], territory=territory
            )
        )
    else:
        raise InputError(f"nothing called {what!r} to export: use facts or articles")
    n = export_records(records, what, fmt, out)
    console.print(f"export: {n} {what} → {out}", markup=False)
