"""Shared by the web tests: one database per module (SQLite, and PostgreSQL when a server answers) holding
the demo sample with its hand-written facts plus fixtures/web/hostile.jsonl (HTML in titles and texts)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alert_support import free_port
from conftest import filled_database
from digest_support import DEMO_WATCHLIST, add_fact, load_sample
from sqlmodel import select

from newsmon.ingest.importer import import_jsonl
from newsmon.nlp.linking import relink
from newsmon.store.db import open_session
from newsmon.store.models import Article

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "web" / "hostile.jsonl"
KATON = {
    "name": "Катон-Карагайский район",
    "level": "district",
    "kato": "635200000",
    "path": ["Восточно-Казахстанская область", "Катон-Карагайский район"],
}
# (url suffix, kind, text as it stands in the article, keys)
HOSTILE_FACTS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("script-v-zagolovke", "territory", "Катон-Карагайского района", {"territory": KATON}),
    (
        "script-v-zagolovke",
        "akim",
        "Аким Катон-Карагайского района Данияр Тлеубаев",
        {"person": "Данияр Тлеубаев", "role": "аким", "territory": KATON},
    ),
    (
        "script-v-zagolovke",
        "amount",
        "120 млн тенге",
        {"value": 120e6, "unit": "KZT", "program": "Ауыл аманаты", "territory": KATON},
    ),
    ("script-v-zagolovke", "program", "«Ауыл аманаты»", {"program": "Ауыл аманаты"}),
    (
        "takyryptagy-skript",
        "akim",
        "Катонқарағай ауданының әкімі Данияр Тілеубаев",
        {"person": "Данияр Тілеубаев", "role": "аким", "territory": KATON},
    ),
    (
        "takyryptagy-skript",
        "amount",
        "120 млн теңге",
        {"value": 120e6, "unit": "KZT", "territory": KATON},
    ),
]
WATCHLIST = DEMO_WATCHLIST
DAY = "2024-11-20"


def fill(url: str) -> None:
    """The demo sample and the hostile articles, with their facts, in `url`."""
    load_sample(url)
    report = import_jsonl(HOSTILE, database_url=url)
    assert report.ok, report.skipped
    with open_session(url) as session:
        arts = session.exec(select(Article)).all()
        for suffix, kind, text, keys in HOSTILE_FACTS:
            add_fact(session, next(a for a in arts if a.url.endswith(suffix)), kind, text, keys)
        session.flush()
        session.commit()
        # person, unit and programme rows, as extraction leaves them; relink rebuilds the summaries
        relink(session)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def web_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A filled database for the whole module, once per backend."""
    with filled_database(request.param, tmp_path_factory, "web", fill) as url:
        yield url


def article_id(url: str, suffix: str) -> int:
    with open_session(url) as session:
        return next(a.id for a in session.exec(select(Article)).all() if a.url.endswith(suffix))  # type: ignore[misc]


# ---------------------------------------------------------------- a sparse store (issue 14, finding 0)
# articles with only the required keys (no published, no source, no summary) and, on each, one fact of
# every kind with every optional field missing, plus the shapes real extraction gives: an amount with a
# programme but no territory (the /programs 500), one with a value but no unit, an akim without a role
SPARSE_ARTICLES = [
    {
        "url": "https://sparse.example/ru/1",
        "title": "Аким района о программе",
        "text": "Аким района сообщил, что по программе «Ауыл аманаты» выделено 5 млн тенге.",
    },
    {"url": "https://sparse.example/kk/1", "title": "Әкім ауылда болды", "text": ""},
    # dated (so the digest and coverage of DAY see it); its facts carry what the extractor always
    # copies from the article (published, source, lang) and nothing optional of their own
    {
        "url": "https://sparse.example/ru/2",
        "title": "Аким Катон-Карагайского района Данияр Тлеубаев",
        "text": "Аким сообщил о программе «Ауыл аманаты».",
        "published": f"{DAY}T10:00:00+05:00",
        "lang": "ru",
    },
]
SPARSE_FACTS: list[tuple[str, dict[str, Any]]] = [
    ("akim", {}),
    ("amount", {}),
    ("program", {}),
    ("territory", {}),
    ("amount", {"program": "Ауыл аманаты", "value": 5e6, "unit": "KZT"}),
    ("amount", {"program": "Ауыл аманаты"}),
    ("amount", {"value": 12.0}),
    ("akim", {"person": "Иван Иванов"}),
    ("territory", {"territory_name": "Шемонаиха"}),
]


def fill_sparse(url: str, tmp: Path) -> None:
    """SPARSE_ARTICLES and SPARSE_FACTS in `url` (no demo data)."""
    import json

    from newsmon.store.models import Fact

    lines = tmp / "sparse.jsonl"
    lines.write_text(
        "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in SPARSE_ARTICLES),
        encoding="utf-8",
    )
    report = import_jsonl(lines, database_url=url)
    assert report.ok and report.new == len(SPARSE_ARTICLES), report
    with open_session(url) as session:
        for art in session.exec(select(Article)).all():
            copied = (
                {"published": art.published, "source_id": art.source_id, "lang": art.lang}
                if art.published
                else {}
            )
            for kind, keys in SPARSE_FACTS:
                session.add(
                    Fact(
                        article_id=art.id,
                        kind=kind,
                        text=art.title[:5],
                        sentence="",
                        start=0,
                        end=5,
                        confidence=0.5,
                        extractor="test",
                        **copied,
                        **keys,
                    )
                )
        session.flush()
        session.commit()
        relink(session)  # entity rows and the summaries, as extraction leaves them


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def sparse_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A sparse store (fill_sparse) for the whole module, once per backend."""
    tmp = tmp_path_factory.mktemp("sparse")
    with filled_database(
        request.param, tmp_path_factory, "s", lambda url: fill_sparse(url, tmp)
    ) as url:
        yield url


# ---------------------------------------------------------------- a live server (browser and curl tests)


@contextlib.contextmanager
def live_server(url: str, watchlist: Path = WATCHLIST) -> Iterator[str]:
    """A uvicorn server of the app over `url` on a free loopback port, in a thread; yields its base URL."""
    import threading
    import time

    import uvicorn

    from newsmon.web import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(url, watchlist=watchlist), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
