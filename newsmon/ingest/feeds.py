"""feeds.yaml: the list of feeds to fetch, validated entry by entry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator
from pydantic_core import ErrorDetails

from newsmon.errors import FeedsFileError

DEFAULT_POLL_MINUTES = 15


class FeedSpec(BaseModel):
    """One entry of feeds.yaml; `name`, `url`, `lang` and `fulltext` are what scripts rely on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200, pattern=r"^[\w][\w.-]*$")
    url: str
    lang: Literal["ru", "kk", "en"]
    fulltext: StrictBool = False
    region: str | None = None
    tags: tuple[str, ...] = ()
    poll_minutes: int = Field(DEFAULT_POLL_MINUTES, ge=0, le=7 * 24 * 60)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


class FeedsFile(BaseModel):
    """The parsed file: feeds in file order, unique by name."""

    path: Path
    feeds: list[FeedSpec]

    def __iter__(self) -> Iterator[FeedSpec]:  # type: ignore[override]
        return iter(self.feeds)

    def __len__(self) -> int:
        return len(self.feeds)

    def get(self, name: str) -> FeedSpec | None:
        return next((f for f in self.feeds if f.name == name), None)


def _describe(error: ErrorDetails) -> str:
    field = ".".join(str(p) for p in error["loc"]) or "(entry)"
    msg = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        msg = "unknown key (known: name, url, lang, fulltext, region, tags, poll_minutes)"
    return f"field '{field}': {msg}"


def parse_feeds(data: Any, path: Path | str = "feeds.yaml") -> FeedsFile:
    """Validate loaded YAML (`{"feeds": [...]}`); each problem named by entry, name and field."""
    path = Path(path)
    if not isinstance(data, dict) or "feeds" not in data:
        raise FeedsFileError(f"{path}: expected a mapping with a 'feeds' list at the top")
    entries = data["feeds"]
    if not isinstance(entries, list) or not entries:
        raise FeedsFileError(f"{path}: 'feeds' must be a non-empty list")
    problems: list[str] = []
    feeds: list[FeedSpec] = []
    first_index: dict[str, int] = {}
    for index, entry in enumerate(entries, 1):
        name = entry.get("name") if isinstance(entry, dict) else None
        label = f"entry {index}" + (f" ({name!r})" if isinstance(name, str) else "")
        if not isinstance(entry, dict):
            problems.append(f"{label}: expected a mapping with name, url, lang, fulltext")
            continue
        try:
            spec = FeedSpec.model_validate(entry)
        except ValidationError as exc:
            problems.extend(f"{label}: {_describe(err)}" for err in exc.errors())
            continue
        if spec.name in first_index:
            problems.append(
                f"{label}: field 'name': duplicate of entry {first_index[spec.name]}; "
                "names must be unique"
            )
            continue
        first_index[spec.name] = index
        feeds.append(spec)
    if problems:
        raise FeedsFileError(
            f"{path}: " + ("\n  ".join(["", *problems]) if len(problems) > 1 else problems[0])
        )
    return FeedsFile(path=path, feeds=feeds)


def load_feeds(path: Path | str) -> FeedsFile:
    """Read and validate a feeds file; FeedsFileError names the entry and field of every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FeedsFileError(f"{path}: no such file (set --feeds FILE or NEWSMON_FEEDS)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedsFileError(f"{path}: cannot read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise FeedsFileError(f"{path}: not valid YAML{where}: {problem}") from None
    return parse_feeds(data, path)
