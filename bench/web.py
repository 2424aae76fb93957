"""Web API load on loopback: a fixed number of requests from a few concurrent clients (httpx) against
`newsmon serve`'s app under uvicorn, over bench/query.py's synthetic store; requests/s and p50/p95 latency
for the facts and search endpoints, beside the direct library call for the same query in the same run
(the reference: what HTTP, JSON and the server add).

usage: python bench/web.py [--articles 20000] [--facts 100000] [--requests 400] [--clients 4] [--db PATH]
       (the issue's size: --articles 200000 --facts 1000000)
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _query_bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_query", HERE / "query.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pct(times: list[float], p: float) -> float:
    s = sorted(times)
    return s[min(len(s) - 1, round(p * (len(s) - 1)))]


def serve(url: str) -> tuple[str, Callable[[], None]]:
    import uvicorn

    from newsmon.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(url), host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return f"http://127.0.0.1:{port}", stop


def load(
    base: str, path: str, params_list: list[dict[str, Any]], n: int, clients: int
) -> tuple[float, list[float]]:
    """`n` GETs spread over `clients` threads (one keep-alive httpx client each); (requests/s, latencies ms)."""
    import httpx

    latencies: list[float] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            mine = []
            for i in range(k, n, clients):
                t = time.perf_counter()
                r = client.get(path, params=params_list[i % len(params_list)])
                mine.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text[:200]
            with lock:
                latencies.extend(mine)

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    return n / (time.perf_counter() - start), latencies


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--articles", type=int, default=20_000)
    ap.add_argument("--facts", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=400, help="per endpoint")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--db", type=Path, default=None, help="reuse (or keep) this database file")
    args = ap.parse_args()
    qb = _query_bench()
    tmp = Path(tempfile.mkdtemp(prefix="newsmon-bench-web-"))
    db = args.db or tmp / "bench.db"
    if not db.exists():
        t = qb.generate(db, args.articles, args.facts)
        print(
            f"generated {args.articles:,} articles and {args.facts:,} facts in {t['total']:.0f} s",
            flush=True,
        )
    url = f"sqlite:///{db}"
    from newsmon.query import FactFilter, list_facts
    from newsmon.search import SearchQuery, search
    from newsmon.store.db import open_session

    # the same queries as bench/query.py, rotated
    facts_params = [
        {"territory": "ВКО", "kind": "akim", "limit": 50},
        {"territory": "Шемонаиха ауданы", "kind": "amount", "limit": 50},
        {"person": "Сикпаева", "limit": 50},
        {
            "kind": "amount",
            "unit": "KZT",
            "min_value": 1e9,
            "territory": "Атырау облысы",
            "limit": 50,
        },
        {"limit": 100, "offset": 5000},
    ]
    search_params = [
        {"q": "акимов паводок"},
        {"q": "ауданының әкімі", "territory": "ВКО", "since": "2024-01-01"},
        {"q": "программа школа"},
    ]

    def fact_call(p: dict[str, Any]) -> Any:
        return lambda s: list_facts(FactFilter(**{k: v for k, v in p.items()}), session=s)

    from datetime import date

    def search_call(p: dict[str, Any]) -> Any:
        since = date.fromisoformat(p["since"]) if "since" in p else None
        return lambda s: search(
            SearchQuery(p["q"], territory=p.get("territory"), since=since), session=s
        )

    rows = []
    base, stop = serve(url)
    try:
        for name, path, params, call in (
            ("facts", "/api/v1/facts", facts_params, fact_call),
            ("search", "/api/v1/search", search_params, search_call),
        ):
            # direct library calls, one thread (the reference)
            session = open_session(url)
            direct = []
            for i in range(min(args.requests, 100) + len(params)):
                fn = call(params[i % len(params)])
                t = time.perf_counter()
                fn(session)
                if i >= len(params):  # the first round warms caches
                    direct.append((time.perf_counter() - t) * 1000)
            session.close()
            load(base, path, params, len(params) * 2, 1)  # warm the server
            one_rps, one = load(base, path, params, args.requests // 2, 1)
            rps, lat = load(base, path, params, args.requests, args.clients)
            rows.append(
                (
                    name,
                    statistics.median(direct),
                    pct(direct, 0.95),
                    one_rps,
                    statistics.median(one),
                    pct(one, 0.95),
                    rps,
                    statistics.median(lat),
                    pct(lat, 0.95),
                )
            )
    finally:
        stop()
    print(
        f"\n{args.requests} requests per endpoint; {args.clients} concurrent clients; "
        f"database {db.stat().st_size / 2**20:.0f} MiB\n"
    )
    print(
        "| endpoint | library p50 / p95 ms | 1 client: req/s, p50 / p95 ms | "
        f"{args.clients} clients: req/s, p50 / p95 ms | p95 ÷ library p95 ({args.clients} clients) |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, dm, d95, r1, m1, p1, r, m, p in rows:
        print(
            f"| {name} | {dm:.1f} / {d95:.1f} | {r1:.0f}, {m1:.1f} / {p1:.1f} | {r:.0f}, {m:.1f} / {p:.1f} | "
            f"{p / d95:.1f} |"
        )
    print(
        f"\nPython {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs"
    )
    if args.db is None:
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    main()
