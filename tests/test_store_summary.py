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
        persons = {r[2] for r in kept[3]}
        assert {"Иван Петров", "Ботагоз Сикпаева"} <= persons
        programs = {r[0]: r for r in kept[2] if r[1] == "*"}
        assert sum(r[4] for r in kept[2] if r[0] == "Ауыл аманаты" and r[1] == "*") == 4
        assert "Ауыл аманаты" in programs
        total = s.execute(sa.select(sa.func.count()).select_from(Fact)).scalar_one()
        assert sum(r[6] for r in kept[0] if r[0] == "all" and r[1] != "*") == total
        rebuild(s.connection())
        assert _snapshot(s) == kept
        s.rollback()


REGION_TEXTS = [
    "Аким района провел совещание о паводке.",
    "Ауданның әкімі жолдарды тексерді, паводок кезінде.",
    "Программа помощи селу и паводок.",
]


def _dated_store(url: str, rng: random.Random, n: int = 80) -> None:
    """Articles (all dated, ru and kk) with random facts, extracted as the extract stage does."""
    from newsmon.ingest.articles import ArticleIn, get_or_create_source, store_articles

    items = [
        ArticleIn(
            url=f"https://news.kz/{i}",
            title=f"Новость {i}",
            text=REGION_TEXTS[i % 3],
            published=BASE + timedelta(days=rng.randrange(4), minutes=rng.randrange(0, 240, 7)),
            lang="kk" if i % 3 == 1 else "ru",
        )
        for i in range(n)
    ]
    with Session(get_engine(url), expire_on_commit=False) as s:
        store_articles(s, get_or_create_source(s, "news.kz", kind="import"), items, now=BASE)
        s.commit()
        ids = list(s.execute(sa.select(Article.id)).scalars())  # type: ignore[call-overload]
        for i in range(0, len(ids), 7):
            _extract(s, rng, ids[i : i + 7])
        _extract(s, rng, ids[::5])  # some re-extracted
        delete_facts(s.connection(), ids[1::9])
        s.commit()


def _old_mentions(s: Session, program: str | None) -> list[tuple[Any, ...]]:
    """programme mentions as they were counted over the facts before the summaries."""
    f = Fact.__table__  # type: ignore[attr-defined]
    cond = [f.c.program.is_not(None), f.c.kind.in_(("program", "amount"))]
    if program:
        cond.append(f.c.program == program)
    rows = s.execute(
        sa.select(
            f.c.program,
            sa.func.sum(sa.case((f.c.kind == "program", 1), else_=0)),
            sa.func.count(sa.distinct(f.c.article_id)),
        )
        .where(*cond)
        .group_by(f.c.program)
    ).all()
    return sorted((p, int(m), int(a)) for p, m, a in rows)


def test_reads_from_the_summaries_equal_the_facts(db_url: str) -> None:
    """The akims directory, programme summaries, the overview's counts, and region-filtered search and
    programmes give what the facts give (the queries before the summaries)."""
    from collections import Counter, defaultdict
    from datetime import date

    from newsmon.query import akims_directory, program_summaries
    from newsmon.query.dates import ALMATY, MAX_DAY, MIN_DAY
    from newsmon.query.overview import facts_by_kind, top_programs, top_territories, unit_counts
    from newsmon.search import SearchQuery, search

    _dated_store(db_url, random.Random(7))
    with Session(get_engine(db_url)) as s:
        facts = [
            FactRow(*r)
            for r in s.execute(sa.select(*(Fact.__table__.c[n] for n in FactRow._fields)))
        ]  # type: ignore[attr-defined]
        assert len(facts) > 150
        # akims: the summary path (no period) equals the facts path (a period covering everything)
        for territory in (None, "Восточно-Казахстанская область", "Алматы", "Жетісу өңірі"):
            kept = [e.as_dict() for e in akims_directory(territory, session=s)]
            scanned = [
                e.as_dict()
                for e in akims_directory(territory, since=MIN_DAY, until=MAX_DAY, session=s)
            ]
            assert kept == scanned and (territory is not None or kept)
            for deputies in (True,):
                assert [
                    e.as_dict() for e in akims_directory(territory, deputies=deputies, session=s)
                ] == [
                    e.as_dict()
                    for e in akims_directory(
                        territory, deputies=deputies, since=MIN_DAY, until=MAX_DAY, session=s
                    )
                ]
        # programmes: mentions and articles as the facts count them
        for program in (None, "Нурлы жер"):
            got = sorted(
                (p.program, p.mentions, p.articles) for p in program_summaries(program, session=s)
            )
            assert got == _old_mentions(s, program) and got
        # one day's overview counts against the facts of that Almaty day
        day = (BASE + timedelta(days=1)).astimezone(ALMATY).date()
        on_day = [f for f in facts if f.published and f.published.astimezone(ALMATY).date() == day]
        assert facts_by_kind(s, day, day) == dict(Counter(f.kind for f in on_day))
        arts: dict[tuple[Any, ...], set[int]] = defaultdict(set)
        for f in on_day:
            if f.territory_name:
                arts[(f.territory_name, f.territory_kato, f.territory_level)].add(f.article_id)
        top = top_territories(s, day, day, limit=100)
        assert {(t.name, t.kato, t.level): t.articles for t in top} == {
            k: len(v) for k, v in arts.items()
        }
        regions: dict[str, set[int]] = defaultdict(set)
        for f in on_day:
            if f.territory_kato:
                regions[f.territory_kato[:2]].add(f.article_id)
        assert dict(unit_counts(s, day, day).articles) == {k: len(v) for k, v in regions.items()}
        progs: dict[str, set[int]] = defaultdict(set)
        for f in on_day:
            if f.program:
                progs[f.program].add(f.article_id)
        assert {p.name: p.articles for p in top_programs(s, day, day, 100)} == {
            k: len(v) for k, v in progs.items()
        }
        # region filters: search and programme mentions against a probe of the facts
        for territory, prefix, name in (
            ("Восточно-Казахстанская область", "63", None),
            ("Шемонаихинский район", "6368", None),
            ("Жетісу өңірі", None, "Жетісу өңірі"),
        ):
            inside = {
                f.article_id
                for f in facts
                if (prefix and f.territory_kato and f.territory_kato.startswith(prefix))
                or (name and f.territory_kato is None and f.territory_name == name)
            }
            assert inside
            everything = {h.id for h in search(SearchQuery("паводок", limit=1000), session=s)}
            hits = search(SearchQuery("паводок", territory=territory, limit=1000), session=s)
            assert {h.id for h in hits} == everything & inside
            assert everything & inside and everything - inside
            by_program = program_summaries(territory=territory, session=s)
            expected: dict[str, set[int]] = defaultdict(set)
            for f in facts:
                if f.program and f.article_id in inside:
                    expected[f.program].add(f.article_id)
            assert {p.program: p.articles for p in by_program} == {
                k: len(v) for k, v in expected.items()
            }
        _ = date


def test_migration_fills_the_summaries_from_stored_facts(db_url: str) -> None:
    """A store at 0005 with facts, upgraded: 0006 fills every table as a rebuild would."""
    from alembic import command

    from newsmon.store.db import alembic_config

    engine = get_engine(db_url)
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    rng = random.Random(5)
    with Session(engine, expire_on_commit=False) as s:
        s.add(Source(name="src", kind="import"))
        s.flush()
        arts = [
            Article(
                source_id=1, url=f"m{i}", url_norm=f"m{i}", title="t", title_key="t", text="x",
                published=_published(rng), fetched=BASE, lang="ru", content_hash="h",
            )
            for i in range(20)
        ]  # fmt: skip
        s.add_all(arts)
        s.flush()
        s.add_all([f for a in arts for f in _facts(rng, a)])
        s.commit()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with Session(engine) as s:
        migrated = _snapshot(s)
        assert all(migrated)
        rebuild(s.connection())
        assert _snapshot(s) == migrated
        s.rollback()
