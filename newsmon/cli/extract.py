"""Commands of the NLP stage: extract, worker, status, evaluate facts."""

from __future__ import annotations

import json
import sys

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsmon.cli.apps import app, evaluate_app
from newsmon.cli.common import console, handle_errors, print_json
from newsmon.settings import get_settings


@app.command()
@handle_errors
def extract(
    batch_size: int = typer.Option(
        None, "--batch-size", help="Articles per batch (default: settings)."
    ),
    limit: int = typer.Option(None, "--limit", help="Stop after this many articles."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
    redo_all: bool = typer.Option(
        False, "--all", help="Re-extract every article, not only the new or outdated ones."
    ),
    link: bool = typer.Option(
        False,
        "--link",
        help="Only link the stored facts to person, territory and programme rows anew "
        "(facts stored before those rows existed); no extraction.",
    ),
) -> None:
    """Extract facts from the articles the current extractor has not processed yet.

    The extractor version includes digests of the imported KATO and of the programme catalogue, so
    articles are redone after `newsmon gazetteer import` or a catalogue change; --all redoes all.
    Each fact is linked to its person, territory and programme rows as it is stored.

    Example: newsmon extract && newsmon facts --kind akim --format table
    (facts stored by an older newsmon: newsmon extract --link)
    """
    from newsmon.nlp.extract import ExtractReport
    from newsmon.nlp.extract import extract as run_extract
    from newsmon.store.queue import Waiting

    if link:
        from newsmon.nlp.linking import relink
        from newsmon.store.db import open_session

        with open_session() as session:
            linked = relink(session, get_settings().programs_file)
        if as_json:
            print_json(linked.as_dict())
        elif not quiet:
            console.print(
                "extract --link: {facts} facts, {persons} persons, {territories} territories, "
                "{programmes} programmes".format(**linked.as_dict()),
                markup=False,
            )
        return

    with Progress(
        TextColumn("extracting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet or as_json,
        transient=True,
    ) as progress:
        task = progress.add_task("extract", total=None)

        def show(r: ExtractReport) -> None:
            progress.update(task, completed=r.articles, total=r.pending or None)

        def wait(w: Waiting) -> None:
            if not as_json:  # said even with --quiet: a silent wait looks like a hang
                progress.console.print(f"extract: {w.message()}", markup=False, soft_wrap=True)

        report = run_extract(
            get_settings(),
            batch_size=batch_size,
            limit=limit,
            on_progress=show,
            on_wait=wait,
            redo_all=redo_all,
        )
    for art_id, err in report.failed:
        console.print(f"article {art_id}: extraction failed: {err}", markup=False)
    if as_json:
        print_json(report.as_dict())
    elif not quiet:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(report.by_kind.items())) or "none"
        console.print(
            f"extract: {report.articles} articles, {report.facts} facts ({kinds}), "
            f"{len(report.failed)} failed",
            markup=False,
        )
    if report.failed:
        raise typer.Exit(1)


@app.command()
@handle_errors
def worker(
    exit_when_idle: bool = typer.Option(
        False, "--exit-when-idle", help="Exit 0 once no work is left."
    ),
    batch_size: int = typer.Option(None, "--batch-size", help="Articles claimed per batch."),
    lease: float = typer.Option(
        None, "--lease", help="Seconds before an unfinished claim expires."
    ),
    poll: float = typer.Option(
        None, "--poll", help="Seconds between looks for new articles when idle."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    as_json: bool = typer.Option(
        False, "--json", help="One JSON line per committed batch, for scripts."
    ),
    blas_threads: int = typer.Option(
        1,
        "--blas-threads",
        help="Math-library threads (NER); 1 lets workers "
        "share the cores instead of fighting over them.",
    ),
) -> None:
    """Run an extraction worker; start as many as you like against one PostgreSQL database.

    Example: NEWSMON_DATABASE_URL=postgresql://newsmon@db/newsmon newsmon worker --exit-when-idle
    """
    import os
    import signal
    import threading

    # read by OpenBLAS/OpenMP when numpy loads, which happens only below (with the NER models)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(blas_threads))

    from newsmon.nlp.extract import ExtractReport, run_worker
    from newsmon.store.queue import Waiting

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())  # finish the batch in hand, then stop

    def show(r: ExtractReport) -> None:
        if as_json:
            print_json({"committed": r.last_committed, "articles": r.articles, "facts": r.facts})
            sys.stdout.flush()
        elif not quiet:
            console.print(
                f"worker: {r.articles} articles, {r.facts} facts, {len(r.failed)} failed",
                markup=False,
            )

    def wait(w: Waiting) -> None:
        if as_json:
            print_json({"waiting": w.articles, "holders": list(w.holders), "until": w.until})
            sys.stdout.flush()
        elif not quiet:
            console.print(f"worker: {w.message()}", markup=False, soft_wrap=True)

    report = run_worker(
        get_settings(),
        on_wait=wait,
        exit_when_idle=exit_when_idle,
        batch_size=batch_size,
        lease_seconds=lease,
        poll_seconds=poll,
        stop=stop,
        on_progress=show,
    )
    if as_json:
        print_json({"done": True, **report.as_dict()})
    elif not quiet:
        console.print(
            f"worker done: {report.articles} articles, {report.facts} facts, "
            f"{len(report.failed)} failed, {report.lost_claims} claims lost",
            markup=False,
        )


@app.command()
@handle_errors
def status(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Show the extraction queue: depth, leases in flight, failures, throughput.

    Example: newsmon status --json
    """
    from newsmon.nlp.extract import queue_status
    from newsmon.store.db import open_session

    with open_session() as session:
        info = queue_status(session, get_settings())
    if as_json:
        print_json(info)
    else:
        for key, val in info.items():
            typer.echo(f"{key:>28}: {val}")


@evaluate_app.command("facts")
@handle_errors
def evaluate_facts_cmd(
    gold: str = typer.Option(..., "--gold", help="Gold JSONL (../shared/data/gold/GUIDELINE.md)."),
    split: str = typer.Option(
        "all",
        "--split",
        help="tune (rules are written on its errors), check (the "
        "figure that counts: articles no rule was written against) or all.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
    errors: bool = typer.Option(False, "--errors", help="Also list every miss and false alarm."),
) -> None:
    """Score the stored facts against a gold file, per kind (micro P/R/F1).

    Example: newsmon evaluate facts --gold ../shared/data/gold/dev.jsonl --split check
    """
    from newsmon.nlp.evaluate import evaluate_facts

    result = evaluate_facts(gold, split=split)
    if as_json:
        print_json(result.as_dict())
    else:
        table = Table("kind", "gold", "predicted", "correct", "P", "R", "F1")
        for kind, s in result.scores.items():
            table.add_row(
                kind,
                str(s.gold),
                str(s.predicted),
                str(s.correct),
                f"{s.precision:.3f}",
                f"{s.recall:.3f}",
                f"{s.f1:.3f}",
            )
        from rich.console import Console

        Console().print(table)
        if result.missing:
            console.print(
                f"{len(result.missing)} gold articles are not in the database (import them first)",
                markup=False,
            )
    if errors:
        for kind, s in result.scores.items():
            for e in s.errors:
                typer.echo(json.dumps({"kind": kind, **e}, ensure_ascii=False))


@app.command()
@handle_errors
def reindex(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Rebuild the summary tables (per territory, programme, person; each article's territories)
    from the stored facts, in one transaction: after an upgrade, or to check them.

    Example: newsmon reindex --json
    """
    from newsmon.store.db import get_engine
    from newsmon.store.summary import rebuild

    with get_engine().begin() as conn:
        counts = rebuild(conn)
    if as_json:
        print_json(counts)
    else:
        for table, n in counts.items():
            typer.echo(f"{table:>24}: {n} rows")
