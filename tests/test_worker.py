"""Extraction workers: leased batches, exactly-once on PostgreSQL with two workers and a SIGKILL,
crash-safe reruns on SQLite, the queue status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from newsmon.ingest.articles import ArticleIn, get_or_create_source, store_articles
from newsmon.nlp.extract import extract, queue_status
from newsmon.settings import get_settings
from newsmon.store.db import open_session
from newsmon.store.models import Article, Fact

T0 = datetime(2024, 4, 15, 5, 0, tzinfo=UTC)
TEMPLATES_RU = [
    "Аким Шемонаихинского района Иван Петров сообщил, что на ремонт дорог выделено {n} млн тенге.",
    "По программе «Ауыл аманаты» в Костанайской области выдали кредиты на {n},5 млрд тенге.",
    "В Павлодаре прошёл фестиваль, его посетили {n} тысяч человек.",
]
TEMPLATES_KK = [
    "Шемонаиха ауданының әкімі Ботагоз Сикпаева жолдарды жөндеуге {n} млн теңге бөлінгенін айтты.",
]


def _seed(n: int) -> None:
    items = []
    for i in range(n):
        tpl = (TEMPLATES_RU + TEMPLATES_KK)[i % 4]
        items.append(
            ArticleIn(
                url=f"https://news.kz/{i}",
                title=f"Новость номер {i}",
                text=tpl.format(n=i % 90 + 10),
                published=T0 + timedelta(minutes=i),
                lang="kk" if i % 4 == 3 else "ru",
            )
        )
    with open_session() as s:
        src = get_or_create_source(s, "news.kz", kind="import")
        for k in range(0, n, 500):
            store_articles(s, src, items[k : k + 500], now=T0)
        s.commit()


def _facts_per_article() -> dict[int, int]:
    with open_session() as s:
        rows = s.exec(select(Fact.article_id, sa.func.count()).group_by(Fact.article_id)).all()  # type: ignore[call-overload]
    return dict(rows)


def test_extract_is_idempotent_and_reports_status(db_url: str) -> None:
    _seed(40)
    first = extract(get_settings(), batch_size=8)
    assert first.articles == 40 and first.facts > 40 and not first.failed
    before = _facts_per_article()
    again = extract(get_settings(), batch_size=8)
    assert again.articles == 0 and again.facts == 0
    assert _facts_per_article() == before
    with open_session() as s:
        info = queue_status(s, get_settings())
    assert info["pending"] == 0 and info["articles"] == 40 and info["in_flight"] == 0


def _worker(db_url: str, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NEWSMON_DATABASE_URL": db_url}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsmon.cli.__main__",
            "worker",
            "--exit-when-idle",
            "--json",
            "--batch-size",
            "20",
            "--lease",
            "4",
            "--poll",
            "0.5",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _committed(output: str) -> list[int]:
    ids: list[int] = []
    for line in output.splitlines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by SIGKILL
        ids.extend(obj.get("committed", []))
    return ids


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_extract_each_article_exactly_once_even_when_one_is_killed(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsmon.settings import get_settings

    monkeypatch.setenv("NEWSMON_DATABASE_URL", pg_url)
    get_settings.cache_clear()
    _seed(2000)
    a, b = _worker(pg_url), _worker(pg_url)
    # let A commit a few batches, then kill it in the middle of one
    deadline = time.time() + 120
    with open_session() as s:
        while time.time() < deadline:
            done = s.exec(
                select(sa.func.count())
                .select_from(Article)
                .where(Article.extracted_version.is_not(None))
            ).one()  # type: ignore[union-attr]
            if done >= 300:
                break
            time.sleep(0.2)
    a.send_signal(signal.SIGKILL)
    out_a, _ = a.communicate()
    out_b, err_b = b.communicate(timeout=600)
    assert b.returncode == 0, err_b[-2000:]
    ids_a, ids_b = _committed(out_a), _committed(out_b)
    assert not set(ids_a) & set(ids_b), "an article was extracted by both workers"
    assert len(ids_a) == len(set(ids_a)) and len(ids_b) == len(set(ids_b))
    with open_session() as s:
        all_ids = set(s.exec(select(Article.id)).all())
        pending = s.exec(
            select(sa.func.count()).select_from(Article).where(Article.extracted_version.is_(None))
        ).one()  # type: ignore[union-attr]
    assert pending == 0  # nothing lost, even the killed worker's batch
    # the killed worker may have committed its last batch (20 articles) and died before printing its ids
    unreported = all_ids - set(ids_a) - set(ids_b)
    assert len(unreported) <= 20, sorted(unreported)[:40]
    assert set(ids_a) | set(ids_b) <= all_ids
    # every article has the facts of its template, none doubled
    counts = _facts_per_article()
    assert len(counts) == 2000 and max(counts.values()) <= 4


@pytest.mark.slow
def test_sigkill_then_rerun_on_sqlite_stores_each_fact_once(sqlite_url: str) -> None:
    _seed(300)
    w = _worker(sqlite_url, "--lease", "1")
    deadline = time.time() + 120
    while time.time() < deadline and len(_facts_per_article()) < 40:
        time.sleep(0.1)
    w.send_signal(signal.SIGKILL)
    w.communicate()
    time.sleep(1.2)  # the killed worker's lease runs out
    report = extract(get_settings(), batch_size=25)
    assert not report.failed
    counts = _facts_per_article()
    assert len(counts) == 300
    # the same text gives the same facts: a rerun stored no second copy
    with open_session() as s:
        texts = s.exec(
            select(Fact.article_id, Fact.kind, Fact.start, sa.func.count())
            .group_by(Fact.article_id, Fact.kind, Fact.start)
            .having(sa.func.count() > 1)
        ).all()  # type: ignore[call-overload]
    assert texts == []


DEAD_WORKER = """
import json, sys, time
from datetime import timedelta
from newsmon.nlp.extract import current_versions
from newsmon.settings import get_settings
from newsmon.store.db import open_session
from newsmon.store.queue import claim, liveness_dir, liveness_lock, worker_name
v = current_versions(get_settings())
with open_session() as s, liveness_lock(liveness_dir(s), worker_name()):
    hour = timedelta(hours=1)
    ids = claim(s, "ru", 100, hour, worker_name(), v["ru"])
    ids += claim(s, "kk", 100, hour, worker_name(), v["kk"])
    print(json.dumps(ids), flush=True)
    time.sleep(600)
"""


@pytest.mark.timeout(300)  # without the fix extract waits out the killed worker's hour-long lease
def test_extract_takes_back_a_killed_workers_leases_at_once_on_sqlite(sqlite_url: str) -> None:
    """Issue 14 finding 11: after a crash `newsmon extract` waited silently for the lease (264-305 s
    seen). On SQLite a worker whose liveness lock is free is dead: its articles are taken back at
    once, with nothing waited for, and each is extracted once."""
    from newsmon.store.queue import Waiting

    _seed(40)
    env = {**os.environ, "NEWSMON_DATABASE_URL": sqlite_url}
    dead = subprocess.Popen(
        [sys.executable, "-c", DEAD_WORKER], stdout=subprocess.PIPE, text=True, env=env
    )
    assert dead.stdout is not None
    claimed = json.loads(dead.stdout.readline())
    assert len(claimed) == 40
    dead.send_signal(signal.SIGKILL)
    dead.wait()
    waits: list[Waiting] = []
    report = extract(get_settings(), batch_size=10, poll_seconds=0.1, on_wait=waits.append)
    assert waits == []  # nothing to wait for: the holder is dead
    assert report.articles == 40 and not report.failed
    assert sorted(_facts_per_article()) == sorted(claimed)
    folder = Path(sqlite_url.removeprefix("sqlite:///") + ".workers")
    assert folder.is_dir() and list(folder.glob("*.lock")) == []  # no lock file left behind


def test_extract_says_what_it_waits_for_and_until_when(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14 finding 11: articles leased to a live worker (or one newsmon cannot see, on
    PostgreSQL) are waited for, and the wait is reported: how many, whose, until when."""
    from typer.testing import CliRunner

    from newsmon.cli import app
    from newsmon.nlp.extract import current_versions
    from newsmon.store.queue import claim, liveness_dir, liveness_lock

    _seed(6)
    other = "otherhost:4242:7"
    v = current_versions(get_settings())
    with open_session() as s, liveness_lock(liveness_dir(s), other):
        ids = claim(s, "ru", 100, timedelta(seconds=2), other, v["ru"])
        ids += claim(s, "kk", 100, timedelta(seconds=2), other, v["kk"])
        until = s.exec(select(sa.func.max(Article.claim_expires))).one()
        monkeypatch.setenv("NEWSMON_WORKER_POLL_SECONDS", "0.2")
        get_settings.cache_clear()
        result = CliRunner().invoke(app, ["extract", "--quiet"])
    assert result.exit_code == 0, result.output
    expected = (
        f"extract: waiting for 6 articles leased to {other} until {until:%Y-%m-%d %H:%M:%S} UTC"
    )
    assert expected in result.output
    assert result.output.count("waiting for") == 1  # said once, not at every poll
    assert sorted(_facts_per_article()) == sorted(ids)  # extracted once the lease ran out
