"""Issue 14, "a test suite that keeps it so": a bounded load test on loopback. `newsmon serve` over the
web test store; 20 clients for LOAD_SECONDS (at most 30 s in all), 5 of them asking for coverage charts
of 10 different periods, the other 15 for API endpoints and pages. Every answer must be a 200 and every
count bounded; the latencies are printed (measured before the chart cache: a median of 7 s for
charts, the API's throughput down by two thirds)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from web_support import DAY, WATCHLIST, fill

from newsmon.store.db import dispose_engines

pytestmark = pytest.mark.slow

CLIENTS = 20
CHART_CLIENTS = 5
LOAD_SECONDS = 15.0
MAX_REQUESTS_PER_CLIENT = 2_000  # bounds the count whatever the speed
ROOT = Path(__file__).resolve().parents[1]
READS = [
    "/api/v1/facts?limit=50",
    "/api/v1/facts?territory=ВКО",
    "/api/v1/search?q=аким",
    "/api/v1/search?q=әкім",
    "/api/v1/akims",
    "/api/v1/programs",
    f"/api/v1/articles?since={DAY}",
    f"/api/v1/digest?date={DAY}",
    f"/api/v1/coverage?since=2024-11-14&until={DAY}",
    "/facts",
    "/search?q=аким",
    "/akims?ui=kk",
    "/programs",
    f"/coverage?until={DAY}",
    "/api/v1/facts.csv?kind=akim",
]
CHARTS = [f"/coverage.png?since=2024-11-{d:02d}&until={DAY}&by=day" for d in range(1, 11)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`newsmon serve` in a process of its own over a filled SQLite store."""
    db = tmp_path_factory.mktemp("load") / "load.db"
    url = f"sqlite:///{db}"
    fill(url)
    dispose_engines()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env.update(NEWSMON_DATABASE_URL=url, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsmon",
            "serve",
            "--port",
            str(port),
            "--watchlist",
            str(WATCHLIST),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/api/v1/akims", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        else:
            pytest.fail("newsmon serve did not answer within 60 s")
        # one chart of another period first: the server process's first drawing loads matplotlib
        # (and builds its font cache on a new machine), a one-time cost the load test is not about
        warm = httpx.get(base + f"/coverage.png?since=2024-10-01&until={DAY}&by=day", timeout=120)
        assert warm.status_code == 200, warm.text[:200]
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def test_load_api_and_pages_while_charts_are_asked_for(server: str) -> None:
    """20 clients, LOAD_SECONDS: no error, every count bounded; the latencies are printed."""
    reads: list[float] = []
    charts: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + LOAD_SECONDS

    def client(n: int) -> None:
        paths = CHARTS if n < CHART_CLIENTS else READS
        times = charts if n < CHART_CLIENTS else reads
        with httpx.Client(base_url=server, timeout=30) as http:
            for i in range(MAX_REQUESTS_PER_CLIENT):
                if time.monotonic() >= stop_at:
                    return
                path = paths[(n + i) % len(paths)]
                t0 = time.perf_counter()
                try:
                    status = http.get(path).status_code
                except httpx.HTTPError as exc:
                    status, path = 0, f"{path}: {type(exc).__name__}"
                took = time.perf_counter() - t0
                with lock:
                    times.append(took)
                    if status != 200:
                        errors.append(f"{status} {path}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    wall = time.monotonic() - started
    figures = (
        f"load: {CLIENTS} clients, {wall:.1f} s; API+pages {len(reads)} requests "
        f"({len(reads) / wall:.0f}/s) p50 {_p(reads, 0.5) * 1000:.0f} ms, "
        f"p99 {_p(reads, 0.99) * 1000:.0f} ms, max {max(reads) * 1000:.0f} ms; charts "
        f"{len(charts)} requests p50 {_p(charts, 0.5) * 1000:.0f} ms, "
        f"p99 {_p(charts, 0.99) * 1000:.0f} ms; errors {len(errors)}"
    )
    print(figures)
    assert not any(t.is_alive() for t in threads)
    assert errors == [], errors[:10]
    # every chart client got at least one chart (10 first drawings, 2 at a time, do not all fit in
    # LOAD_SECONDS on a slow or cold machine: matplotlib builds its font cache on first use)
    assert len(charts) >= CHART_CLIENTS and len(reads) >= CLIENTS - CHART_CLIENTS
    assert len(reads) + len(charts) <= CLIENTS * MAX_REQUESTS_PER_CLIENT
    # The p99 of the API and pages is printed, not asserted: timing thresholds do not go into this
    # project's tests. Issue 14 asks for p99 < 2 s; fresh-clone CI runs on this 2-core machine gave
    # 0.97 s and 2.7 s (charts drawn in server threads compete for the GIL), see BENCHMARKS.md.
