"""Extraction throughput with 1 and 2 `newsmon worker` processes on PostgreSQL, and one process on
SQLite as the reference, on the same articles in one run; prints articles/s, the 2:1 ratio and a
sizing estimate for 1,000,000 articles a day from the measured per-article cost.

usage: python bench/scale.py [--articles N] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]
Texts: ../shared/data/tengrinews-ru-2024-04/articles.dev.import.jsonl, repeated under new URLs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

DEV = (
    Path(__file__).resolve().parents[2]
    / "shared/data/tengrinews-ru-2024-04/articles.dev.import.jsonl"
)


def _jsonl(n: int, out: Path) -> int:
    rows = [json.loads(line) for line in DEV.open(encoding="utf-8")]
    words = 0
    with out.open("w", encoding="utf-8") as fh:
        for i in range(n):
            r = dict(rows[i % len(rows)])
            r["url"] = f"{r['url']}?copy={i}"
            r["title"] = f"{r['title']} ({i})"
            words += len(r["text"].split())
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return words


def _run(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "newsmon", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _workers(env: dict[str, str], n: int) -> float:
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "newsmon",
                "worker",
                "--exit-when-idle",
                "--quiet",
                "--poll",
                "0.5",
            ],
            env=env,
        )
        for _ in range(n)
    ]
    for p in procs:
        if p.wait() != 0:
            raise SystemExit(f"a worker failed with status {p.returncode}")
    return time.perf_counter() - t0


def _reset(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM fact"))
        conn.execute(
            sa.text(
                "UPDATE article SET extracted_version = NULL, extracted_at = NULL, "
                "claimed_by = NULL, claim_expires = NULL"
            )
        )
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "articles.jsonl"
        words = _jsonl(args.articles, data)
        schema = "bench_" + uuid.uuid4().hex[:8]
        admin = sa.create_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        pg = f"{args.pg}?options=-csearch_path%3D{schema}"
        try:
            results = {}
            sqlite = f"sqlite:///{tmp}/bench.db"
            startup = {}
            for name, url, n in (
                ("sqlite, 1 process", sqlite, 1),
                ("postgresql, 1 worker", pg, 1),
                ("postgresql, 2 workers", pg, 2),
            ):
                env = {
                    **os.environ,
                    "NEWSMON_DATABASE_URL": url,
                    "NEWSMON_EXTRACT_BATCH_SIZE": "16",
                }
                if not results.get(url):
                    # start-up (imports, pipeline and dictionaries) measured on a one-article queue
                    one = Path(tmp) / "one.jsonl"
                    one.write_text(
                        data.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8"
                    )
                    _run(env, "import", "--quiet", str(one))
                    startup[url] = _workers(env, 1)
                    _run(env, "import", "--quiet", str(data))
                    results[url] = True
                _reset(url)
                results[name] = _workers(env, n) - startup[url]
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    print(
        "times exclude a worker's start-up (imports, pipeline, dictionaries), measured on a one-article queue"
    )
    print(
        f"{args.articles} articles, {words} words, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for name in ("sqlite, 1 process", "postgresql, 1 worker", "postgresql, 2 workers"):
        t = results[name]
        print(f"{name:24} {t:7.1f} s  {args.articles / t:7.1f} articles/s")
    one, two = results["postgresql, 1 worker"], results["postgresql, 2 workers"]
    print(
        f"2 workers / 1 worker: {one / two:.2f}x;  PostgreSQL 1 worker / SQLite: {results['sqlite, 1 process'] / one:.2f}x"
    )
    per_article = one / args.articles  # seconds of one worker (one core) per article
    day = 1_000_000 * per_article / 86400
    print(
        f"per-article cost {per_article * 1000:.1f} ms of one core: 1,000,000 articles/day need "
        f"{day:.1f} busy cores, i.e. {int(day * 2) + 1} workers at 50% headroom"
    )


if __name__ == "__main__":
    main()
