"""What every command shares: consoles, one-line errors, JSON output."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from newsmon.errors import NewsmonError

console = Console(stderr=True, highlight=False)
P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = 1) -> None:
    """Print `newsmon: error: …` on stderr, one such line per line of `message`; exit with `code`.

    The message is never read as rich markup: it carries user text (file names, values) that may
    hold `[` and `]`.
    """
    for line in str(message).splitlines() or [""]:
        console.print(Text.assemble(("newsmon: error:", "bold red"), " ", line), soft_wrap=True)
    raise typer.Exit(code)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn library exceptions into a one-line message and a non-zero exit status."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except NewsmonError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except BrokenPipeError:
            # the reader went away (`newsmon facts | head`): stop quietly, as Unix tools do
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(141) from None
        except OSError as exc:
            # a file a user named is a directory, unwritable, on a full disk: one line, not a
            # traceback (the target of a rename is filename2, the temporary file is filename)
            where = exc.filename2 or exc.filename
            fail(f"{where}: {exc.strerror}" if where and exc.strerror else str(exc))
        raise AssertionError("unreachable")

    return wrapper


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
