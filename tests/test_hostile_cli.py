"""Clear messages instead of tracebacks (issue 14, findings 12-15): files that are not databases,
bad setting values, user text with rich markup, directories given as files; and HEAD answered
like GET by the web app. Cases come from the corpus in tests/hostile."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hostile import BAD_SETTINGS, MARKUP_TEXT, NOT_DATABASES
from typer.testing import CliRunner

from newsmon.cli import app
from newsmon.settings import get_settings
from newsmon.store.db import dispose_engines

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def _use(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    dispose_engines()


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


# --- finding 12: a file that is not a database --------------------------------------------------


@pytest.mark.parametrize("name", sorted(NOT_DATABASES))
@pytest.mark.parametrize("command", [["status"], ["import", "-"], ["facts"]], ids=lambda c: c[0])
def test_a_file_that_is_not_a_database_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, command: list[str]
) -> None:
    """Finding 12: `sqlite:////etc/passwd` or a truncated .db gave a traceback."""
    path = tmp_path / name
    content = NOT_DATABASES[name]
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    _use(monkeypatch, NEWSMON_DATABASE_URL=f"sqlite:///{path}")
    result = runner.invoke(app, command, input="")
    assert result.exit_code == 1, result.output
    lines = _error_lines(result.output)
    assert len(lines) == 1 and lines[0].startswith(f"newsmon: error: {path}")
    assert "directory" in lines[0] if content is None else "not an SQLite database" in lines[0]
    if content is not None:
        assert path.read_bytes() == content  # not touched


def test_etc_passwd_as_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 12, the case as filed (a file not ours, not writable by a test user either)."""
    if not Path("/etc/passwd").is_file():
        pytest.skip("no /etc/passwd here")
    _use(monkeypatch, NEWSMON_DATABASE_URL="sqlite:////etc/passwd")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    assert _error_lines(result.output) == [
        "newsmon: error: /etc/passwd: not an SQLite database (file is not a database)"
    ]


# --- finding 13: bad setting values -------------------------------------------------------------


@pytest.mark.parametrize(
    "env,fields", BAD_SETTINGS, ids=lambda v: ",".join(v) if isinstance(v, list) else None
)
def test_bad_settings_are_one_line_per_field(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], fields: list[str]
) -> None:
    """Finding 13: `NEWSMON_MAX_BODY_BYTES=abc` gave a 19-frame pydantic traceback; negative
    timeouts were taken."""
    _use(monkeypatch, **env)
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2, result.output
    lines = _error_lines(result.output)
    assert len(lines) == len(fields)
    for field in fields:
        line = next(x for x in lines if x.startswith(f"newsmon: error: {field}="))
        assert repr(env[field]) in line


def test_bad_settings_from_the_real_command_line(tmp_path: Path) -> None:
    """Finding 13 end to end: the installed entry point prints the lines, no traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env.update(
        NEWSMON_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
        NEWSMON_MAX_BODY_BYTES="abc",
        NEWSMON_ALLOW_PRIVATE_NETWORKS="maybe",
        NEWSMON_CONNECT_TIMEOUT="-1",
        PYTHONPATH=str(ROOT),
    )
    out = subprocess.run(
        [sys.executable, "-m", "newsmon", "import", "-"],
        input="",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = sorted(_error_lines(out.stderr))
    assert [x.split("=", 1)[0] for x in lines] == [
        "newsmon: error: NEWSMON_ALLOW_PRIVATE_NETWORKS",
        "newsmon: error: NEWSMON_CONNECT_TIMEOUT",
        "newsmon: error: NEWSMON_MAX_BODY_BYTES",
    ]


# --- finding 14: user text is never markup -----------------------------------------------------


@pytest.mark.parametrize("text", MARKUP_TEXT)
def test_user_text_with_brackets_is_printed_as_given(
    sqlite_url: str, tmp_path: Path, text: str
) -> None:
    """Finding 14: `newsmon import '[/x]'` raised rich.errors.MarkupError; `--territory '[/x]'`
    printed mangled."""
    result = runner.invoke(app, ["import", text])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.exception
    assert _error_lines(result.output) == [f"newsmon: error: {Path(text)}: no such file"]
    result = runner.invoke(app, ["facts", "--territory", text])
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    assert f"unknown territory {text!r}" in result.output
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n- {name: a, url: 'https://a.example.kz/rss', lang: ru}\n")
    result = runner.invoke(app, ["fetch", "--feeds", str(feeds), "--feed", text])
    assert f"no feed named {text!r}" in result.output


def test_a_bad_feed_name_with_brackets_is_reported_as_written(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Finding 14: an error quoting feeds.yaml shows the name as it is written there."""
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        "feeds:\n- {name: '[bold]a[/x]', url: 'https://a.example.kz/rss', lang: ru}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["feeds", "--feeds", str(feeds)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "entry 1 ('[bold]a[/x]')" in result.output


# --- finding 15: a directory given as a file ----------------------------------------------------


@pytest.mark.parametrize(
    "args,expected",
    [
        (["import", "{d}"], "{d}: is a directory"),
        (["fetch", "--feeds", "{d}"], "Is a directory"),
        (["gazetteer", "import", "{d}"], "{d}: is a directory"),
        (["evaluate", "facts", "--gold", "{d}"], "{d}: is a directory"),
        (["export", "facts", "-o", "{d}"], "{d}: Is a directory"),
        (["digest", "--date", "2024-11-20", "--out", "{d}"], "{d}: Is a directory"),
        (
            ["coverage", "--since", "2024-11-01", "--until", "2024-11-02", "--watchlist", "{d}"],
            "{d}: is a directory",
        ),
    ],
    ids=lambda v: "-".join(v[:2]) if isinstance(v, list) else None,
)
def test_a_directory_given_as_a_file_says_so(
    sqlite_url: str, tmp_path: Path, args: list[str], expected: str
) -> None:
    """Finding 15: a directory was "no such file", or a traceback for an output path."""
    folder = tmp_path / "adir"
    folder.mkdir()
    result = runner.invoke(app, [a.format(d=folder) for a in args])
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit), result.output
    lines = _error_lines(result.output)
    assert len(lines) == 1 and expected.format(d=folder) in lines[0], lines


# --- finding 15: HEAD -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/facts",
        "/api/v1/facts",
        "/api/v1/facts?kind=nope",
        "/api/v1/articles/999",
        "/openapi.json",
        "/static/style.css",
        "/no/such/page",
    ],
)
def test_head_is_answered_like_get(sqlite_url: str, path: str) -> None:
    """Finding 15: HEAD got 405 from every API route; it is GET without the body."""
    from newsmon.web import create_app

    with TestClient(create_app(sqlite_url)) as client:
        got = client.get(path)
        head = client.head(path)
    assert head.status_code == got.status_code
    assert head.content == b""
    for key in ("content-type", "content-security-policy", "x-content-type-options"):
        assert head.headers.get(key) == got.headers.get(key), key
    if "content-length" in got.headers:
        assert head.headers["content-length"] == got.headers["content-length"]
