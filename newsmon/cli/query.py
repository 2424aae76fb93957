"""Commands that read the store: facts (search, akims, programs and export join them)."""

from __future__ import annotations

import typer

from newsmon.cli import app
from newsmon.cli.common import console, handle_errors
from newsmon.output import FORMATS, write_records
from newsmon.query import FactFilter, iter_facts, parse_day

FACT_COLUMNS = ["id", "kind", "article_published", "article_source", "text", "person", "role", "program",
                "value", "unit", "territory_name", "confidence"]


@app.command()
@handle_errors
def facts(
    kind: str = typer.Option(None, "--kind", help="akim, amount, program or territory."),
    since: str = typer.Option(None, "--since", help="First day (YYYY-MM-DD, Asia/Almaty)."),
    until: str = typer.Option(None, "--until", help="Last day, included (YYYY-MM-DD)."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help=f"One of {', '.join(FORMATS)}."),
    limit: int = typer.Option(None, "--limit", help="At most this many facts."),
    offset: int = typer.Option(0, "--offset", help="Skip this many facts first."),
) -> None:
    """List extracted facts (CONTRACT §2), oldest first.

    Example: newsmon facts --kind amount --since 2024-04-15 --until 2024-04-15 --format table
    """
    flt = FactFilter(kind=kind, since=parse_day(since, "--since"), until=parse_day(until, "--until"),
                     limit=limit, offset=offset)
    flt.validate()
    n = write_records(iter_facts(flt), fmt, FACT_COLUMNS)
    if fmt == "table":
        console.print(f"{n} facts", markup=False)
