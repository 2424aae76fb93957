"""Every command's --help shows a working example, and the README names every command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from newsmon.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    out: list[list[str]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])
        else:
            out.append(path)

    walk(root, [])
    return out


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p))
def test_help_shows_an_example(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "Example: newsmon" in result.output or "Example: NEWSMON_" in result.output, (
        result.output
    )


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p))
def test_readme_names_the_command(path: list[str]) -> None:
    assert f"newsmon {' '.join(path)}" in README
