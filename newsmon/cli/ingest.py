"""Commands of the ingestion stage: import (fetch and feeds live beside it)."""

from __future__ import annotations

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from newsmon.cli import app
from newsmon.cli.common import console, handle_errors, print_json
from newsmon.ingest.importer import ImportReport, import_jsonl


@app.command("import")
@handle_errors
def import_(
    file: str = typer.Argument(..., help="JSON Lines file, one article per line; '-' reads stdin."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
) -> None:
    """Import articles from JSON Lines (keys: url, title, text; optional published, source, lang).

    Example: newsmon import articles.jsonl
    """
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=console, disable=quiet or as_json, transient=True,
    ) as progress:
        task = progress.add_task("importing")

        def show(r: ImportReport) -> None:
            progress.update(task, description=f"importing: {r.lines} lines, {r.new} new, {r.duplicates} duplicate")

        report = import_jsonl(file, on_progress=show)
    for lineno, why in report.skipped:
        console.print(f"line {lineno}: skipped: {why}", markup=False)
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
