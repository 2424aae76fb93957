"""Commands of the output stage: digest, coverage, run, schedule, demo."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from newsmon.cli.apps import app
from newsmon.cli.common import console, handle_errors, print_json
from newsmon.query.dates import parse_day


def _say(message: str) -> None:
    console.print(message, markup=False)


def _langs(value: str) -> tuple[str, ...]:
    from newsmon.digest.labels import LANGS
    from newsmon.errors import InputError

    langs = tuple(x.strip() for x in value.split(",") if x.strip())
    bad = [x for x in langs if x not in LANGS]
    if bad or not langs:
        raise InputError(f"--lang takes {' or '.join(LANGS)} (comma-separated), not {value!r}")
    return langs


@app.command()
@handle_errors
def digest(
    day: str = typer.Option(
        None, "--date", help="The day (YYYY-MM-DD, Asia/Almaty); default today."
    ),
    lang: str = typer.Option("ru", "--lang", help="Language of headings and labels: ru or kk."),
    region: str = typer.Option(
        None, "--region", help="Only this territory («ВКО», «Шемонаихинский район»)."
    ),
    fmt: str = typer.Option(
        "md", "--format", "-f", help="md, html, or email (a MIME message, .eml, map inline)."
    ),
    out: Path = typer.Option(
        None, "--out", "-o", help="Write to this file (default: standard output)."
    ),
    watchlist: Path = typer.Option(
        None, "--watchlist", help="Watchlist file (default ./watchlist.yaml if any)."
    ),
    top: int = typer.Option(20, "--top", help="How many stories to list, by significance."),
    full: int = typer.Option(5, "--full", help="How many of them to show in full."),
    send: bool = typer.Option(
        False,
        "--send",
        help="Also send it through the alert channels configured in the environment: the e-mail "
        "form by email, a short note with a link by Telegram and the webhook (README 'Alerts').",
    ),
) -> None:
    """The day's digest: top stories, akims, amounts, programmes, watchlist hits, outlets.

    Example: newsmon digest --date 2024-04-15 --format html --out digest.html
    (--format email --out digest.eml: the e-mail, inline styles and the map as an inline image)
    """
    from newsmon.digest import build_digest, render, write_atomic
    from newsmon.pipeline_run import today
    from newsmon.watchlist import load_watchlist

    when = parse_day(day, "--date") or today()
    wl = load_watchlist(watchlist, required=watchlist is not None)
    built = build_digest(when, lang=lang, region=region, watchlist=wl, top=top, full=full)
    text = render(built, fmt)
    if out is None and not send:
        sys.stdout.write(text)
    elif out is not None:
        _say(f"digest: {write_atomic(out, text)}")
    if send:
        _send_digest(built)


def _send_digest(built: Any) -> None:
    from newsmon.alerts import send_message
    from newsmon.alerts.messages import digest_message
    from newsmon.digest import render_email
    from newsmon.settings import get_settings

    settings = get_settings()
    mail = render_email(built)  # inline styles, the map as a cid: image part
    message = digest_message(
        built.day,
        built.lang,
        mail.html,
        mail.text,
        images=mail.images,
        articles=built.articles,
        stories=len(built.stories) + len(built.brief) + built.more_stories,
        facts=built.fact_count,
        public_url=settings.public_url,
    )
    failed = False
    for channel, error in send_message(message, settings).items():
        _say(f"digest sent by {channel}" if error is None else f"digest NOT sent by {error}")
        failed = failed or error is not None
    if failed:
        raise typer.Exit(1)


@app.command("coverage")
@handle_errors
def coverage_cmd(
    since: str = typer.Option(..., "--since", help="First day (YYYY-MM-DD)."),
    until: str = typer.Option(..., "--until", help="Last day, included (YYYY-MM-DD)."),
    by: str = typer.Option("day", "--by", help="day, source or region."),
    entity: str = typer.Option(
        None, "--entity", help="One watchlist entity (name or any variant)."
    ),
    fmt: str = typer.Option("table", "--format", "-f", help="table or csv."),
    chart: Path = typer.Option(None, "--chart", help="Also draw the counts into this PNG file."),
    watchlist: Path = typer.Option(
        Path("watchlist.yaml"), "--watchlist", help="The watchlist file."
    ),
) -> None:
    """Mentions and share of voice of watchlist entities, Kazakh and Russian counted together.

    Example: newsmon coverage --since 2024-04-12 --until 2024-04-15 --by source --chart coverage.png
    """
    from newsmon.coverage import COLUMNS, FORMATS, coverage, write_chart
    from newsmon.errors import InputError
    from newsmon.output import write_records
    from newsmon.watchlist import load_watchlist

    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    first, last = parse_day(since, "--since"), parse_day(until, "--until")
    assert first is not None and last is not None
    report = coverage(load_watchlist(watchlist), first, last, by, entity)  # type: ignore[arg-type]
    write_records((r.as_dict() for r in report.rows), fmt, COLUMNS)
    if chart is not None:
        _say(f"chart: {write_chart(report, chart)}")


@app.command("run")
@handle_errors
def run_cmd(
    feeds: Path = typer.Option(
        None, "--feeds", help="The feeds file (default: settings, feeds.yaml)."
    ),
    out_dir: Path = typer.Option(Path("digests"), "--out-dir", help="Where the digest files go."),
    lang: str = typer.Option("ru", "--lang", help="Digest language(s): ru, kk or ru,kk."),
    fmt: str = typer.Option("html", "--format", "-f", help="md, html or md,html."),
    no_fetch: bool = typer.Option(
        False, "--no-fetch", help="Skip fetching (extract and digest only)."
    ),
    watchlist: Path = typer.Option(
        None, "--watchlist", help="Watchlist file (default ./watchlist.yaml if any)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
) -> None:
    """Fetch, extract, send alerts and write today's digest, once; exit 1 when a feed failed or all
    are failing, or an alert channel failed.

    Example: newsmon run --lang ru,kk --format html --out-dir digests
    """
    from newsmon.pipeline_run import run_once
    from newsmon.settings import get_settings

    report = run_once(
        feeds_path=feeds or get_settings().feeds,
        out_dir=out_dir,
        langs=_langs(lang),
        formats=tuple(f.strip() for f in fmt.split(",")),
        watchlist_path=watchlist,
        fetch=not no_fetch,
        say=(lambda _m: None) if as_json else _say,
    )
    if as_json:
        print_json(report.as_dict())
    if report.fetch is not None and not report.fetch.ok:
        raise typer.Exit(1)  # the digest is written all the same
    if report.alerts_failed:
        raise typer.Exit(1)  # hits a channel did not take stay pending for the next run


@app.command()
@handle_errors
def schedule(
    feeds: Path = typer.Option(
        None, "--feeds", help="The feeds file (default: settings, feeds.yaml)."
    ),
    every: float = typer.Option(15.0, "--every", help="Fetch every N minutes (fractions allowed)."),
    digest_at: str = typer.Option(
        "20:00", "--digest-at", help="Write the digest daily at HH:MM (Asia/Almaty)."
    ),
    digest_of: str = typer.Option(
        "today", "--digest-of", help="today, or yesterday for a morning digest."
    ),
    digest_now: bool = typer.Option(
        False, "--digest-now", help="Also write a digest right after starting."
    ),
    out_dir: Path = typer.Option(Path("digests"), "--out-dir", help="Where the digest files go."),
    lang: str = typer.Option("ru", "--lang", help="Digest language(s): ru, kk or ru,kk."),
    fmt: str = typer.Option("html", "--format", "-f", help="md, html or md,html."),
    watchlist: Path = typer.Option(
        None, "--watchlist", help="Watchlist file (default ./watchlist.yaml if any)."
    ),
) -> None:
    """Keep running: fetch every N minutes, extract continuously, digest daily; stop with Ctrl-C or SIGTERM.

    Example: newsmon schedule --every 15 --digest-at 08:00 --digest-of yesterday --lang ru,kk
    """
    from newsmon.pipeline_run import ScheduleOptions, parse_clock, run_schedule
    from newsmon.settings import get_settings

    options = ScheduleOptions(
        feeds_path=feeds or get_settings().feeds,
        every_minutes=every,
        digest_at=parse_clock(digest_at),
        digest_of=digest_of,
        digest_on_start=digest_now,
        out_dir=out_dir,
        langs=_langs(lang),
        formats=tuple(f.strip() for f in fmt.split(",")),
        watchlist_path=watchlist,
    )
    run_schedule(options, say=_say)


@app.command()
@handle_errors
def demo(
    db: Path = typer.Option(Path("newsmon-demo.db"), "--db", help="The SQLite file to create."),
    out_dir: Path = typer.Option(
        Path("newsmon-demo"), "--out-dir", help="Where the digests and chart go."
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace --db even when it is not the demo's own file."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Run the whole pipeline offline on the bundled Russian and Kazakh sample; show what it found.

    Example: newsmon demo && xdg-open newsmon-demo/digest-2024-11-20.ru.html
    """
    from newsmon.demo import run_demo

    if not as_json:
        _say("demo: importing the bundled sample, extracting facts, writing digests …")
    report = run_demo(db, out_dir, force=force)
    if as_json:
        print_json(report.as_dict())
        return
    out = typer.echo
    out(
        f"database: {report.db}  ({report.articles} articles: "
        + ", ".join(f"{n} {lg}" for lg, n in sorted(report.articles_by_lang.items()))
        + ")"
    )
    out(
        "facts by kind: "
        + (", ".join(f"{k} {n}" for k, n in sorted(report.facts_by_kind.items())) or "none")
        + "  (by language: "
        + ", ".join(f"{lg} {n}" for lg, n in sorted(report.facts_by_lang.items()))
        + ")"
    )
    out("examples:")
    for f in report.examples:
        what = (
            f.get("person")
            or f.get("program")
            or f.get("raw")
            or (f.get("territory") or {}).get("name")
        )
        out(
            f"  {f['kind']:<9} [{f['article']['lang']}] {what}  ← «{f['text']}» ({f['article']['source']})"
        )
    out(f"stories on {report.day}: {len(report.stories)} with more than one article")
    for s in report.stories:
        out(f"  {len(s['outlets'])} outlets, {'+'.join(s['langs'])}: {s['title']}")
    out("digests:")
    for p in report.digests:
        out(f"  {p}")
    out(f"coverage chart: {report.chart}")
    out(
        f"done in {report.seconds:.1f} s. Explore: NEWSMON_DATABASE_URL=sqlite:///{report.db} newsmon facts --format table"
    )
    if report.extract_failed:
        raise typer.Exit(1)
