"""`newsmon run` (fetch → extract → alerts → today's digest, once) and `newsmon schedule` (the same, kept running).

The schedule is an APScheduler BackgroundScheduler: fetch every N minutes, alerts on the same interval,
the digest daily at a set time (Asia/Almaty), and an extraction worker thread that picks up new
articles as they are stored.
SIGINT or SIGTERM stops it cleanly: no new job starts, the running fetch finishes its feeds, the worker
finishes its batch, and the scheduler waits for both. Nothing is half-written at any moment anyway:
each feed and each extraction batch is one transaction, and a digest file is written to a temporary
file and renamed into place.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from newsmon.errors import InputError
from newsmon.query.dates import ALMATY
from newsmon.settings import get_settings

log = logging.getLogger(__name__)
Say = Callable[[str], None]


def today() -> date:
    return datetime.now(ALMATY).date()


def digest_path(out_dir: Path | str, day: date, lang: str, fmt: str) -> Path:
    """Where run and schedule put a digest: OUT/digest-2024-11-20.ru.html (the e-mail form: .eml)."""
    ext = "eml" if fmt == "email" else fmt
    return Path(out_dir) / f"digest-{day.isoformat()}.{lang}.{ext}"


def write_digests(
    day: date,
    out_dir: Path | str,
    *,
    langs: Sequence[str] = ("ru",),
    formats: Sequence[str] = ("html",),
    region: str | None = None,
    watchlist_path: Path | str | None = None,
    database_url: str | None = None,
) -> list[Path]:
    """Build the day's digest once and write it in every language and format (atomically)."""
    from newsmon.digest import build_digest, render, write_atomic
    from newsmon.watchlist import load_watchlist

    watchlist = load_watchlist(watchlist_path, required=watchlist_path is not None)
    paths = []
    for lang in langs:
        digest = build_digest(
            day, lang=lang, region=region, watchlist=watchlist, database_url=database_url
        )
        for fmt in formats:
            paths.append(write_atomic(digest_path(out_dir, day, lang, fmt), render(digest, fmt)))
    return paths


@dataclass
class RunReport:
    day: date
    fetch: Any = None  # newsmon.ingest.fetch.FetchReport, None when skipped
    extract: Any = None  # newsmon.nlp.extract.ExtractReport
    digests: list[Path] = field(default_factory=list)
    alerts: Any = None  # newsmon.alerts.AlertReport, None when no rules
    alerts_error: str | None = (
        None  # the alerts could not run at all (a bad rule file, a channel unset)
    )

    @property
    def alerts_failed(self) -> bool:
        return self.alerts_error is not None or (self.alerts is not None and self.alerts.failed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "fetch": self.fetch.as_dict() if self.fetch is not None else None,
            "extract": self.extract.as_dict() if self.extract is not None else None,
            "digests": [str(p) for p in self.digests],
            "alerts": self.alerts.as_dict() if self.alerts is not None else None,
            "alerts_error": self.alerts_error,
        }


def send_alerts(
    watchlist_path: Path | str | None, database_url: str | None, say: Say
) -> tuple[Any, str | None]:
    """The watchlist's alert rules delivered (see newsmon.alerts): (report or None, error or None).

    A missing default watchlist means no alerts; an error is reported, never raised, so the run's
    other work stands.
    """
    from newsmon.alerts import deliver_alerts, load_alerts
    from newsmon.errors import NewsmonError
    from newsmon.settings import get_settings

    try:
        config = load_alerts(watchlist_path, required=watchlist_path is not None)
        if config is None or not config.rules:
            return None, None
        report = deliver_alerts(config, get_settings(), database_url=database_url)
    except NewsmonError as exc:
        say(f"alerts failed: {exc}")
        return None, str(exc)
    for line in report.summary():
        say(line)
    return report, None


def _fetch(feeds_path: Path | str, database_url: str | None) -> Any:
    from newsmon.ingest.feeds import load_feeds
    from newsmon.ingest.fetch import fetch_feeds

    return fetch_feeds(load_feeds(feeds_path), database_url=database_url)


def run_once(
    *,
    feeds_path: Path | str = "feeds.yaml",
    out_dir: Path | str = "digests",
    day: date | None = None,
    langs: Sequence[str] = ("ru",),
    formats: Sequence[str] = ("html",),
    watchlist_path: Path | str | None = None,
    database_url: str | None = None,
    fetch: bool = True,
    alerts: bool = True,
    say: Say | None = None,
) -> RunReport:
    """Fetch every due feed, extract what is new, send the alert rules' new hits, write the day's
    digest (default: today)."""
    from newsmon.nlp.extract import extract

    say = say or log.info
    report = RunReport(day=day or today())
    if fetch:
        report.fetch = _fetch(feeds_path, database_url)
        say(report.fetch.summary())
    report.extract = extract(get_settings(), database_url)
    say(f"extract: {report.extract.articles} articles, {report.extract.facts} facts")
    if alerts:
        report.alerts, report.alerts_error = send_alerts(watchlist_path, database_url, say)
    report.digests = write_digests(
        report.day,
        out_dir,
        langs=langs,
        formats=formats,
        watchlist_path=watchlist_path,
        database_url=database_url,
    )
    for path in report.digests:
        say(f"digest: {path}")
    return report


def parse_clock(value: str) -> time:
    """HH:MM (24-hour), or InputError."""
    try:
        hh, mm = value.strip().split(":")
        return time(int(hh), int(mm))
    except ValueError:
        raise InputError(f"--digest-at must be a time as HH:MM, not {value!r}") from None


@dataclass
class ScheduleOptions:
    feeds_path: Path = Path("feeds.yaml")
    every_minutes: float = 15.0
    digest_at: time = time(20, 0)
    digest_of: str = "today"  # or "yesterday": a morning digest of the day before
    digest_on_start: bool = False
    out_dir: Path = Path("digests")
    langs: tuple[str, ...] = ("ru",)
    formats: tuple[str, ...] = ("html",)
    watchlist_path: Path | None = None
    database_url: str | None = None
    worker_poll_seconds: float | None = None

    def validate(self) -> None:
        if self.every_minutes <= 0:
            raise InputError("--every must be a positive number of minutes")
        if self.digest_of not in ("today", "yesterday"):
            raise InputError("--digest-of must be today or yesterday")


class Service:
    """The long-running pipeline. `start()`, then `wait()` until a signal or `stop()`."""

    def __init__(self, options: ScheduleOptions, say: Say | None = None) -> None:
        options.validate()
        self.options = options
        self.say = say or log.info
        self.stopping = threading.Event()
        self.scheduler: Any = None
        self.worker: threading.Thread | None = None
        self._signals = 0

    # jobs ---------------------------------------------------------------------------------------
    def fetch_job(self) -> None:
        if self.stopping.is_set():
            return
        try:
            report = _fetch(self.options.feeds_path, self.options.database_url)
            if report.feeds_not_due < len(
                report.rows
            ):  # quiet when every feed is waiting for its turn
                self.say(report.summary())
        except Exception as exc:
            # one failed run must not end the service; the next one retries
            log.exception("fetch failed")
            self.say(f"fetch failed: {type(exc).__name__}: {exc}")

    def digest_job(self) -> None:
        day = today() - timedelta(days=1 if self.options.digest_of == "yesterday" else 0)
        try:
            paths = write_digests(
                day,
                self.options.out_dir,
                langs=self.options.langs,
                formats=self.options.formats,
                watchlist_path=self.options.watchlist_path,
                database_url=self.options.database_url,
            )
            for p in paths:
                self.say(f"digest: {p}")
        except Exception as exc:
            # tomorrow's digest still runs
            log.exception("digest failed")
            self.say(f"digest failed: {type(exc).__name__}: {exc}")

    def alerts_job(self) -> None:
        if self.stopping.is_set():
            return
        report, error = send_alerts(
            self.options.watchlist_path, self.options.database_url, lambda _m: None
        )
        # quiet when nothing was due; failures always said (the hits wait for the next run)
        if report is not None and (report.failed or any(b.pending for b in report.batches)):
            for line in report.summary():
                self.say(line)
        elif error is not None:
            self.say(f"alerts failed: {error}")

    def extract_loop(self) -> None:
        from newsmon.nlp.extract import run_worker

        def progress(r: Any) -> None:
            self.say(f"extract: {r.articles} articles, {r.facts} facts so far")

        while not self.stopping.is_set():
            try:
                run_worker(
                    get_settings(),
                    self.options.database_url,
                    exit_when_idle=False,
                    stop=self.stopping,
                    poll_seconds=self.options.worker_poll_seconds,
                    on_progress=progress,
                )
            except Exception as exc:
                # the worker restarts after a pause
                log.exception("extraction failed")
                self.say(f"extract failed: {type(exc).__name__}: {exc}")
                self.stopping.wait(30)

    # life cycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        from newsmon.ingest.feeds import load_feeds

        load_feeds(self.options.feeds_path)  # a broken feeds file stops us here, not in a job
        opts = self.options
        sched = BackgroundScheduler(
            timezone=ALMATY,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        )
        sched.add_job(
            self.fetch_job,
            IntervalTrigger(seconds=opts.every_minutes * 60, timezone=ALMATY),
            id="fetch",
            next_run_time=datetime.now(ALMATY),
        )
        sched.add_job(
            self.digest_job,
            CronTrigger(hour=opts.digest_at.hour, minute=opts.digest_at.minute, timezone=ALMATY),
            id="digest",
        )
        # alerts on the fetch interval, a little after each fetch, once the worker extracted its articles
        sched.add_job(
            self.alerts_job,
            IntervalTrigger(seconds=opts.every_minutes * 60, timezone=ALMATY),
            id="alerts",
            next_run_time=datetime.now(ALMATY)
            + timedelta(seconds=min(60.0, opts.every_minutes * 30)),
        )
        if opts.digest_on_start:
            sched.add_job(
                self.digest_job,
                id="digest-now",
                next_run_time=datetime.now(ALMATY) + timedelta(seconds=1),
            )
        self.scheduler = sched
        self.worker = threading.Thread(target=self.extract_loop, name="extract", daemon=True)
        sched.start()
        self.worker.start()
        self.say(
            f"schedule: fetch every {opts.every_minutes:g} min, digest daily at "
            f"{opts.digest_at.strftime('%H:%M')} Asia/Almaty into {opts.out_dir}; stop with Ctrl-C"
        )

    def request_stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        self._signals += 1
        if self._signals > 1:
            # a second signal: stop waiting. Every write is a transaction or an atomic rename.
            raise KeyboardInterrupt
        name = signal.Signals(signum).name if signum else "stop"
        self.say(f"schedule: {name} received, finishing the running jobs")
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)

    def wait(self) -> None:
        while not self.stopping.wait(0.5):
            pass
        self.shutdown()

    def shutdown(self) -> None:
        self.stopping.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)  # waits for the running fetch or digest
        if self.worker is not None:
            self.worker.join()  # the worker finishes its batch and commits
        self.say("schedule: stopped cleanly")


def run_schedule(options: ScheduleOptions, say: Say | None = None) -> None:
    """Run the service in this process until SIGINT or SIGTERM."""
    service = Service(options, say)
    service.install_signal_handlers()
    service.start()
    service.wait()
