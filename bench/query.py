"""Query latency on a synthetic store: ten typical queries of the library API (what `newsmon facts`,
`akims`, `programs` and `search` run), each as median and p95 over repeated runs, and each as a ratio to a
plain primary-key lookup of one fact on the same SQLite database in the same run.

usage: python bench/query.py [--articles 200000] [--facts 1000000] [--runs 30] [--db PATH] [--keep]
       python bench/query.py --database postgresql://user@host/db   # the same store and queries on PostgreSQL

The generator writes through raw executemany inserts (the schema comes from the project's migrations; the
search index text from newsmon.text.normalize_text, the same function the article writer uses).
Territories follow the KATO layout: 17 real regions and 3 cities, 12 districts per region, 8 rural
districts per district, 4 villages per rural district; akims change over time (appointments).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REGIONS = [
    ("100000000", "область Абай"),
    ("110000000", "Акмолинская область"),
    ("150000000", "Актюбинская область"),
    ("190000000", "Алматинская область"),
    ("230000000", "Атырауская область"),
    ("270000000", "Западно-Казахстанская область"),
    ("310000000", "Жамбылская область"),
    ("330000000", "область Жетісу"),
    ("350000000", "Карагандинская область"),
    ("390000000", "Костанайская область"),
    ("430000000", "Кызылординская область"),
    ("470000000", "Мангистауская область"),
    ("550000000", "Павлодарская область"),
    ("590000000", "Северо-Казахстанская область"),
    ("610000000", "Туркестанская область"),
    ("620000000", "область Ұлытау"),
    ("630000000", "Восточно-Казахстанская область"),
    ("710000000", "Астана"),
    ("750000000", "Алматы"),
    ("790000000", "Шымкент"),
]
KK_REGION = {"630000000": "Шығыс Қазақстан облысы", "230000000": "Атырау облысы"}
SYL = [
    "ка",
    "ра",
    "бу",
    "лак",
    "жар",
    "тал",
    "ак",
    "кен",
    "сай",
    "бай",
    "тобе",
    "кол",
    "мир",
    "нов",
    "ер",
    "шу",
]
PROGRAMS = [
    "Ауыл аманаты",
    "Жер аманаты",
    "Дорожная карта занятости",
    "Нурлы жер",
    "Ауыл – Ел бесігі",
    "Енбек",
    "Бизнес-Юл",
    "Экономика простых вещей",
    "Серпин",
    "Жасыл Ел",
    "Дипломмен ауылға",
    "Кызмет",
    "Цифровой Казахстан",
    "Таза Казахстан",
    "Жайлы мектеп",
    "Комфортная школа",
    "Модернизация ЖКХ",
    "Ак жол",
    "Нурлы кош",
    "Болашак",
]
FIRST = [
    "Ерлан",
    "Бакытжан",
    "Ботагоз",
    "Нурлан",
    "Айгуль",
    "Серик",
    "Асель",
    "Марат",
    "Даурен",
    "Гульнар",
    "Канат",
    "Жанар",
    "Берик",
    "Алия",
    "Ержан",
    "Сауле",
]
LAST = [
    "Кайратов",
    "Байахметов",
    "Сикпаева",
    "Султангазиев",
    "Ногаев",
    "Сатыбалды",
    "Досаев",
    "Акимов",
    "Жумабаев",
    "Омарова",
    "Тулегенов",
    "Касымова",
    "Абенов",
    "Искаков",
    "Мусина",
    "Бекова",
    "Ахметов",
    "Нуржанов",
    "Садыкова",
    "Есимов",
]
RU_SENT = [
    "Аким {unit} {person} провел совещание по подготовке к паводкам.",
    "По программе «{program}» в {unit} выделят {amount} тенге на ремонт дорог и школ.",
    "Акимы районов обязаны дежурить на местах, сообщили в акимате.",
    "Жители {unit} пожаловались акиму на состояние дорог и отсутствие воды.",
    "В {unit} открыли новую школу на 300 мест за счет бюджетных средств.",
    "Паводковая ситуация остается под контролем, уровень воды снижается.",
    "Финансирование проектов по программе «{program}» увеличат в следующем году.",
    "Заместитель акима рассказал о ходе отопительного сезона и ремонте котельных.",
]
KK_SENT = [
    "{unit} әкімі {person} су тасқынына қарсы жұмыстарды тексерді.",
    "«{program}» бағдарламасы бойынша ауданға {amount} теңге бөлінді.",
    "Аудандардың әкімдері тұрғындармен кездесу өткізді.",
    "Ауылдағы мектептің құрылысы биыл аяқталады деп хабарлады әкімдік.",
    "Облыс әкімі жол жөндеу жұмыстарының барысымен танысты.",
]
TEMPLATE_SHARE = (
    0.08  # sentences about akims, programmes and floods; the rest is ordinary vocabulary
)
LEXICON = 30_000
AMOUNTS = [5e6, 1e7, 2.5e7, 5e7, 1e8, 3e8, 5e8, 1e9, 1.5e9, 2e9, 5e9]
START = datetime(2023, 1, 1, tzinfo=UTC)
DAYS = 730


def territories(
    rng: random.Random,
) -> list[tuple[str, str | None, str, str, str | None, list[str]]]:
    """(kato, parent, level, name, name_kk, aliases) in the KATO layout."""
    out = []
    for code, name in REGIONS:
        level = "city" if code in ("710000000", "750000000", "790000000") else "region"
        out.append(
            (code, None, level, name, KK_REGION.get(code), ["ВКО"] if code == "630000000" else [])
        )
        if level == "city":
            continue
        for d in range(12):
            dcode = code[:2] + f"{20 + d * 3:02d}" + "00000"
            root = (
                "Шемонаиха"
                if (code == "630000000" and d == 0)
                else "".join(rng.choice(SYL) for _ in range(3)).capitalize()
            )
            dname = "Шемонаихинский район" if root == "Шемонаиха" else f"{root}ский район"
            out.append((dcode, code, "district", dname, f"{root} ауданы", []))
            for r in range(8):
                rcode = dcode[:4] + f"{30 + r * 3:02d}" + "000"
                rroot = (
                    "Волчан"
                    if (root == "Шемонаиха" and r == 0)
                    else "".join(rng.choice(SYL) for _ in range(2)).capitalize()
                )
                out.append(
                    (
                        rcode,
                        dcode,
                        "rural_district",
                        f"{rroot}ский сельский округ",
                        f"{rroot} ауылдық округі",
                        [],
                    )
                )
                for v in range(4):
                    out.append(
                        (
                            rcode[:6] + f"{100 + v * 10}",
                            rcode,
                            "settlement",
                            f"{rroot}{['ка', 'овка', 'ное', 'ский'][v]}",
                            None,
                            [],
                        )
                    )
    return out


class SqliteWriter:
    """Raw executemany inserts into a migrated SQLite file."""

    def __init__(self, url: str) -> None:
        self.con = sqlite3.connect(url.removeprefix("sqlite:///"))
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=OFF")
        self.con.execute("PRAGMA cache_size=-400000")

    def time(self, when: str) -> str:
        return when

    def json(self, value: Any) -> Any:
        import json

        return json.dumps(value, ensure_ascii=False)

    def rows(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        cols = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        self.con.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)

    def commit(self) -> None:
        self.con.commit()

    def analyze(self) -> None:
        self.con.execute("ANALYZE")
        self.con.commit()
        self.con.close()


class PostgresWriter:
    """COPY into a migrated PostgreSQL database (psycopg 3)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.con = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))

    def time(self, when: str) -> str:
        return when + "+00"

    def json(self, value: Any) -> Any:
        from psycopg.types.json import Json

        return Json(value)

    def rows(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        cols = ", ".join(f'"{c}"' for c in columns)
        with self.con.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def commit(self) -> None:
        self.con.commit()

    def analyze(self) -> None:
        with self.con.cursor() as cur:
            for table in ("article", "fact", "source"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
        self.con.commit()
        self.con.autocommit = True
        self.con.execute("VACUUM ANALYZE")
        self.con.close()


def generate(url: str, n_articles: int, n_facts: int, seed: int = 7) -> dict[str, float]:
    """Fill the database at `url` (migrated by the project first); returns seconds per step."""
    from newsmon.store.db import dispose_engines, get_engine
    from newsmon.text import normalize_text

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    db_url = url
    get_engine(db_url)
    dispose_engines()
    rng = random.Random(seed)
    terr = territories(rng)
    units = [t for t in terr if t[2] != "region" or True]
    paths: dict[str, list[str]] = {}
    by_code = {t[0]: t for t in terr}
    for t in terr:
        p, cur = [], t[0]
        while cur:
            p.append(by_code[cur][3])
            cur = by_code[cur][1]
        paths[t[0]] = list(reversed(p))
    con: SqliteWriter | PostgresWriter = (
        PostgresWriter(db_url) if db_url.startswith("postgresql") else SqliteWriter(db_url)
    )
    con.rows(
        "territory",
        ["kato", "parent", "level", "name", "name_kk", "raw", "aliases"],
        [(k, p, lvl, n, kk, None, con.json(al)) for k, p, lvl, n, kk, al in terr],
    )
    sources = [
        "tengrinews.kz",
        "24.kz",
        "kazinform.kz",
        "inform.kz",
        "zakon.kz",
        "kt.kz",
        "vkonline.kz",
        "ulysmedia.kz",
        "egemen.kz",
        "baq.kz",
    ]
    con.rows("source", ["id", "name", "kind"], [(i, n, "import") for i, n in enumerate(sources, 1)])
    # akims: each unit has 1–3 heads over the two years
    heads: dict[str, list[tuple[int, str]]] = {}
    for t in units:
        changes = sorted(rng.sample(range(30, DAYS - 30), rng.choice([0, 0, 1, 2])))
        heads[t[0]] = [(day, f"{rng.choice(FIRST)} {rng.choice(LAST)}") for day in [0, *changes]]

    def head(code: str, day: int) -> str:
        return [p for d, p in heads[code] if d <= day][-1]

    lexicon = list(
        dict.fromkeys(
            "".join(rng.choice(SYL) for _ in range(rng.randint(2, 4)))
            + rng.choice(["", "а", "ов", "ами", "ого", "ый", "ение", "ать", "ы"])
            for _ in range(LEXICON)
        )
    )
    zipf = list(_accumulate([1 / (r + 10) for r in range(len(lexicon))]))

    def filler() -> str:
        n = rng.randint(8, 14)
        return " ".join(lexicon[_pick(zipf, rng)] for _ in range(n)).capitalize() + "."

    weights = [
        1
        if t[2] in ("region", "city")
        else 0.6
        if t[2] == "district"
        else 0.15
        if t[2] == "rural_district"
        else 0.05
        for t in units
    ]
    cum = list(_accumulate(weights))
    timings["setup"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    art_meta: list[tuple[int, int, str]] = []  # day, source, lang
    batch: list[tuple[Any, ...]] = []
    search_rows: list[tuple[Any, ...]] = []
    fetched = con.time(START.strftime("%Y-%m-%d %H:%M:%S.%f"))
    t_norm = 0.0
    for i in range(1, n_articles + 1):
        day = rng.randrange(DAYS)
        when = START + timedelta(days=day, minutes=rng.randrange(1440))
        lang = "kk" if rng.random() < 0.2 else "ru"
        src = rng.randrange(1, len(sources) + 1)
        unit = units[_pick(cum, rng)]
        sents = KK_SENT if lang == "kk" else RU_SENT
        fill = {
            "unit": unit[3],
            "person": head(unit[0], day),
            "program": rng.choice(PROGRAMS),
            "amount": f"{rng.choice([1.5, 2, 300, 120, 45])} млрд",
        }
        text = " ".join(
            rng.choice(sents).format(**fill) if rng.random() < TEMPLATE_SHARE else filler()
            for _ in range(rng.randint(4, 8))
        )
        title = rng.choice(sents).format(**fill)[:120]
        url = f"https://{sources[src - 1]}/news/{i}/"
        batch.append(
            (
                i,
                src,
                url,
                url,
                title,
                title.lower(),
                text,
                con.time(when.strftime("%Y-%m-%d %H:%M:%S.%f")),
                fetched,
                lang,
                f"{i:064x}",
            )
        )
        tn = time.perf_counter()
        search_rows.append(
            (i, src, batch[-1][7], lang, normalize_text(title, lang), normalize_text(text, lang))
        )
        t_norm += time.perf_counter() - tn
        art_meta.append((day, src, lang))
        if len(batch) >= 5000:
            _flush_articles(con, batch, search_rows)
    _flush_articles(con, batch, search_rows)
    con.commit()
    timings["articles"] = time.perf_counter() - t1
    timings["of which normalize_text"] = t_norm

    t2 = time.perf_counter()
    rows: list[tuple[Any, ...]] = []
    kinds = ["territory"] * 40 + ["akim"] * 15 + ["amount"] * 25 + ["program"] * 20
    for f in range(1, n_facts + 1):
        aid = rng.randrange(1, n_articles + 1)
        day, src, lang = art_meta[aid - 1]
        kind = rng.choice(kinds)
        unit = units[_pick(cum, rng)]
        published = con.time(
            (START + timedelta(days=day, hours=6)).strftime("%Y-%m-%d %H:%M:%S.%f")
        )
        person = role = program = unit_m = raw = None
        value = None
        with_terr = True
        if kind == "akim":
            person, role = (
                head(unit[0], day),
                ("аким" if rng.random() < 0.85 else "заместитель акима"),
            )
            text = f"аким {unit[3]} {person}"
        elif kind == "amount":
            value = rng.choice(AMOUNTS)
            unit_m = "KZT" if rng.random() < 0.9 else "USD"
            program = rng.choice(PROGRAMS) if rng.random() < 0.4 else None
            raw = f"{value:g} тенге"
            with_terr = rng.random() < 0.7
            text = raw
        elif kind == "program":
            program = rng.choice(PROGRAMS)
            with_terr = False
            text = program
        else:
            text = unit[3]
        terr_cols = (
            (unit[0], unit[3], unit[2], con.json(paths[unit[0]])) if with_terr else (None,) * 4
        )
        rows.append(
            (
                f,
                aid,
                kind,
                text,
                text,
                0,
                len(text),
                0.9,
                "bench",
                published,
                src,
                lang,
                person,
                role,
                program,
                value,
                unit_m,
                raw,
                *terr_cols,
            )
        )
        if len(rows) >= 20000:
            _flush_facts(con, rows)
    _flush_facts(con, rows)
    con.commit()
    timings["facts"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    from newsmon.store.summary import rebuild

    engine = get_engine(db_url)
    with engine.begin() as conn:  # the facts were written here, not by extract
        rebuild(conn)
    dispose_engines()
    timings["summaries (newsmon reindex)"] = time.perf_counter() - t3
    t4 = time.perf_counter()
    con.analyze()
    timings["analyze"] = time.perf_counter() - t4
    timings["total"] = time.perf_counter() - t0
    return timings


def _accumulate(weights: list[float]) -> list[float]:
    out, s = [], 0.0
    for w in weights:
        s += w
        out.append(s)
    return out


def _pick(cum: list[float], rng: random.Random) -> int:
    import bisect

    return bisect.bisect_left(cum, rng.random() * cum[-1])


def _flush_articles(
    con: SqliteWriter | PostgresWriter,
    batch: list[tuple[Any, ...]],
    search_rows: list[tuple[Any, ...]],
) -> None:
    con.rows(
        "article",
        "id source_id url url_norm title title_key text published fetched lang content_hash".split(),
        batch,
    )
    con.rows(
        "article_search",
        ["article_id", "source_id", "published", "lang", "title", "body"],
        search_rows,
    )
    batch.clear()
    search_rows.clear()


def _flush_facts(con: SqliteWriter | PostgresWriter, rows: list[tuple[Any, ...]]) -> None:
    con.rows(
        "fact",
        "id article_id kind text sentence start end confidence extractor published source_id lang "
        "person role program value unit raw territory_kato territory_name territory_level "
        "territory_path".split(),
        rows,
    )
    rows.clear()


def measure(url: str, runs: int, n_facts: int) -> list[tuple[str, float, float]]:
    """(name, median ms, p95 ms) per query; the first is the reference."""
    import sqlalchemy as sa
    from sqlmodel import select

    from newsmon.query import FactFilter, akims_directory, list_facts, program_summaries
    from newsmon.query.overview import facts_by_kind, top_programs, top_territories, unit_counts
    from newsmon.search import SearchQuery, search
    from newsmon.store.db import open_session
    from newsmon.store.models import Fact

    session = open_session(url)
    rng = random.Random(1)

    def pk() -> Any:
        session.expunge_all()
        return session.execute(
            select(Fact).where(Fact.id == rng.randrange(1, n_facts + 1))
        ).scalar_one()

    month = (date(2024, 3, 1), date(2024, 3, 31))
    queries: list[tuple[str, Callable[[], Any]]] = [
        ("primary-key lookup of one fact (reference)", pk),
        (
            "facts --territory ВКО --kind akim --limit 50",
            lambda: list_facts(FactFilter(territory="ВКО", kind="akim", limit=50), session=session),
        ),
        (
            "facts --territory «Шемонаиха ауданы» --kind amount --limit 50",
            lambda: list_facts(
                FactFilter(territory="Шемонаиха ауданы", kind="amount", limit=50), session=session
            ),
        ),
        (
            "facts --program «Ауыл аманаты» --since/--until (a month)",
            lambda: list_facts(
                FactFilter(program="Ауыл аманаты", since=month[0], until=month[1]), session=session
            ),
        ),
        (
            "facts --person Сикпаева --limit 50",
            lambda: list_facts(FactFilter(person="Сикпаева", limit=50), session=session),
        ),
        (
            "facts --kind amount --unit KZT --min-value 1e9 --territory «Атырау облысы» --limit 50",
            lambda: list_facts(
                FactFilter(
                    kind="amount", unit="KZT", min_value=1e9, territory="Атырау облысы", limit=50
                ),
                session=session,
            ),
        ),
        ("akims --territory ВКО", lambda: akims_directory("ВКО", session=session)),
        (
            "akims --territory «Шемонаихинский район»",
            lambda: akims_directory("Шемонаихинский район", session=session),
        ),
        (
            "programs --program «Ауыл аманаты» --territory ВКО",
            lambda: program_summaries("Ауыл аманаты", territory="ВКО", session=session),
        ),
        (
            "search «акимов паводок» --limit 20",
            lambda: search(SearchQuery("акимов паводок"), session=session),
        ),
        (
            "search «ауданының әкімі» --territory ВКО --since 2024-01-01",
            lambda: search(
                SearchQuery("ауданының әкімі", territory="ВКО", since=date(2024, 1, 1)),
                session=session,
            ),
        ),
    ]

    def home() -> Any:  # what the home page's overview reads for a month
        return (
            facts_by_kind(session, *month),
            top_territories(session, *month),
            top_programs(session, *month),
            unit_counts(session, *month),
        )

    heavy: list[tuple[str, Callable[[], Any]]] = [
        ("akims (whole country)", lambda: akims_directory(session=session)),
        ("programs (all, whole country)", lambda: program_summaries(session=session)),
        ("home overview of a month (counts by kind, top territories, programmes)", home),
        ("map of a month (unit_counts)", lambda: unit_counts(session, *month)),
    ]
    out = []
    for name, fn in queries + heavy:
        for _ in range(2):
            fn()
        times = []
        n = runs if (name, fn) not in heavy else max(5, runs // 4)
        for _ in range(n):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        out.append((name, statistics.median(times), p95))
    session.close()
    _ = sa
    return out


def _has_facts(url: str) -> bool:
    import sqlalchemy as sa

    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return False
    from newsmon.store.db import get_engine

    with get_engine(url).connect() as conn:
        return bool(
            conn.execute(sa.text("SELECT count(*) FROM (SELECT 1 FROM fact LIMIT 1) x")).scalar()
        )


def _size(url: str) -> int:
    """Bytes on disk: the SQLite file (and its WAL), or PostgreSQL's current database."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    import sqlalchemy as sa

    from newsmon.store.db import get_engine

    with get_engine(url).connect() as conn:
        return int(
            conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()
        )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--articles", type=int, default=200_000)
    ap.add_argument("--facts", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--db", type=Path, default=None, help="reuse (or keep) this database file")
    ap.add_argument("--keep", action="store_true", help="keep the generated database")
    ap.add_argument(
        "--database",
        default=None,
        help="postgresql://… : generate into (when it has no facts) and query this PostgreSQL "
        "database instead of an SQLite file",
    )
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="newsmon-bench-"))
    db = args.db or tmp / "bench.db"
    url = args.database or f"sqlite:///{db}"
    if not _has_facts(url):
        timings = generate(url, args.articles, args.facts)
        print(
            f"generated {args.articles:,} articles and {args.facts:,} facts in {timings['total']:.1f} s "
            f"({', '.join(f'{k} {v:.1f} s' for k, v in timings.items() if k != 'total')}); "
            f"database {_size(url) / 2**20:.0f} MiB",
            flush=True,
        )
    results = measure(url, args.runs, args.facts)
    ref_med, ref_p95 = results[0][1], results[0][2]
    print("\n| query | median ms | p95 ms | median ÷ ref | p95 ÷ ref |\n|---|---:|---:|---:|---:|")
    for name, med, p95 in results:
        print(f"| {name} | {med:.2f} | {p95:.2f} | {med / ref_med:.0f} | {p95 / ref_p95:.0f} |")
    print(
        f"\nPython {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs; "
        f"database {_size(url) / 2**20:.0f} MiB ({url.split('@')[-1]})"
    )
    if not args.keep and args.db is None:
        for p in tmp.iterdir():
            p.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    main()
