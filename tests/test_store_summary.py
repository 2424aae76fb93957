"""The summary tables kept by the extract stage equal a rebuild from the facts, after random inserts,
re-extractions and deletions (SQLite and PostgreSQL), and real extraction keeps them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from newsmon.store.db import get_engine
from newsmon.store.models import Article, Fact, Source
from newsmon.store.summary import (
    SUMMARIES,
    FactRow,
    delete_facts,
    fact_rows,
    rebuild,
    replace_facts,
    rows,
)

UNITS: list[tuple[str | None, str | None, str | None]] = [
    ("630000000", "Восточно-Казахстанская область", "region"),
    ("636800000", "Шемонаихинский район", "district"),
    ("636837100", "Волчанка", "settlement"),
    ("750000000", "Алматы", "city"),
    ("191000000", "Алматинская область", "region"),
    (None, "Жетісу өңірі", "region"),
    (None, "Жетісу өңірі", None),
    ("12345", "Странный код", None),
    (None, None, None),
]
PEOPLE = ["Ерлан Кайратов", "Ботагоз Сикпаева", "Нурлан Ногаев"]
ROLES = ["аким", "и.о. акима", "заместитель акима", None]
PROGRAMS = ["Ауыл аманаты", "Жер аманаты", "Нурлы жер"]
# published times around Almaty midnight (UTC 18:00–20:00) and none at all
BASE = datetime(2024, 2, 28, 17, 0, tzinfo=UTC)


def _published(rng: random.Random) -> datetime | None:
    if rng.random() < 0.1:
        return None
    return BASE + timedelta(days=rng.randrange(4), minutes=rng.randrange(0, 240, 7))


def _facts(rng: random.Random, art: Article) -> list[Fact]:
    out = []
    for _ in range(rng.randrange(0, 7)):
        kind = rng.choice(["akim", "amount", "program", "territory"])
        kato, name, level = rng.choice(UNITS)
        out.append(
            Fact(
                article_id=art.id,
                kind=kind,
                text="x",
                sentence="x.",
                start=0,
                end=1,
                confidence=0.9,
                extractor="test",
                published=art.published,
                person=rng.choice(PEOPLE) if kind == "akim" and rng.random() < 0.9 else None,
                role=rng.choice(ROLES) if kind == "akim" else None,
                program=rng.choice(PROGRAMS)
                if kind in ("amount", "program") and rng.random() < 0.8
                else None,
                territory_kato=kato if kind != "program" else None,
                territory_name=name if kind != "program" else None,
                territory_level=level if kind != "program" else None,
            )
        )
    return out


def _row(f: Fact) -> FactRow:
    assert f.id is not None
    return FactRow(*(getattr(f, n) for n in FactRow._fields))


def _extract(session: Session, rng: random.Random, ids: list[int]) -> None:
    """What the extract stage does for a batch: old facts out, new facts in, summaries moved."""
    conn = session.connection()
    old = fact_rows(conn, ids)
    session.execute(sa.delete(Fact).where(Fact.article_id.in_(ids)))  # type: ignore[attr-defined]
    new = [f for aid in ids for f in _facts(rng, session.get_one(Article, aid))]
    session.add_all(new)
    session.flush()
    replace_facts(conn, old, [_row(f) for f in new])
    session.commit()


def _snapshot(session: Session) -> list[list[tuple[Any, ...]]]:
    conn = session.connection()
    return [rows(conn, s) for s in SUMMARIES]


def test_incremental_equals_rebuild(db_url: str) -> None:
    rng = random.Random(16)
    engine = get_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        session.add(Source(name="src", kind="import"))
        session.commit()
        for step in range(60):
            op = rng.random()
            if op < 0.5 or step < 5:  # new articles
                arts = []
                for _ in range(rng.randrange(1, 5)):
                    n = step * 10 + len(arts)
                    arts.append(
                        Article(
                            source_id=1,
                            url=f"u{n}",
                            url_norm=f"u{n}",
                            title="t",
                            title_key="t",
                            text="x",
                            published=_published(rng),
                            fetched=BASE,
                            lang="ru",
                            content_hash="h",
                        )
                    )
                session.add_all(arts)
                session.flush()
                _extract(session, rng, [a.id for a in arts if a.id is not None])
            else:
                all_ids = list(session.execute(sa.select(Article.id)).scalars())  # type: ignore[call-overload]
                pick = rng.sample(all_ids, min(len(all_ids), rng.randrange(1, 6)))
                if op < 0.85:  # re-extraction
                    _extract(session, rng, pick)
                else:  # deletion of the articles' facts
                    delete_facts(session.connection(), pick)
                    session.commit()
        n_facts = session.execute(sa.select(sa.func.count()).select_from(Fact)).scalar_one()
        assert n_facts > 100
        kept = _snapshot(session)
        assert all(kept), "every summary table has rows"
        rebuild(session.connection())
        rebuilt = _snapshot(session)
        session.commit()
    for summary, a, b in zip(SUMMARIES, kept, rebuilt, strict=True):
        assert a == b, summary.table.name


def test_extraction_keeps_the_summaries_in_both_languages(db_url: str) -> None:
    """Real extraction of Russian and Kazakh articles, then a redo of every article (new fact ids):
    the kept tables equal a rebuild, and they count what the facts say."""
    from newsmon.ingest.articles import ArticleIn, get_or_create_source, store_articles
    from newsmon.nlp.extract import extract
    from newsmon.settings import get_settings
    from newsmon.store.db import open_session

    texts = [
        (
            "ru",
            "Аким Шемонаихинского района Иван Петров сообщил, что на ремонт дорог выделено 5 млн тенге.",
        ),
        (
            "ru",
            "По программе «Ауыл аманаты» в Костанайской области выдали кредиты на 2,5 млрд тенге.",
        ),
        (
            "kk",
            "Шемонаиха ауданының әкімі Ботагоз Сикпаева жолдарды жөндеуге 7 млн теңге бөлінгенін айтты.",
        ),
    ]
    items = [
        ArticleIn(
            url=f"https://news.kz/{i}",
            title=f"Жаңалық {i}",
            text=texts[i % 3][1],
            published=BASE + timedelta(hours=i * 5),
            lang=texts[i % 3][0],
        )
        for i in range(12)
    ]
    with open_session() as s:
        store_articles(s, get_or_create_source(s, "news.kz", kind="import"), items, now=BASE)
        s.commit()
    extract(get_settings(), batch_size=4)
    extract(get_settings(), batch_size=5, redo_all=True)
    with open_session() as s:
        kept = _snapshot(s)
        persons = {r[2] for r in kept[2]}
        assert {"Иван Петров", "Ботагоз Сикпаева"} <= persons
        programs = {r[0]: r for r in kept[1] if r[1] == "*"}
        assert sum(r[4] for r in kept[1] if r[0] == "Ауыл аманаты" and r[1] == "*") == 4
        assert "Ауыл аманаты" in programs
        total = s.execute(sa.select(sa.func.count()).select_from(Fact)).scalar_one()
        assert sum(r[6] for r in kept[0] if r[0] == "all" and r[1] != "*") == total
        rebuild(s.connection())
        assert _snapshot(s) == kept
        s.rollback()
