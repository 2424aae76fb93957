"""`newsmon import` against hostile input (issue 14, findings 1-4): in-memory databases refused,
unstorable, undecodable and over-long lines skipped by number with the rest stored, the corpus of
tests/hostile run through the library and the CLI on SQLite and PostgreSQL, and property-based
tests (hypothesis) of the importer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hostile import BAD_LINES, GOOD_ODD_LINES, MEMORY_DATABASE_URLS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select
from typer.testing import CliRunner

from newsmon.cli import app
from newsmon.errors import InputError, StorageError
from newsmon.ingest.articles import clean_text
from newsmon.ingest.importer import import_jsonl, parse_line
from newsmon.settings import get_settings
from newsmon.store.db import dispose_engines, get_engine, open_session
from newsmon.store.models import Article

runner = CliRunner()


def good(n: int, **values: object) -> bytes:
    obj = {
        "url": f"https://good.example.kz/{n}",
        "title": f"Хорошая новость {n}",
        "text": f"Текст новости номер {n}.",
    }
    obj.update(values)
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def stored_urls() -> set[str]:
    with open_session() as s:
        return set(s.exec(select(Article.url)).all())


# --- finding 1: in-memory databases -----------------------------------------------------------


@pytest.mark.parametrize("url", MEMORY_DATABASE_URLS)
@pytest.mark.parametrize(
    "command",
    [
        ["import", "{file}"],
        ["extract"],
        ["worker", "--exit-when-idle"],
        ["status"],
        ["facts"],
        ["search", "аким"],
        ["akims"],
        ["digest", "--date", "2024-11-20"],
        ["fetch", "--feeds", "{feeds}"],
        ["feeds", "--feeds", "{feeds}"],
        ["serve", "--port", "1"],
    ],
    ids=lambda c: c[0] if isinstance(c, list) else None,
)
def test_in_memory_database_is_refused_by_every_command(
    url: str, command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 1: `NEWSMON_DATABASE_URL=sqlite://` imported "1 new", exit 0, and kept nothing."""
    file = write(tmp_path / "a.jsonl", [good(1)])
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n- {name: a, url: 'https://a.example.kz/rss', lang: ru}\n")
    monkeypatch.setenv("NEWSMON_DATABASE_URL", url)
    get_settings.cache_clear()
    dispose_engines()
    args = [a.format(file=file, feeds=feeds) for a in command]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "in-memory database: nothing would be kept" in result.output
    assert "Traceback" not in result.output and "1 new" not in result.output


def test_in_memory_database_only_when_asked_for() -> None:
    """Finding 1: a test that asks for an in-memory database explicitly still gets one."""
    with pytest.raises(StorageError, match="in-memory"):
        get_engine("sqlite://")
    engine = get_engine("sqlite://", allow_memory=True)
    assert "article" in sa.inspect(engine).get_table_names()
    dispose_engines()


# --- finding 2: lines that cannot be stored ---------------------------------------------------


@pytest.mark.parametrize(
    "bad,reason",
    [
        (b'{"url": "https://x.example.kz/1", "title": "t", "text": "x", '
         b'"published": "0001-01-01T00:00:00"}', "'published' is out of range"),
        (b'{"url": "https://x.example.kz/2", "title": "\\ud800", "text": "x"}',
         "lone surrogate U+D800"),
        (b'{"url": "https://x.example.kz/3", "title": "\\u0001", "text": "x"}',
         "cannot be stored"),
    ],
    ids=["published-year-1", "lone-surrogate", "title-cleaned-to-nothing"],
)  # fmt: skip
def test_a_line_that_cannot_be_stored_is_skipped_and_its_neighbours_kept(
    db_url: str, tmp_path: Path, bad: bytes, reason: str
) -> None:
    """Finding 2: one such line aborted its batch of 200 (OverflowError, UnicodeEncodeError) and
    every rerun stopped at the same line. Now it is skipped with its number and the rest stored."""
    lines = [good(i) for i in range(150)] + [bad] + [good(i) for i in range(150, 450)]
    f = write(tmp_path / "a.jsonl", lines)
    report = import_jsonl(f)
    assert [n for n, _ in report.skipped] == [151]
    assert reason in report.skipped[0][1]
    assert (report.lines, report.new) == (451, 450)
    assert len(stored_urls()) == 450
    again = import_jsonl(f)  # a rerun goes past the line too
    assert (again.new, again.duplicates, [n for n, _ in again.skipped]) == (0, 450, [151])


# --- finding 3: bytes that are not UTF-8 --------------------------------------------------------

CP1251_LINE = good(9000, title="Аким провёл приём").decode("utf-8").encode("cp1251")


def test_invalid_utf8_lines_are_skipped_by_number_never_stored_mangled(
    db_url: str, tmp_path: Path
) -> None:
    """Finding 3: a cp1251 file was imported with U+FFFD in place of the text and exit 0."""
    f = write(tmp_path / "a.jsonl", [good(1), CP1251_LINE, good(2)])
    result = runner.invoke(app, ["import", str(f)])
    assert result.exit_code == 1
    assert "line 2: skipped: not valid utf-8" in result.output
    assert "--encoding" in result.output  # the message says what to do
    assert stored_urls() == {"https://good.example.kz/1", "https://good.example.kz/2"}
    with open_session() as s:
        assert not [t for t in s.exec(select(Article.title)).all() if "\ufffd" in t]


def test_invalid_utf8_from_stdin_is_skipped_not_a_traceback(db_url: str) -> None:
    """Finding 3: the same bytes on standard input gave a traceback."""
    data = b"\n".join([good(1), CP1251_LINE, good(2)]) + b"\n"
    result = runner.invoke(app, ["import", "-", "--json"], input=data)
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["new"], summary["skipped"]) == (2, 1)
    assert summary["errors"][0]["line"] == 2 and "not valid utf-8" in summary["errors"][0]["error"]


def test_encoding_option_reads_a_cp1251_file_and_stdin(db_url: str, tmp_path: Path) -> None:
    """Finding 3: with an explicit --encoding the cp1251 text is stored as the letters it is."""
    lines = [CP1251_LINE, good(1).decode().encode("cp1251")]
    f = write(tmp_path / "a.jsonl", lines)
    result = runner.invoke(app, ["import", str(f), "--encoding", "cp1251"])
    assert result.exit_code == 0, result.output
    with open_session() as s:
        titles = set(s.exec(select(Article.title)).all())
    assert titles == {"Аким провёл приём", "Хорошая новость 1"}
    result = runner.invoke(app, ["import", "-", "--encoding", "windows-1251"], input=f.read_bytes())
    assert result.exit_code == 0 and "2 duplicate" in result.output


@pytest.mark.parametrize("encoding", ["utf-16", "no-such-codec", "rot13"])
def test_encodings_that_cannot_be_read_by_line_are_refused(tmp_path: Path, encoding: str) -> None:
    f = write(tmp_path / "a.jsonl", [good(1)])
    with pytest.raises(InputError, match="encoding"):
        import_jsonl(f, encoding=encoding)


def test_a_utf8_byte_order_mark_is_not_a_bad_line(db_url: str, tmp_path: Path) -> None:
    f = write(tmp_path / "a.jsonl", [b"\xef\xbb\xbf" + good(1), good(2)])
    report = import_jsonl(f)
    assert report.ok and report.new == 2


# --- finding 4: a limit per line -----------------------------------------------------------------


def test_a_line_over_the_limit_is_skipped_by_number(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 4: a line of 50 MB was stored whole; NEWSMON_IMPORT_MAX_LINE_BYTES bounds a line
    (here 4 kB against a 3 MB line, read past in chunks) and the line is reported by number."""
    monkeypatch.setenv("NEWSMON_IMPORT_MAX_LINE_BYTES", "4096")
    get_settings.cache_clear()
    huge = good(2, text="ж" * 1_500_000)
    at_limit = good(3, text="x" * (4096 - len(good(3, text=""))))
    assert len(at_limit) == 4096  # at the limit exactly: stored
    f = write(tmp_path / "a.jsonl", [good(1), huge, at_limit, good(4)])
    result = runner.invoke(app, ["import", str(f)])
    assert result.exit_code == 1
    assert "line 2: skipped: line is 3000" in result.output
    assert "NEWSMON_IMPORT_MAX_LINE_BYTES" in result.output
    assert len(stored_urls()) == 3  # lines 1, 3 (within the limit) and 4


def test_the_line_limit_applies_to_stdin(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 4 on standard input."""
    monkeypatch.setenv("NEWSMON_IMPORT_MAX_LINE_BYTES", "1000")
    get_settings.cache_clear()
    data = b"\n".join([good(1), good(2, text="y" * 5000), good(3)])  # no final newline
    result = runner.invoke(app, ["import", "-"], input=data)
    assert result.exit_code == 1 and "line 2: skipped: line is" in result.output
    assert len(stored_urls()) == 2


# --- the corpus --------------------------------------------------------------------------------


@pytest.fixture
def corpus_file(tmp_path: Path) -> Iterator[tuple[Path, dict[int, str], int]]:
    """The bad and odd lines of tests/hostile between good ones; (file, {line: reason}, good)."""
    lines: list[bytes] = []
    expected: dict[int, str] = {}
    n_good = 0
    for i, (_, raw, reason) in enumerate(BAD_LINES):
        lines.append(good(i))
        n_good += 1
        lines.append(raw)
        expected[len(lines)] = reason
    for _, raw in GOOD_ODD_LINES:
        lines.append(raw)
        n_good += 1
    yield write(tmp_path / "corpus.jsonl", lines), expected, n_good


def test_the_hostile_corpus_through_the_cli(
    db_url: str, corpus_file: tuple[Path, dict[int, str], int]
) -> None:
    """Every bad line of the corpus is reported by number with its reason, every other stored."""
    f, expected, n_good = corpus_file
    result = runner.invoke(app, ["import", str(f), "--json"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    errors = {e["line"]: e["error"] for e in summary["errors"]}
    assert sorted(errors) == sorted(expected)
    for line, reason in expected.items():
        assert reason in errors[line], (line, errors[line])
    assert summary["new"] == n_good
    with open_session() as s:
        titles = set(s.exec(select(Article.title)).all())
    assert "[bold red]Заголовок[/] [/x] [link=x]" in titles  # stored as given
    assert "\U0001f600 pair" in titles  # a valid surrogate pair is one character
    assert not [t for t in titles if "\ufffd" in t]
    again = runner.invoke(app, ["import", str(f), "--json"])
    assert json.loads(again.stdout.strip().splitlines()[-1])["duplicates"] == n_good


@pytest.mark.parametrize("name", [name for name, _, _ in BAD_LINES])
def test_each_bad_line_alone_is_skipped(sqlite_url: str, tmp_path: Path, name: str) -> None:
    raw, reason = next((r, why) for n, r, why in BAD_LINES if n == name)
    report = import_jsonl(write(tmp_path / "a.jsonl", [raw]))
    assert report.lines == 1 and report.new == 0
    assert [n for n, _ in report.skipped] == [1] and reason in report.skipped[0][1]


# --- property-based ------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "url": st.one_of(st.text(), st.builds(lambda s: f"https://p.example.kz/{s}", st.text())),
        "title": st.text() | JSON_VALUES,
        "text": st.text() | JSON_VALUES,
        "published": st.one_of(
            st.datetimes().map(lambda d: d.isoformat()),
            st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
            st.text(max_size=30),
            JSON_VALUES,
        ),
        "source": st.text(max_size=30) | JSON_VALUES,
        "lang": st.sampled_from(["ru", "kk", "en", "de", ""]) | JSON_VALUES,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), FIELDS.map(json.dumps), JSON_VALUES.map(json.dumps)))
def test_parse_line_accepts_or_says_why(raw: str) -> None:
    """Whatever the line, parse_line returns a storable article or raises ValueError."""
    try:
        _, article = parse_line(raw)
    except ValueError as exc:
        assert str(exc)
        return
    for value in (article.url, article.title, article.text):
        value.encode("utf-8")  # no lone surrogate gets through
    assert article.url.startswith(("http://", "https://"))
    if article.published is not None:
        assert article.published.tzinfo is not None


@pytest.fixture(scope="module")
def property_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('prop') / 'prop.db'}"
    yield url
    dispose_engines()


LINE = st.one_of(
    st.binary(max_size=80),
    FIELDS.map(lambda d: json.dumps(d).encode()),
    st.builds(
        lambda t, x, e: json.dumps(
            {"url": f"https://q.example.kz/{uuid.uuid4().hex}", "title": t, "text": x},
            ensure_ascii=e,
        ).encode("utf-8", "surrogatepass"),
        st.text(min_size=1),
        st.text(),
        st.booleans(),
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(LINE, max_size=12))
def test_import_counts_every_line_and_stores_only_clean_text(
    property_db: str, tmp_path: Path, lines: list[bytes]
) -> None:
    """Any bytes: no exception; every non-blank line is stored, a duplicate or skipped with its
    number; what is stored is the line's text cleaned, never a replacement character it did not
    have."""
    lines = [raw.replace(b"\n", b" ").replace(b"\r", b" ") for raw in lines]
    f = write(tmp_path / f"{uuid.uuid4().hex}.jsonl", lines)
    report = import_jsonl(f, database_url=property_db)
    blank = sum(1 for raw in lines if not raw.decode("utf-8", "replace").strip())
    assert report.lines == len(lines) - blank
    assert report.new + report.duplicates + len(report.skipped) == report.lines
    assert all(1 <= n <= len(lines) for n, _ in report.skipped)
    skipped = {k for k, _ in report.skipped}
    with open_session(property_db) as s:
        for n, raw in enumerate(lines, 1):
            if b"q.example.kz/" not in raw:
                continue  # URLs unique to this example: stored here or a duplicate by title
            art = s.exec(
                select(Article).where(
                    Article.url.like("%" + raw.split(b"q.example.kz/")[1][:32].decode() + "%")
                )
            ).first()  # type: ignore[attr-defined]
            obj = json.loads(raw.decode("utf-8", "surrogatepass"))
            if n in skipped:
                assert art is None
            elif art is not None:  # not a duplicate: stored as given, cleaned
                assert (art.title, art.text) == (clean_text(obj["title"]), clean_text(obj["text"]))


@pytest.mark.parametrize(
    "exc, the_lines_fault",
    [
        (sa.exc.DataError("INSERT", {}, Exception("value too long")), True),
        (sa.exc.IntegrityError("INSERT", {}, Exception("not null")), True),
        (ValueError("bad"), True),
        (sa.exc.InterfaceError("INSERT", {}, Exception("connection already closed")), False),
        (sa.exc.ProgrammingError("INSERT", {}, Exception("no such table: article")), False),
        (sa.exc.InternalError("INSERT", {}, Exception("server fault")), False),
        (sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error")), False),
    ],
)
def test_a_broken_database_is_not_blamed_on_the_lines(
    exc: BaseException, the_lines_fault: bool
) -> None:
    """Finding 2: a line is skipped only when its values are at fault; a dropped connection, a wrong
    schema or a server fault stops the import instead of skipping every line as 'bad'."""
    from newsmon.ingest.importer import _line_error

    assert _line_error(exc) is the_lines_fault
