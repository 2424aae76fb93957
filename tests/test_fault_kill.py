"""Issue 14, "a test suite that keeps it so": SIGKILL at random points, many times, on SQLite and
PostgreSQL. `newsmon import`, `newsmon extract` and `newsmon worker` are killed while they work (10 kills
per database, at seeded random moments after random amounts of progress), then runs to completion; nothing
may be lost or doubled, and the search index and the extraction queue must agree with the articles."""

from __future__ import annotations

import functools
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from newsmon.nlp.extract import extract, queue_status
from newsmon.search import SearchQuery, search
from newsmon.settings import get_settings
from newsmon.store.db import dispose_engines, open_session
from newsmon.store.models import Article, Fact

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SEED = 14
N = 400  # articles: two import batches of 200
IMPORT_KILLS, EXTRACT_KILLS, WORKER_KILLS = 4, 3, 3
LEASE = "2"  # seconds: a killed run's claim expires quickly
TEMPLATES = [
    "Аким Шемонаихинского района Иван Петров сообщил, что на ремонт дорог выделено {n} млн тенге.",
    "По программе «Ауыл аманаты» в Костанайской области выдали кредиты на {n},5 млрд тенге.",
    "В Павлодаре прошёл фестиваль, его посетили {n} тысяч человек.",
    "Шемонаиха ауданының әкімі Ботагоз Сикпаева жолдарды жөндеуге {n} млн теңге бөлінгенін айтты.",
]


def _lines(path: Path) -> list[str]:
    urls = []
    with path.open("w", encoding="utf-8") as fh:
        for i in range(N):
            url = f"https://fault.example/{i}"
            urls.append(url)
            record = {
                "url": url,
                "title": f"Новость номер {i}",
                "text": TEMPLATES[i % 4].format(
                    n=i % 90 + 10
                ),  # two digits: same offsets per template
                "published": f"2024-04-15T{10 + i // 60 % 10:02d}:{i % 60:02d}:00+05:00",
                "lang": "kk" if i % 4 == 3 else "ru",
            }
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return urls


def _start(db_url: str, *args: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env.update(
        NEWSMON_DATABASE_URL=db_url,
        NEWSMON_EXTRACT_LEASE_SECONDS=LEASE,
        PYTHONPATH=str(ROOT),
        OMP_NUM_THREADS="1",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "newsmon", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _count(db_url: str, query: sa.Select) -> int:  # type: ignore[type-arg]
    with open_session(db_url) as session:
        return int(session.execute(query).scalar_one())


ARTICLES = sa.select(sa.func.count()).select_from(Article)
EXTRACTED = ARTICLES.where(Article.extracted_version.is_not(None))  # type: ignore[union-attr]


def _always() -> bool:
    return True


def _reached(db_url: str, query: sa.Select[tuple[int]], target: int) -> bool:
    return _count(db_url, query) >= target


def _kill_during(
    db_url: str, proc: subprocess.Popen[bytes], progressed: Callable[[], bool], rng: random.Random
) -> bool:
    """SIGKILL `proc` a random moment after `progressed()` holds; False when it ended first."""
    deadline = time.monotonic() + 240
    while not progressed() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.3))
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    return True


def test_sigkill_import_extract_and_worker_lose_and_double_nothing(
    db_url: str, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    lines = tmp_path / "articles.jsonl"
    urls = _lines(lines)
    kills = 0

    # import: killed before, between and after its batch commits
    for _ in range(IMPORT_KILLS):
        before = _count(db_url, ARTICLES)
        proc = _start(db_url, "import", str(lines))
        progressed: Callable[[], bool]
        if rng.random() < 0.3:  # at a random moment: reading, parsing or storing
            progressed = _always
            time.sleep(rng.uniform(0.5, 2.0))
        else:  # once a batch with new articles is committed
            progressed = functools.partial(_reached, db_url, ARTICLES, before + 1)
        kills += _kill_during(db_url, proc, progressed, rng)
    done = _start(db_url, "import", str(lines))
    assert done.wait(240) in (0, 1)  # 1: lines skipped as duplicates are not errors; checked below

    # extract and worker: killed in the middle of batches
    for command, times in (
        (["extract", "--batch-size", "10", "-q"], EXTRACT_KILLS),
        (
            ["worker", "--exit-when-idle", "--batch-size", "10", "--lease", LEASE, "--poll", "0.2"],
            WORKER_KILLS,
        ),
    ):
        for _ in range(times):
            before = _count(db_url, EXTRACTED)
            step = rng.randint(1, 30)
            proc = _start(db_url, *command)
            progressed = functools.partial(_reached, db_url, EXTRACTED, before + step)
            kills += _kill_during(db_url, proc, progressed, rng)
    print(f"fault test: {kills} SIGKILLs landed while working")
    # a kill aimed at a run that already finished (a fast machine, an import with nothing new left)
    # does not land; the test means something while at least half of them hit a working process
    assert kills >= (IMPORT_KILLS + EXTRACT_KILLS + WORKER_KILLS) // 2, kills
    dispose_engines()
    time.sleep(float(LEASE) + 0.2)  # the last killed claims run out
    report = extract(get_settings(), batch_size=50, database_url=db_url)
    assert not report.failed

    with open_session(db_url) as session:
        # articles: each line once
        stored = session.exec(select(Article.url, Article.title)).all()
        assert sorted(u for u, _ in stored) == sorted(urls)
        assert len({t for _, t in stored}) == N
        # search index: one row per article, and it finds what the articles say
        indexed = session.execute(sa.text("SELECT article_id FROM article_search")).scalars().all()
        ids = session.exec(select(Article.id)).all()
        assert sorted(indexed) == sorted(ids)
        if session.get_bind().dialect.name == "sqlite":
            session.execute(
                sa.text("INSERT INTO article_fts(article_fts) VALUES ('integrity-check')")
            )
            assert session.execute(sa.text("PRAGMA integrity_check")).scalar_one() == "ok"
        # the queue: everything extracted, no claim left
        info = queue_status(session, get_settings())
        assert info["pending"] == 0 and info["in_flight"] == 0 and info["articles"] == N
        # facts: none doubled, and every article of a template has the same facts (none lost)
        doubled = session.execute(
            sa.select(Fact.article_id, Fact.kind, Fact.start, Fact.end)
            .group_by(Fact.article_id, Fact.kind, Fact.start, Fact.end)
            .having(sa.func.count() > 1)
        ).all()
        assert doubled == []
        rows = session.execute(
            sa.select(Fact.article_id, Fact.kind, Fact.start, Fact.end, Article.title).join(
                Article,
                Article.id == Fact.article_id,  # type: ignore[arg-type]
            )
        ).all()
    facts: dict[int, set[tuple[str, int, int]]] = defaultdict(set)
    template_of: dict[int, int] = {}
    for art_id, kind, start, end, title in rows:
        i = int(title.rsplit(" ", 1)[1])
        template_of[art_id] = i % 4
        # offsets shift with the title's length (the number's digits): compare within the text
        facts[art_id].add((kind, start - len(title), end - len(title)))
    assert len(facts) == N
    by_template: dict[int, set[frozenset[tuple[str, int, int]]]] = defaultdict(set)
    for art_id, found in facts.items():
        by_template[template_of[art_id]].add(frozenset(found))
    assert {t: len(v) for t, v in by_template.items()} == {0: 1, 1: 1, 2: 1, 3: 1}
    hits = search(SearchQuery(text="фестиваль", limit=500), database_url=db_url)
    assert len(hits) == N // 4
