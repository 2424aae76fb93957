"""Shared by the digest, stories, coverage and demo tests: the demo sample in a database, with facts
written by hand (what the extractor should find), so these tests do not depend on the rule components."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sqlmodel import select

from newsmon.ingest.importer import import_jsonl
from newsmon.nlp.pipeline import doc_text
from newsmon.store.db import open_session
from newsmon.store.models import Article, Fact
from newsmon.store.summary import rebuild

SAMPLE = Path(__file__).resolve().parents[1] / "newsmon" / "data" / "demo" / "articles.jsonl"
DEMO_WATCHLIST = SAMPLE.parent / "watchlist.yaml"

VKO = "Восточно-Казахстанская область"
SHEM = {
    "name": "Шемонаихинский район",
    "level": "district",
    "kato": "634800000",
    "path": [VKO, "Шемонаихинский район"],
}
VOLCH = {
    "name": "Волчанский сельский округ",
    "level": "rural_district",
    "kato": None,
    "path": [VKO, "Шемонаихинский район", "Волчанский сельский округ"],
}
UKA = {"name": "Усть-Каменогорск", "level": "city", "kato": None, "path": [VKO, "Усть-Каменогорск"]}
VKO_T = {"name": VKO, "level": "region", "kato": "630000000", "path": [VKO]}
PAV = {
    "name": "Павлодарская область",
    "level": "region",
    "kato": "550000000",
    "path": ["Павлодарская область"],
}

# (url suffix, kind, text as it stands in the article, keys)
FACTS: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "shemonaiha-otopitelnyj-sezon",
        "akim",
        "Аким Шемонаихинского района Ерлан Тулеубаев",
        {"person": "Ерлан Тулеубаев", "role": "аким", "territory": SHEM},
    ),
    (
        "shemonaiha-otopitelnyj-sezon",
        "amount",
        "45 млн тенге",
        {"value": 45e6, "unit": "KZT", "territory": SHEM},
    ),
    (
        "shemonaiha-zhylu-mausymy",
        "akim",
        "Шемонаиха ауданының әкімі Ерлан Төлеубаев",
        {"person": "Ерлан Төлеубаев", "role": "аким", "territory": SHEM},
    ),
    (
        "aul-amanaty-vko-1-5-mlrd",
        "amount",
        "1,5 млрд тенге",
        {"value": 1.5e9, "unit": "KZT", "program": "Ауыл аманаты", "territory": VKO_T},
    ),
    ("aul-amanaty-vko-1-5-mlrd", "program", "«Ауыл аманаты»", {"program": "Ауыл аманаты"}),
    (
        "aul-amanaty-vko-1-5-mlrd",
        "akim",
        "заместитель акима ВКО Марат Оспанов",
        {"person": "Марат Оспанов", "role": "заместитель акима", "territory": VKO_T},
    ),
    ("aul-amanaty-vko-1-5-mlrd", "territory", "Волчанском сельском округе", {"territory": VOLCH}),
    (
        "vko-aul-amanaty-kredity",
        "amount",
        "1,5 млрд тенге",
        {"value": 1.5e9, "unit": "KZT", "program": "Ауыл аманаты", "territory": VKO_T},
    ),
    ("vko-aul-amanaty-kredity", "program", "«Ауыл аманаты»", {"program": "Ауыл аманаты"}),
    (
        "auyl-amanaty-shqo",
        "amount",
        "1,5 млрд теңге",
        {"value": 1.5e9, "unit": "KZT", "program": "Ауыл аманаты", "territory": VKO_T},
    ),
    ("auyl-amanaty-shqo", "program", "«Ауыл аманаты»", {"program": "Ауыл аманаты"}),
    (
        "novyj-akim-shemonaihinskogo-rajona",
        "akim",
        "аким Шемонаихинского района Асет Жумабаев",
        {"person": "Асет Жумабаев", "role": "аким", "territory": SHEM},
    ),
    (
        "novyj-akim-shemonaihinskogo-rajona",
        "amount",
        "640 млн тенге",
        {"value": 640e6, "unit": "KZT", "territory": SHEM},
    ),
    (
        "shemonaiha-audanyna-zhana-akim",
        "akim",
        "Шемонаиха ауданының әкімі Асет Жұмабаев",
        {"person": "Асет Жұмабаев", "role": "аким", "territory": SHEM},
    ),
    (
        "volchanka-dorogi",
        "akim",
        "Аким Волчанского сельского округа Шемонаихинского района ВКО Гульнара Ахметова",
        {"person": "Гульнара Ахметова", "role": "аким", "territory": VOLCH},
    ),
    (
        "volchanka-dorogi",
        "amount",
        "240 млн тенге",
        {"value": 240e6, "unit": "KZT", "program": "Ауыл – Ел бесігі", "territory": VOLCH},
    ),
    (
        "ust-kamenogorsk-teploseti-3-2-mlrd",
        "amount",
        "3,2 млрд тенге",
        {"value": 3.2e9, "unit": "KZT", "territory": UKA},
    ),
    (
        "oskemen-zhylu-zhelileri",
        "amount",
        "3,2 млрд теңге",
        {"value": 3.2e9, "unit": "KZT", "territory": UKA},
    ),
    (
        "pavlodar-aul-amanaty-900-mln",
        "amount",
        "900 млн тенге",
        {"value": 900e6, "unit": "KZT", "program": "Ауыл аманаты", "territory": PAV},
    ),
    ("pavlodar-auyl-amanaty", "program", "«Ауыл аманаты»", {"program": "Ауыл аманаты"}),
    (
        "pavlodar-auyl-amanaty",
        "amount",
        "900 млн теңге",
        {"value": 900e6, "unit": "KZT", "program": "Ауыл аманаты", "territory": PAV},
    ),
]


def sample_rows() -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def sentence_of(text: str, start: int, end: int) -> str:
    """The sentence around [start, end): from the last «. » or line break before it to the next one."""
    dot = text.rfind(". ", 0, start)
    lo = max(dot + 2 if dot >= 0 else 0, text.rfind("\n", 0, start) + 1)
    ends = [i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0]
    hi = min(ends) if ends else len(text)
    return text[lo : hi + 1 if hi < len(text) and text[hi] == "." else hi]


def add_fact(session: Any, article: Article, kind: str, text: str, keys: dict[str, Any]) -> Fact:
    full = doc_text(article.title, article.text)
    m = re.search(re.escape(text), full)
    assert m, f"{text!r} is not in {article.url}"
    terr = keys.get("territory") or {}
    fact = Fact(
        article_id=article.id,
        kind=kind,
        text=text,
        sentence=sentence_of(full, m.start(), m.end()),
        start=m.start(),
        end=m.end(),
        confidence=0.9,
        extractor="test",
        published=article.published,
        source_id=article.source_id,
        lang=article.lang,
        person=keys.get("person"),
        role=keys.get("role"),
        program=keys.get("program"),
        value=keys.get("value"),
        unit=keys.get("unit"),
        raw=text if kind == "amount" else None,
        territory_kato=terr.get("kato"),
        territory_name=terr.get("name"),
        territory_level=terr.get("level"),
        territory_path=terr.get("path"),
    )
    session.add(fact)
    return fact


def load_sample(url: str, jsonl: Path | None = None, facts: bool = True) -> None:
    """Import the demo sample (or `jsonl`) into `url` and add the hand-written facts."""
    report = import_jsonl(jsonl or SAMPLE, database_url=url)
    assert report.ok, report.skipped
    if not facts:
        return
    with open_session(url) as session:
        arts = session.exec(select(Article)).all()
        for suffix, kind, text, keys in FACTS:
            art = next(a for a in arts if a.url.endswith(suffix))
            add_fact(session, art, kind, text, keys)
        session.flush()
        rebuild(session.connection())  # facts written here, not by extract: the summaries
        session.commit()
