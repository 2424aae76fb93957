"""Ingestion speed: parse, de-duplicate and store feed entries, as a ratio to feedparser.parse
alone on the same bytes in the same run (goal: the whole path at >= 0.5x feedparser's throughput).

usage: python bench/ingest.py [--entries N] [--per-feed N] [--repeat N] [--database URL] [--json]

Generates RSS files (Russian and Kazakh entries, two of three Russian) in a temporary folder, then
times, best of --repeat:
  feedparser    feedparser.parse on each file's bytes, nothing else (the reference)
  whole path    newsmon.ingest.parse.parse_feed + store_articles, one transaction per feed, into a
                fresh database (SQLite in the temporary folder; with --database postgresql://…,
                a new schema on that server, dropped afterwards)
  again         the same feeds stored a second time: every entry found as a duplicate
Throughputs are the best round; the ratio is the median of the rounds' ratios (each round times
feedparser right before the whole path, so a busy machine slows both alike). The CPU-time ratio
(this process only) is steadier on a shared machine, but leaves out a database server's work.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

RU_WORDS = (
    "аким области встретился с жителями района и рассказал о ремонте дорог школ больниц в селах "
    "программа строительство бюджет миллиардов тенге региона города жилья водопровода газификации "
    "министр правительство заседание вопросы паводков подготовки отопительного сезона фермеров"
).split()
KK_WORDS = (
    "облыс әкімі тұрғындармен кездесіп жол жөндеу жұмыстары туралы айтты мектеп аурухана ауыл "
    "бағдарлама құрылыс бюджет миллиард теңге өңір қала тұрғын үй су құбыры газдандыру министр "
    "үкімет отырысы су тасқыны жылыту маусымы диқандар егін жинау"
).split()


def _sentence(rng: random.Random, words: list[str], n: int) -> str:
    s = " ".join(rng.choice(words) for _ in range(n))
    return s[0].upper() + s[1:] + "."


def make_feed(feed: int, per_feed: int, rng: random.Random) -> bytes:
    """One RSS 2.0 document of `per_feed` entries, each unique by link, guid and title."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Лента {feed}</title><link>https://bench{feed}.kz/</link>"
    ]
    for i in range(per_feed):
        kk = (feed * per_feed + i) % 3 == 0
        words = KK_WORDS if kk else RU_WORDS
        title = f"{_sentence(rng, words, 6)[:-1]} №{feed}-{i}"
        text = " ".join(_sentence(rng, words, rng.randint(8, 16)) for _ in range(rng.randint(3, 6)))
        day, minute = 1 + i % 28, i % 60
        out.append(
            f"<item><title>{title}</title><link>https://bench{feed}.kz/news/{i}?utm_source=rss</link>"
            f'<guid isPermaLink="false">bench-{feed}-{i}</guid>'
            f"<pubDate>Mon, {day:02d} Apr 2024 10:{minute:02d}:00 +0500</pubDate>"
            f"<description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
        )
    out.append("</channel></rss>")
    return "\n".join(out).encode("utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--entries", type=int, default=20_000)
    ap.add_argument("--per-feed", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--database", help="a PostgreSQL server URL (default: SQLite files in a temp folder)"
    )
    ap.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="newsmon-bench-"))
    rng = random.Random(20240416)
    feeds = []
    for n in range((args.entries + args.per_feed - 1) // args.per_feed):
        count = min(args.per_feed, args.entries - n * args.per_feed)
        path = tmp / f"feed-{n}.rss"
        path.write_bytes(make_feed(n, count, rng))
        feeds.append((f"bench-{n}", path))
    headers = {"content-type": "application/rss+xml; charset=utf-8"}
    bodies = [(name, path.read_bytes()) for name, path in feeds]

    import feedparser

    from newsmon.ingest.articles import get_or_create_source, store_articles
    from newsmon.ingest.parse import parse_feed
    from newsmon.store import db

    def reference() -> int:
        return sum(
            len(feedparser.parse(io.BytesIO(body), response_headers=headers).entries)
            for _, body in bodies
        )

    def whole_path(url: str) -> tuple[int, int]:
        new = dup = 0
        with db.open_session(url) as session:
            for name, body in bodies:
                parsed = parse_feed(body, headers, f"https://{name}.kz/rss")
                source = get_or_create_source(
                    session, name, url=f"https://{name}.kz/rss", lang="ru"
                )
                session.flush()
                result = store_articles(session, source, parsed.items, lang_hint="ru")
                session.commit()
                new, dup = new + result.new, dup + result.duplicates
        return new, dup

    cpu: list[float] = []

    def timed(fn: Any, *a: Any) -> tuple[float, Any]:
        """Wall-clock seconds (and this process's CPU seconds, appended to `cpu`)."""
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn(*a)
        cpu.append(time.process_time() - c0)
        return time.perf_counter() - t0, out

    import sqlalchemy as sa

    schemas: list[str] = []

    def fresh_database(r: int) -> str:
        """An empty database for round r: a SQLite file, or a new schema on a PostgreSQL server."""
        if not args.database:
            return f"sqlite:///{tmp}/bench-{r}.db"
        base = db.normalize_url(args.database)
        schema = f"bench_{os.getpid()}_{r}"
        engine = sa.create_engine(base)
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        schemas.append(schema)
        return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"

    # warm up: imports, lingua's and pymorphy's models, the first migration
    warm = f"sqlite:///{tmp}/warm.db"
    whole_path(warm)

    rounds = []
    cpu_rounds: list[tuple[float, float]] = []
    entries = 0
    for r in range(args.repeat):
        t_ref, entries = timed(reference)
        url = fresh_database(r)
        db.get_engine(url)  # migrations outside the timing
        t_path, (new, dup) = timed(whole_path, url)
        assert (new, dup) == (entries, 0), (new, dup, entries)
        t_again, (new2, dup2) = timed(whole_path, url)
        assert (new2, dup2) == (0, entries), (new2, dup2)
        rounds.append((t_ref, t_path, t_again))
        cpu_rounds.append((cpu[-3], cpu[-2]))
    db.dispose_engines()
    if schemas:
        engine = sa.create_engine(db.normalize_url(args.database))
        with engine.begin() as conn:
            for schema in schemas:
                conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()

    # the machine may be shared: each round's reference runs right before its whole path, and the
    # ratio reported is the median of the per-round ratios
    ratios = sorted(ref / path for ref, path, _ in rounds)
    ratios_again = sorted(ref / again for ref, _, again in rounds)
    # CPU time of this process: steady on a busy machine, but blind to the database server's work
    ratios_cpu = [ref / path for ref, path in cpu_rounds]
    ref, whole, again = (min(x[i] for x in rounds) for i in range(3))
    result: dict[str, Any] = {
        "entries": entries,
        "feeds": len(bodies),
        "database": (args.database or "sqlite").split(":", 1)[0].split("+")[0],
        "feedparser_entries_per_s": round(entries / ref),
        "whole_path_entries_per_s": round(entries / whole),
        "ratio": round(statistics.median(ratios), 3),
        "ratio_range": [round(ratios[0], 3), round(ratios[-1], 3)],
        "ratio_cpu": round(statistics.median(ratios_cpu), 3),
        "all_duplicates_entries_per_s": round(entries / again),
        "ratio_all_duplicates": round(statistics.median(ratios_again), 3),
        "rounds": len(rounds),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": round(os.getloadavg()[0], 1),
    }
    if args.json:
        print(json.dumps(result))
    else:
        res = result
        low, high = res["ratio_range"]
        print(
            f"{entries} entries in {len(bodies)} feeds, database {res['database']}, "
            f"{len(rounds)} rounds (load average {res['load_average']} on {res['cpus']} CPUs)"
        )
        print(
            f"  feedparser.parse alone   {res['feedparser_entries_per_s']:>8} entries/s   reference"
        )
        print(
            f"  parse + dedup + store    {res['whole_path_entries_per_s']:>8} entries/s   "
            f"ratio {res['ratio']} (rounds: {low}..{high})"
        )
        print(f"  the same by CPU time of this process: ratio {res['ratio_cpu']}")
        print(
            f"  same entries again       {res['all_duplicates_entries_per_s']:>8} entries/s   "
            f"ratio {res['ratio_all_duplicates']}"
        )
        print(f"  goal: ratio >= 0.5 -> {'met' if result['ratio'] >= 0.5 else 'MISSED'}")


if __name__ == "__main__":
    main()
