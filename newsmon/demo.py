"""`newsmon demo`: the whole pipeline, offline, on the sample bundled in newsmon/data/demo.

Import 20 Russian and Kazakh articles (invented for the demo, see its README.md) into a fresh SQLite
file, extract facts, group stories, write the last day's digest in both languages and a coverage chart.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from newsmon.errors import InputError
from newsmon.settings import PACKAGE_DIR, get_settings

DEMO_DIR = PACKAGE_DIR / "data" / "demo"
SAMPLE = DEMO_DIR / "articles.jsonl"
WATCHLIST = DEMO_DIR / "watchlist.yaml"
DEFAULT_DB = Path("newsmon-demo.db")
DEFAULT_OUT = Path("newsmon-demo")


@dataclass
class DemoReport:
    db: Path
    out_dir: Path
    day: date | None = None
    articles: int = 0
    articles_by_lang: dict[str, int] = field(default_factory=dict)
    facts_by_kind: dict[str, int] = field(default_factory=dict)
    facts_by_lang: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(
        default_factory=list
    )  # CONTRACT §2 facts, one per kind and language
    stories: list[dict[str, Any]] = field(
        default_factory=list
    )  # the day's stories with more than one article
    digests: list[Path] = field(default_factory=list)
    chart: Path | None = None
    extract_failed: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "db": str(self.db),
            "out_dir": str(self.out_dir),
            "day": self.day.isoformat() if self.day else None,
            "articles": self.articles,
            "articles_by_lang": self.articles_by_lang,
            "facts_by_kind": self.facts_by_kind,
            "facts_by_lang": self.facts_by_lang,
            "examples": self.examples,
            "stories": self.stories,
            "digests": [str(p) for p in self.digests],
            "chart": str(self.chart) if self.chart else None,
            "extract_failed": self.extract_failed,
            "seconds": round(self.seconds, 1),
        }


def _fresh_database(db: Path, force: bool) -> str:
    """A URL for an empty SQLite file at `db`; an old demo file is replaced, any other file only with force."""
    if db.exists() and not (force or db.resolve() == DEFAULT_DB.resolve()):
        raise InputError(f"{db} exists: pass --force to replace it with a fresh demo database")
    if not db.parent.exists():
        raise InputError(f"folder {db.parent} does not exist")
    for suffix in ("", "-wal", "-shm", ".migrate-lock"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{db.resolve()}"


def run_demo(
    db: Path | str = DEFAULT_DB, out_dir: Path | str = DEFAULT_OUT, *, force: bool = False
) -> DemoReport:
    """Import, extract, group, digest and chart the bundled sample; returns what was found and where."""
    from sqlmodel import func, select

    from newsmon.coverage import coverage, write_chart
    from newsmon.ingest.importer import import_jsonl
    from newsmon.nlp.extract import extract
    from newsmon.pipeline_run import write_digests
    from newsmon.query import ALMATY, FactFilter, count_facts, iter_facts
    from newsmon.store.db import dispose_engines, open_session
    from newsmon.store.models import Article, Fact
    from newsmon.stories import stories_for_day
    from newsmon.watchlist import load_watchlist

    started = time.monotonic()
    db, out_dir = Path(db), Path(out_dir)
    dispose_engines()  # a replaced file must not be reached through an old pooled connection
    url = _fresh_database(db, force)
    report = DemoReport(db=db, out_dir=out_dir)

    settings = get_settings()
    imported = import_jsonl(
        SAMPLE,
        database_url=url,
        max_line_bytes=settings.import_max_line_bytes,
        title_dedup_days=settings.title_dedup_days,
    )
    report.articles = imported.new
    extracted = extract(settings, url)
    report.extract_failed = len(extracted.failed)

    with open_session(url) as session:
        report.articles_by_lang = dict(
            session.exec(select(Article.lang, func.count()).group_by(Article.lang)).all()
        )
        report.facts_by_kind = count_facts(session)
        report.facts_by_lang = {
            lang: n  # a fact takes its article's language: never None
            for lang, n in session.exec(select(Fact.lang, func.count()).group_by(Fact.lang))
            if lang is not None
        }
        days = [
            p.astimezone(ALMATY).date() for p in session.exec(select(Article.published)).all() if p
        ]
    report.day = max(days)

    seen: set[tuple[str, str]] = set()
    for fact in iter_facts(FactFilter(), database_url=url):
        key = (fact["kind"], fact["article"]["lang"])
        if key not in seen:
            seen.add(key)
            report.examples.append(fact)
    report.examples.sort(key=lambda f: (f["kind"], f["article"]["lang"] != "ru"))

    report.stories = [
        s.as_dict() for s in stories_for_day(report.day, database_url=url) if len(s.articles) > 1
    ]
    report.digests = write_digests(
        report.day,
        out_dir,
        langs=("ru", "kk"),
        formats=("html", "md"),
        watchlist_path=WATCHLIST,
        database_url=url,
    )
    watchlist = load_watchlist(WATCHLIST)
    assert watchlist is not None
    cov = coverage(watchlist, min(days), max(days), "source", database_url=url)
    report.chart = write_chart(cov, out_dir / "coverage-by-source.png")
    dispose_engines()
    report.seconds = time.monotonic() - started
    return report
