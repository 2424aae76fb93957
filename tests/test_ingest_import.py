"""`newsmon import` (CONTRACT §1): good lines, bad lines with their numbers, idempotence, stdin, dates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from newsmon.cli import app
from newsmon.ingest.importer import import_jsonl, parse_published
from newsmon.store.db import open_session
from newsmon.store.models import Article, Source
from tests.conftest import need_data

runner = CliRunner()

GOOD = [
    {
        "url": "https://24.kz/ru/news/1",
        "title": "Аким ВКО провёл приём граждан",
        "text": "Аким Восточно-Казахстанской области провёл приём граждан в Усть-Каменогорске.",
        "published": "2024-04-16T10:00:00+05:00",
        "source": "24.kz",
    },
    {
        "url": "https://kaz.tengrinews.kz/a/2",
        "title": "Облыс әкімі азаматтарды қабылдады",
        "text": "Шығыс Қазақстан облысының әкімі Өскемен қаласында азаматтарды қабылдады.",
        "published": "2024-04-16T10:00:00",
    },
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_stores_each_article_once(db_url: str, tmp_path: Path) -> None:
    f = _write(tmp_path / "a.jsonl", [json.dumps(x, ensure_ascii=False) for x in GOOD])
    first = import_jsonl(f)
    assert (first.lines, first.new, first.duplicates, first.ok) == (2, 2, 0, True)
    again = import_jsonl(f)
    assert (again.new, again.duplicates) == (0, 2)
    with open_session() as s:
        arts = {a.url: a for a in s.exec(select(Article)).all()}
        sources = {x.name for x in s.exec(select(Source)).all()}
    assert sources == {"24.kz", "kaz.tengrinews.kz"}  # default source: the URL's host
    assert arts["https://24.kz/ru/news/1"].lang == "ru"
    assert arts["https://kaz.tengrinews.kz/a/2"].lang == "kk"
    # naive time means Asia/Almaty (UTC+5 in 2024)
    assert arts["https://kaz.tengrinews.kz/a/2"].published == datetime(
        2024, 4, 16, 5, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not JSON"),
        ('["a list"]', "not a JSON object"),
        ('{"title": "t", "text": "x"}', "'url' is missing"),
        ('{"url": "https://a.kz/1", "text": "x"}', "'title' is missing"),
        ('{"url": "https://a.kz/1", "title": "t"}', "'text' is missing"),
        ('{"url": "https://a.kz/1", "title": 5, "text": "x"}', "'title' must be a string"),
        ('{"url": "ftp://a.kz/1", "title": "t", "text": "x"}', "not an http(s) URL"),
        (
            '{"url": "https://a.kz/1", "title": "t", "text": "x", "lang": "de"}',
            "'lang' must be one of",
        ),
        (
            '{"url": "https://a.kz/1", "title": "t", "text": "x", "published": "yesterday"}',
            "not ISO 8601",
        ),
    ],
)
def test_bad_line_is_reported_with_its_number_and_others_import(
    tmp_path: Path, line: str, reason: str
) -> None:
    good = json.dumps(GOOD[0], ensure_ascii=False)
    f = _write(tmp_path / "bad.jsonl", [good, line, json.dumps(GOOD[1], ensure_ascii=False)])
    result = runner.invoke(app, ["import", str(f)])
    assert result.exit_code == 1
    assert "line 2: skipped:" in result.output and reason in result.output
    assert "2 new" in result.output
    with open_session() as s:
        assert len(s.exec(select(Article)).all()) == 2


def test_import_reads_stdin_and_prints_json(tmp_path: Path) -> None:
    data = "\n".join(json.dumps(x, ensure_ascii=False) for x in GOOD) + "\n"
    result = runner.invoke(app, ["import", "-", "--json"], input=data)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["new"] == 2 and summary["skipped"] == 0


def test_missing_file_is_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "no such file" in result.output and "Traceback" not in result.output


def test_parse_published_forms() -> None:
    assert parse_published("2024-04-16T10:00:00Z") == datetime(2024, 4, 16, 10, tzinfo=UTC)
    assert parse_published(None) is None
    assert parse_published("2024-04-16").tzinfo is not None


def test_dev_articles_import_once() -> None:
    path = need_data("tengrinews-ru-2024-04", "articles.dev.import.jsonl")
    first = import_jsonl(path)
    assert (first.lines, first.new, first.ok) == (219, 219, True)
    assert import_jsonl(path).new == 0
    with open_session() as s:
        langs = [a.lang for a in s.exec(select(Article)).all()]
    # two of the 219 tengrinews.kz articles are written in Kazakh (checked by reading them)
    assert langs.count("ru") == 217 and langs.count("kk") == 2
