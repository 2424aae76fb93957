"""`newsmon demo` and its bundled sample: valid import lines in both languages, written for the
project (not copied), and the whole pipeline end to end into a fresh SQLite file."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from digest_support import SAMPLE, sample_rows
from typer.testing import CliRunner

from newsmon.cli import app
from newsmon.demo import run_demo
from newsmon.digest.labels import LABELS
from newsmon.ingest.importer import parse_line
from newsmon.ingest.langid import detect_language

ROWS = sample_rows()


def test_sample_lines_are_valid_import_lines_in_both_languages() -> None:
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        parse_line(line)  # raises on a bad line
    langs = Counter(r["lang"] for r in ROWS)
    assert 18 <= len(ROWS) <= 25 and langs["ru"] >= 8 and langs["kk"] >= 8
    for r in ROWS:
        assert detect_language(f"{r['title']}\n{r['text']}") == r["lang"], r["url"]
    assert len({r["url"] for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize(
    "phrase",
    [
        "«Ауыл аманаты»",
        "1,5 млрд тенге",
        "1,5 млрд теңге",
        "ВКО",
        "ШҚО",
        "Шемонаихинского района",
        "Шемонаиха ауданының",
        "Волчанского сельского округа",
        "Волчанка ауылдық округінде",
        "Өскемен",
        "Усть-Каменогорск",
    ],
)
def test_sample_has_what_the_demo_shows(phrase: str) -> None:
    assert any(phrase in f"{r['title']}\n{r['text']}" for r in ROWS)


def test_sample_has_reprints_across_two_outlets() -> None:
    by_title_words: dict[str, set[str]] = {}
    for r in ROWS:
        key = " ".join(re.findall(r"\w+", r["text"].lower())[:12])
        by_title_words.setdefault(key, set()).add(r["source"])
    assert sum(1 for outlets in by_title_words.values() if len(outlets) > 1) >= 2


def test_sample_is_not_copied_from_the_shared_corpus() -> None:
    from conftest import DATA

    corpus = DATA / "tengrinews-ru-2024-04" / "articles.dev.import.jsonl"
    if not corpus.exists():
        pytest.skip("no shared corpus beside this checkout")
    theirs = corpus.read_text(encoding="utf-8")
    for r in ROWS:
        for sentence in re.split(r"(?<=\.) ", r["text"]):
            if len(sentence) > 60:
                assert sentence not in theirs


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    folder = tmp_path_factory.mktemp("demo")
    return run_demo(folder / "demo.db", folder / "out"), folder


def test_demo_finds_facts_in_both_languages(demo: tuple) -> None:
    report, _ = demo
    assert report.db.is_file() and report.articles == len(ROWS)
    assert report.extract_failed == 0
    assert set(report.facts_by_lang) == {"ru", "kk"} and min(report.facts_by_lang.values()) > 0
    assert {"akim", "amount", "program", "territory"} <= set(report.facts_by_kind)
    assert {(f["kind"], f["article"]["lang"]) for f in report.examples} >= {
        ("amount", "ru"),
        ("amount", "kk"),
        ("program", "ru"),
        ("program", "kk"),
    }
    assert report.seconds > 0


def test_demo_digests_show_both_languages(demo: tuple) -> None:
    report, _ = demo
    assert {p.name for p in report.digests} == {
        f"digest-{report.day}.{lg}.{f}" for lg in ("ru", "kk") for f in ("html", "md")
    }
    for path in report.digests:
        page = path.read_text(encoding="utf-8")
        lang = path.name.split(".")[-2]
        assert LABELS[lang]["amounts"] in page
        assert "1,5 млрд тенге" in page and "1,5 млрд теңге" in page  # evidence from both languages
        assert "Ауыл аманаты" in page
    assert report.chart.is_file() and report.chart.stat().st_size > 10_000


def test_demo_groups_reprints_and_translations(demo: tuple) -> None:
    report, _ = demo
    assert any(len(s["outlets"]) >= 3 and s["langs"] == ["kk", "ru"] for s in report.stories)
    assert any(s["langs"] == ["ru"] and len(s["outlets"]) == 2 for s in report.stories)


def test_demo_command_prints_what_it_found_and_protects_other_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    other = tmp_path / "mine.db"
    other.write_bytes(b"not a demo")
    res = CliRunner().invoke(app, ["demo", "--db", str(other)])
    assert res.exit_code == 2 and "--force" in res.output and other.read_bytes() == b"not a demo"
    res = CliRunner().invoke(app, ["demo", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert Path(out["db"]).name == "newsmon-demo.db" and (tmp_path / "newsmon-demo.db").is_file()
    assert all((tmp_path / p).is_file() for p in out["digests"])
