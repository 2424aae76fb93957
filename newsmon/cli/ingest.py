"""Commands of the ingestion stage: import, fetch, feeds."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from newsmon.cli.apps import app
from newsmon.cli.common import console, handle_errors, print_json
from newsmon.ingest.feeds import load_feeds
from newsmon.ingest.fetch import FeedHealth, FetchReport, feed_health, fetch_feeds
from newsmon.ingest.importer import ImportReport, import_jsonl
from newsmon.settings import get_settings

FEEDS_OPTION = typer.Option(
    None, "--feeds", help="The feeds file (default: NEWSMON_FEEDS, else feeds.yaml)."
)


@app.command("import")
@handle_errors
def import_(
    file: str = typer.Argument(..., help="JSON Lines file, one article per line; '-' reads stdin."),
    encoding: str = typer.Option(
        "utf-8",
        "--encoding",
        help="The file's encoding (cp1251, kz1048, …); lines that do not decode are skipped.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
) -> None:
    """Import articles from JSON Lines (keys: url, title, text; optional published, source, lang).

    Example: newsmon import articles.jsonl  (a Windows-1251 file: --encoding cp1251)
    """
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        TimeElapsedColumn(),
        console=console,
        disable=quiet or as_json,
        transient=True,
    ) as progress:
        task = progress.add_task("importing")

        def show(r: ImportReport) -> None:
            progress.update(
                task,
                description=f"importing: {r.lines} lines, {r.new} new, {r.duplicates} duplicate",
            )

        settings = get_settings()
        report = import_jsonl(
            file,
            encoding=encoding,
            on_progress=show,
            max_line_bytes=settings.import_max_line_bytes,
            title_dedup_days=settings.title_dedup_days,
        )
    for lineno, why in report.skipped:
        console.print(f"line {lineno}: skipped: {why}", markup=False, soft_wrap=True)
    if as_json:
        print_json(report.as_dict())
    elif not quiet:
        console.print(
            f"import: {report.lines} lines, {report.new} new, {report.duplicates} duplicate, "
            f"{len(report.skipped)} skipped",
            markup=False,
        )
    if not report.ok:
        raise typer.Exit(1)


def _print_fetch_report(report: FetchReport, quiet: bool, as_json: bool) -> None:
    for row in report.rows:
        if row.error:
            console.print(f"{row.name}: error: {row.error}", markup=False, soft_wrap=True)
        elif row.backing_off and not quiet:
            when = _when(row.next_attempt)
            console.print(
                f"{row.name}: not due: failed {row.failures} times in a row, next try {when}; "
                f"last error: {row.last_error}",
                markup=False,
                soft_wrap=True,
            )
        elif row.warnings and not quiet:
            warnings = "; ".join(row.warnings)
            console.print(f"{row.name}: warning: {warnings}", markup=False, soft_wrap=True)
    if as_json:
        print_json(report.as_dict())
    elif not quiet:
        console.print(report.summary(), markup=False, soft_wrap=True)


@app.command("fetch")
@handle_errors
def fetch(
    feeds: Path | None = FEEDS_OPTION,
    feed: str | None = typer.Option(None, "--feed", help="Fetch only this feed, due or not."),
    force: bool = typer.Option(False, "--force", help="Fetch every feed now, due or not."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Fetch the due feeds of feeds.yaml and store their new articles; exit 1 when a feed failed
    (or when every feed is failing and waiting to retry).

    Example: newsmon fetch --feeds feeds.yaml --feed tengrinews-ru
    """
    spec = load_feeds(feeds or get_settings().feeds)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
    )
    with Progress(
        *columns,
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet or as_json or not console.is_terminal,
    ) as progress:
        task = progress.add_task("fetching", total=None)
        report = fetch_feeds(
            spec,
            only=feed,
            force=force,
            on_start=lambda n: progress.update(task, total=n),
            on_feed=lambda r: progress.update(task, advance=1, description=f"{r.name}: {r.status}"),
        )
    _print_fetch_report(report, quiet, as_json)
    if not report.ok:
        raise typer.Exit(1)


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%m-%d %H:%M") if value else "-"


def _health_table(rows: list[FeedHealth]) -> Table:
    table = Table(box=None, pad_edge=False, caption="times are local (month-day hour:minute)")
    table.add_column("name", no_wrap=True, overflow="ellipsis", max_width=24)
    for name in ("lang", "status", "last success"):
        table.add_column(name, no_wrap=True, overflow="ellipsis")
    table.add_column("last error", overflow="fold", min_width=24)
    table.add_column("next attempt", no_wrap=True)
    table.add_column("items", justify="right", no_wrap=True)
    for h in rows:
        error = f"{_when(h.last_error_at)} {h.last_error}" if h.last_error else "-"
        cells = (h.name, h.lang, h.status, _when(h.last_success), error, _when(h.next_attempt))
        # feed names and error texts are never read as markup (they may hold `[` and `]`)
        table.add_row(*(Text(c) for c in cells), str(h.items_total))
    return table


@app.command("feeds")
@handle_errors
def feeds_(
    feeds: Path | None = FEEDS_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per feed and line."),
) -> None:
    """Show each feed's health: last success, last error, next attempt, articles stored.

    Example: newsmon feeds --feeds feeds.yaml
    """
    rows = feed_health(load_feeds(feeds or get_settings().feeds))
    if as_json:
        for h in rows:
            print_json(h.as_dict())
    else:
        Console(highlight=False, soft_wrap=True).print(_health_table(rows))
