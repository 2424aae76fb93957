"""`newsmon run` (fetch → extract → today's digest) and `newsmon schedule` (kept running, stopped by
SIGINT/SIGTERM with nothing half-written), against a local HTTP feed server."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import yaml
from digest_support import sample_rows

from newsmon.pipeline_run import ScheduleOptions, Service, digest_path, parse_clock, run_once, today
from newsmon.settings import get_settings

ROWS = {r["url"].rsplit("/", 1)[-1]: r for r in sample_rows()}
ITEMS = {"ru": ROWS["ust-kamenogorsk-teploseti-3-2-mlrd"], "kk": ROWS["oskemen-zhylu-zhelileri"]}


def rss(base: str, lang: str) -> bytes:
    r = ITEMS[lang]
    when = format_datetime(datetime.now(UTC) - timedelta(minutes=1))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>local {lang}</title><link>{base}/</link><description>test</description>
<item><title>{escape(r["title"])}</title><link>{base}/{lang}/1</link><guid>{base}/{lang}/1</guid>
<pubDate>{when}</pubDate><description>{escape(r["text"])}</description></item>
</channel></rss>""".encode()


class FeedServer:
    """Two feeds (ru, kk) on 127.0.0.1; `delay` holds each response; `hit` is set on the first request."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.hit = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hit.set()
                time.sleep(outer.delay)
                lang = "kk" if "kk" in self.path else "ru"
                body = rss(outer.base, lang)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def feeds_file(self, folder: Path) -> Path:
        path = folder / "feeds.yaml"
        feeds = [
            {"name": f"local-{lg}", "url": f"{self.base}/{lg}.rss", "lang": lg}
            for lg in ("ru", "kk")
        ]
        path.write_text(yaml.safe_dump({"feeds": feeds}), encoding="utf-8")
        return path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def local_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "NEWSMON_ALLOW_PRIVATE_NETWORKS": "true",
        "NEWSMON_PER_HOST_DELAY": "0",
        "NEWSMON_WORKER_POLL_SECONDS": "0.5",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    return env


def test_run_fetches_extracts_and_writes_todays_digest(
    db_url: str, feeds: FeedServer, local_env: dict, tmp_path: Path
) -> None:
    out = tmp_path / "digests"
    said: list[str] = []
    report = run_once(
        feeds_path=feeds.feeds_file(tmp_path),
        out_dir=out,
        langs=("ru", "kk"),
        formats=("html", "md"),
        database_url=db_url,
        say=said.append,
    )
    assert report.fetch.new == 2 and report.fetch.ok
    assert report.extract.articles == 2 and not report.extract.failed
    assert sorted(p.name for p in report.digests) == sorted(
        digest_path(out, today(), lg, f).name for lg in ("ru", "kk") for f in ("html", "md")
    )
    page = digest_path(out, today(), "kk", "html").read_text(encoding="utf-8")
    assert ITEMS["ru"]["title"] in page and ITEMS["kk"]["title"] in page
    assert "3,2 млрд теңге" in page  # the amount extracted from the fetched text
    assert any(line.startswith("digest: ") for line in said)
    # a second run adds nothing and rewrites the digest in place
    again = run_once(
        feeds_path=feeds.feeds_file(tmp_path), out_dir=out, database_url=db_url, say=said.append
    )
    assert again.fetch.new == 0 and again.extract.articles == 0
    assert not list(out.glob(".*.tmp"))


def test_run_command_reports_a_missing_feeds_file(sqlite_url: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from newsmon.cli import app

    res = CliRunner().invoke(
        app, ["run", "--feeds", str(tmp_path / "none.yaml"), "--out-dir", str(tmp_path)]
    )
    assert res.exit_code == 2 and "no such file" in res.output


def test_digest_job_and_time_parsing(
    sqlite_url: str, feeds: FeedServer, local_env: dict, tmp_path: Path
) -> None:
    opts = ScheduleOptions(
        feeds_path=feeds.feeds_file(tmp_path),
        out_dir=tmp_path / "d",
        digest_of="yesterday",
        database_url=sqlite_url,
    )
    Service(opts, say=lambda m: None).digest_job()
    assert digest_path(opts.out_dir, today() - timedelta(days=1), "ru", "html").is_file()
    assert parse_clock("07:30").hour == 7
    with pytest.raises(Exception, match="HH:MM"):
        parse_clock("7h30")
    with pytest.raises(Exception, match="positive"):
        Service(ScheduleOptions(every_minutes=0))


def _start(
    tmp_path: Path, env: dict[str, str], feeds_path: Path
) -> tuple[subprocess.Popen[str], Path, Path]:
    db = tmp_path / "sched.db"
    out = tmp_path / "digests"
    full_env = {**os.environ, **env, "NEWSMON_DATABASE_URL": f"sqlite:///{db}"}
    cmd = [
        sys.executable,
        "-c",
        "from newsmon.cli import main; main()",
        "schedule",
        "--feeds",
        str(feeds_path),
        "--every",
        "0.05",
        "--digest-now",
        "--out-dir",
        str(out),
        "--lang",
        "ru,kk",
        "--format",
        "html,md",
    ]
    proc = subprocess.Popen(
        cmd, env=full_env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    return proc, db, out


def _query(db: Path, sql: str) -> list[tuple]:
    if not db.exists():
        return []
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []  # the schema is not there yet
    finally:
        con.close()


def _wait(what: str, check: object, proc: subprocess.Popen[str], seconds: float = 300) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():  # type: ignore[operator]
            return
        if proc.poll() is not None:
            raise AssertionError(
                f"schedule exited early ({proc.returncode}): {proc.communicate()[1][-2000:]}"
            )
        time.sleep(0.3)
    proc.kill()
    raise AssertionError(f"timed out waiting for {what}: {proc.communicate()[1][-2000:]}")


def _assert_clean(proc: subprocess.Popen[str], db: Path, out: Path) -> str:
    try:
        _stdout, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("schedule did not stop within 120 s of the signal") from None
    assert proc.returncode == 0, stderr[-2000:]
    assert "stopped cleanly" in stderr
    assert _query(db, "PRAGMA integrity_check") == [("ok",)]
    assert _query(db, "SELECT count(*) FROM article WHERE claimed_by IS NOT NULL") == [
        (0,)
    ]  # no batch left half-done
    assert _query(db, "SELECT count(*) FROM fetch_log WHERE finished IS NULL") == [(0,)]
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no temporary digest files
    for page in out.glob("*.html"):
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")
    return stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_schedule_runs_and_stops_cleanly(
    feeds: FeedServer, local_env: dict, tmp_path: Path, sig: int
) -> None:
    proc, db, out = _start(tmp_path, local_env, feeds.feeds_file(tmp_path))
    try:
        _wait(
            "two fetched and extracted articles",
            lambda: (
                _query(db, "SELECT count(*) FROM article WHERE extracted_version IS NOT NULL")
                == [(2,)]
            ),
            proc,
        )
        _wait("the start-up digest", lambda: len(list(out.glob("digest-*.html"))) == 2, proc)
        assert len(_query(db, "SELECT id FROM fetch_log")) >= 2
        proc.send_signal(sig)
        stderr = _assert_clean(proc, db, out)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert signal.Signals(sig).name in stderr
    assert _query(db, "SELECT count(*) FROM fact") != [(0,)]


def test_schedule_stopped_during_a_fetch_finishes_it(
    feeds: FeedServer, local_env: dict, tmp_path: Path
) -> None:
    feeds.delay = 3.0  # the signal arrives while the feeds are being downloaded
    proc, db, out = _start(tmp_path, local_env, feeds.feeds_file(tmp_path))
    try:
        _wait("the first request", feeds.hit.is_set, proc)
        proc.send_signal(signal.SIGTERM)
        _assert_clean(proc, db, out)
    finally:
        if proc.poll() is None:
            proc.kill()
    # the fetch that was running when the signal came was completed and recorded, not dropped halfway
    assert _query(db, "SELECT count(*) FROM article") == [(2,)]
    assert sorted(r[0] for r in _query(db, "SELECT status FROM fetch_log")) == ["ok", "ok"]


def test_run_command_writes_the_digest_and_exits_1_when_a_feed_fails(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from newsmon.cli import app
    from newsmon.settings import get_settings

    monkeypatch.setenv("NEWSMON_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("NEWSMON_CONNECT_TIMEOUT", "2")
    get_settings.cache_clear()
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        "feeds:\n  - name: closed-port\n    url: http://127.0.0.1:9/rss\n    lang: ru\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["run", "--feeds", str(feeds), "--out-dir", str(tmp_path / "d")])
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    assert list((tmp_path / "d").glob("digest-*.ru.html"))
