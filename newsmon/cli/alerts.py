"""`newsmon alerts`: send the watchlist rules' new hits through their channels."""

from __future__ import annotations

from pathlib import Path

import typer

from newsmon.cli.apps import app
from newsmon.cli.common import console, handle_errors, print_json


@app.command()
@handle_errors
def alerts(
    watchlist: Path = typer.Option(
        Path("watchlist.yaml"), "--watchlist", help="The file with the `alerts:` rules."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would be sent; send and record nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Send each alert rule's new hits, one message per rule and channel; exit 1 when a channel failed.

    Example: newsmon alerts --watchlist watchlist.yaml --dry-run
    """
    from newsmon.alerts import deliver_alerts, load_alerts
    from newsmon.settings import get_settings

    config = load_alerts(watchlist)
    assert config is not None
    report = deliver_alerts(config, get_settings(), dry_run=dry_run)
    if as_json:
        print_json(report.as_dict())
    else:
        for line in report.summary():
            console.print(line, markup=False, soft_wrap=True)
        for batch in report.batches:
            if batch.message is not None:
                typer.echo(f"--- {batch.rule} → {batch.channel}: {batch.message.subject}")
                typer.echo(batch.message.text)
    if report.failed:
        raise typer.Exit(1)
