"""Shared data for the query tests: a small, realistic store built directly (no extraction run).

Units follow KATO 17.10.2022 (ВКО 630000000 ⊃ Шемонаихинский район 636800000 ⊃ Волчанский с.о. 636837000
⊃ с.Волчанка 636837100); facts are what the extractor would store for real-shaped Russian and Kazakh
sentences. Each fact has a label the tests use to say which facts a filter must return.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from newsmon.ingest.articles import ArticleIn, get_or_create_source, store_articles
from newsmon.store.db import open_session
from newsmon.store.models import Fact, Territory
from newsmon.store.summary import rebuild

ALMATY = timezone(timedelta(hours=5))


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ALMATY)


VKO = ("Восточно-Казахстанская область",)
SHEM = (*VKO, "Шемонаихинский район")
VOLCH = (*SHEM, "Волчанский сельский округ")

TERRITORIES = [
    # kato, parent, level, name, name_kk, aliases
    (
        "630000000",
        None,
        "region",
        "Восточно-Казахстанская область",
        "Шығыс Қазақстан облысы",
        ["ВКО"],
    ),
    ("631000000", "630000000", "city", "Усть-Каменогорск", "Өскемен", []),
    ("636800000", "630000000", "district", "Шемонаихинский район", "Шемонаиха ауданы", []),
    (
        "636837000",
        "636800000",
        "rural_district",
        "Волчанский сельский округ",
        "Волчанка ауылдық округі",
        [],
    ),
    ("636837100", "636837000", "settlement", "Волчанка", "Волчанка", []),
    ("636820100", "636800000", "city", "Шемонаиха", "Шемонаиха", []),
    ("230000000", None, "region", "Атырауская область", "Атырау облысы", []),
    ("231010000", "230000000", "city", "Атырау", "Атырау", []),
    ("750000000", None, "city", "Алматы", "Алматы", []),
]
UNITS = {row[0]: row for row in TERRITORIES}


def unit(kato: str) -> dict[str, Any]:
    kato, _parent, level, name, _kk, _al = UNITS[kato]
    path, cur = [], kato
    while cur:
        path.append(UNITS[cur][3])
        cur = UNITS[cur][1]
    return {"kato": kato, "name": name, "level": level, "path": list(reversed(path))}


@dataclass
class Art:
    key: str
    source: str
    lang: str
    published: datetime
    title: str
    text: str


ARTICLES = [
    Art(
        "a1",
        "24.kz",
        "ru",
        day("2024-03-01T10:00"),
        "Аким Волчанского сельского округа встретилась с жителями",
        "Аким Волчанского сельского округа Шемонаихинского района ВКО Ботагоз Сикпаева провела сход в селе "
        "Волчанка. Жители спросили акима о ремонте дороги.",
    ),
    Art(
        "a2",
        "tengrinews.kz",
        "ru",
        day("2024-04-10T09:00"),
        "Паводки в ВКО: акимы районов на местах",
        "Акимов районов Восточно-Казахстанской области обязали дежурить. Сикпаева сообщила, что паводков в "
        "Волчанском сельском округе нет. Аким Шемонаихинского района Ерлан Кайратов выехал в сёла.",
    ),
    Art(
        "a3",
        "24.kz",
        "ru",
        day("2024-04-12T11:00"),
        "На «Ауыл аманаты» в ВКО выделят 1,5 млрд тенге",
        "По программе «Ауыл аманаты» в Восточно-Казахстанской области выделят 1,5 млрд тенге на кредиты "
        "сельчанам, сообщил аким области.",
    ),
    Art(
        "a4",
        "tengrinews.kz",
        "ru",
        day("2024-04-13T15:00"),
        "1,5 млрд тенге получат сельчане ВКО",
        "Сельчане Восточно-Казахстанской области получат 1,5 млрд тенге по программе «Ауыл аманаты». "
        "Из них 300 млн тенге направят в Шемонаихинский район.",
    ),
    Art(
        "a5",
        "kazinform.kz",
        "kk",
        day("2024-04-15T12:00"),
        "Шемонаиха ауданының әкімі тағайындалды",
        "Шемонаиха ауданының әкімі болып Бақытжан Байахметов тағайындалды. Ауыл аманаты бағдарламасы бойынша "
        "аудандағы ауылдарға қолдау көрсетіледі.",
    ),
    Art(
        "a6",
        "kazinform.kz",
        "kk",
        day("2024-04-16T08:00"),
        "Атырау облысындағы су тасқыны",
        "Атырау облысының әкімдері су тасқынына қарсы жұмыс жүргізуде. Облыс әкімі Атырау қаласында болды. "
        "Зардап шеккендерге 2 млн доллар бөлінді.",
    ),
    Art(
        "a7",
        "24.kz",
        "ru",
        day("2024-06-01T10:00"),
        "Снова 1,5 млрд на «Ауыл аманаты» в ВКО",
        "На второй транш программы «Ауыл аманаты» в Восточно-Казахстанской области выделят ещё 1,5 млрд тенге.",
    ),
    Art(
        "a8",
        "tengrinews.kz",
        "ru",
        day("2024-04-17T10:00"),
        "Аким Атырауской области о паводке",
        "Аким Атырауской области рассказал о паводке в Атырау. В Алматы тем временем прошёл дождь.",
    ),
]

# label, article, kind, fields
FACTS: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "sikpaeva1",
        "a1",
        "akim",
        dict(person="Ботагоз Сикпаева", role="аким", territory=unit("636837000")),
    ),
    ("volchanka", "a1", "territory", dict(territory=unit("636837100"))),
    ("sikpaeva2", "a2", "akim", dict(person="Сикпаева", role="аким", territory=unit("636837000"))),
    (
        "kairatov",
        "a2",
        "akim",
        dict(person="Ерлан Кайратов", role="аким", territory=unit("636800000")),
    ),
    ("vko_a2", "a2", "territory", dict(territory=unit("630000000"))),
    (
        "amount_a3",
        "a3",
        "amount",
        dict(
            value=1.5e9,
            unit="KZT",
            raw="1,5 млрд тенге",
            program="Ауыл аманаты",
            territory=unit("630000000"),
        ),
    ),
    ("program_a3", "a3", "program", dict(program="Ауыл аманаты")),
    (
        "amount_a4",
        "a4",
        "amount",
        dict(
            value=1.5e9,
            unit="KZT",
            raw="1,5 млрд тенге",
            program="Ауыл аманаты",
            territory=unit("630000000"),
        ),
    ),
    (
        "amount_a4_shem",
        "a4",
        "amount",
        dict(
            value=3e8,
            unit="KZT",
            raw="300 млн тенге",
            program="Ауыл аманаты",
            territory=unit("636800000"),
        ),
    ),
    ("program_a4", "a4", "program", dict(program="Ауыл аманаты")),
    (
        "bayakhmetov",
        "a5",
        "akim",
        dict(person="Бақытжан Байахметов", role="аким", territory=unit("636800000")),
    ),
    ("program_a5", "a5", "program", dict(program="Ауыл аманаты")),
    (
        "atyrau_usd",
        "a6",
        "amount",
        dict(value=2e6, unit="USD", raw="2 млн доллар", program=None, territory=unit("230000000")),
    ),
    ("atyrau_city", "a6", "territory", dict(territory=unit("231010000"))),
    (
        "amount_a7",
        "a7",
        "amount",
        dict(
            value=1.5e9,
            unit="KZT",
            raw="1,5 млрд тенге",
            program="Ауыл аманаты",
            territory=unit("630000000"),
        ),
    ),
    ("program_a7", "a7", "program", dict(program="Ауыл аманаты")),
    ("almaty", "a8", "territory", dict(territory=unit("750000000"))),
    (
        "no_kato",
        "a8",
        "territory",
        dict(
            territory={
                "name": "Атырауская область",
                "level": "region",
                "kato": None,
                "path": ["Атырауская область"],
            }
        ),
    ),
]
LABELS = [f[0] for f in FACTS]


@dataclass
class QueryDB:
    url: str
    article_ids: dict[str, int]
    fact_ids: dict[str, int]

    def labels(self, ids: list[int]) -> list[str]:
        back = {v: k for k, v in self.fact_ids.items()}
        return [back[i] for i in ids]


def build(url: str) -> QueryDB:
    art_ids: dict[str, int] = {}
    fact_ids: dict[str, int] = {}
    with open_session(url) as session:
        for kato, parent, level, name, name_kk, aliases in TERRITORIES:
            session.add(
                Territory(
                    kato=kato,
                    parent=parent,
                    level=level,
                    name=name,
                    name_kk=name_kk,
                    aliases=aliases,
                )
            )
        for art in ARTICLES:
            src = get_or_create_source(session, art.source, kind="import")
            res = store_articles(
                session,
                src,
                [
                    ArticleIn(
                        url=f"https://{art.source}/news/{art.key}/",
                        title=art.title,
                        text=art.text,
                        published=art.published,
                        lang=art.lang,
                    )
                ],
            )
            art_ids[art.key] = res.ids[0]
        session.commit()
        arts = {
            k: session.execute(
                sa.text(
                    "SELECT published, source_id, lang, title, text FROM article WHERE id = :i"
                ),
                {"i": i},
            ).one()
            for k, i in art_ids.items()
        }
        by_key = {a.key: a for a in ARTICLES}
        for label, akey, kind, fields in FACTS:
            a = by_key[akey]
            text_all = f"{a.title}\n{a.text}"
            probe = (
                fields.get("person")
                or fields.get("raw")
                or fields.get("program")
                or (fields.get("territory") or {}).get("name", "")[:6]
            )
            start = max(text_all.find(probe.split()[0]) if probe else 0, 0)
            fields = dict(fields)
            terr = fields.pop("territory", None) or {}
            fact = Fact(
                article_id=art_ids[akey],
                kind=kind,
                text=probe or a.title,
                sentence=a.text.split(". ")[0],
                start=start,
                end=start + len(probe or ""),
                confidence=0.9,
                extractor="newsmon/test",
                published=a.published,
                source_id=arts[akey][1],
                lang=a.lang,
                territory_kato=terr.get("kato"),
                territory_name=terr.get("name"),
                territory_level=terr.get("level"),
                territory_path=terr.get("path"),
                **fields,
            )
            session.add(fact)
            session.flush()
            fact_ids[label] = fact.id  # type: ignore[assignment]
        rebuild(session.connection())  # facts written here, not by extract: the summaries
        session.commit()
    return QueryDB(url, art_ids, fact_ids)


@pytest.fixture
def query_db(db_url: str) -> Iterator[QueryDB]:
    """The store above on SQLite and on PostgreSQL."""
    yield build(db_url)
