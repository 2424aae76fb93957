"""`newsmon import FILE.jsonl`: articles from JSON Lines (CONTRACT §1), streamed in committed batches."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from newsmon.errors import InputError
from newsmon.ingest.langid import LANGS
from newsmon.ingest.articles import ArticleIn, get_or_create_source, store_articles
from newsmon.store.db import open_session
from newsmon.store.models import Source

ALMATY = ZoneInfo("Asia/Almaty")
BATCH = 200


@dataclass
class ImportReport:
    lines: int = 0
    new: int = 0
    duplicates: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    @property
    def ok(self) -> bool:
        return not self.skipped

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "new": self.new,
            "duplicates": self.duplicates,
            "skipped": len(self.skipped),
            "errors": [{"line": n, "error": why} for n, why in self.skipped],
        }


def parse_published(value: Any) -> datetime | None:
    """ISO 8601 with or without offset; a naive time is Asia/Almaty."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("'published' must be an ISO 8601 string")
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'published' is not ISO 8601: {value[:40]!r}") from None
    return when.replace(tzinfo=ALMATY) if when.tzinfo is None else when


def parse_line(raw: str) -> tuple[str, ArticleIn]:
    """(source name, article) from one JSON line; ValueError says what is wrong."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    for key in ("url", "title", "text"):
        if key not in obj:
            raise ValueError(f"required key '{key}' is missing")
        if not isinstance(obj[key], str):
            raise ValueError(f"'{key}' must be a string")
    url = obj["url"].strip()
    host = urlsplit(url).hostname
    if not host or urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"'url' is not an http(s) URL: {url[:80]!r}")
    if not obj["title"].strip():
        raise ValueError("'title' is empty")
    source = obj.get("source")
    if source is not None and not isinstance(source, str):
        raise ValueError("'source' must be a string")
    lang = obj.get("lang")
    if lang is not None and lang not in LANGS:
        raise ValueError(f"'lang' must be one of {', '.join(LANGS)}")
    host = host.removeprefix("www.")
    return (source or host).strip() or host, ArticleIn(
        url=url,
        title=obj["title"],
        text=obj["text"],
        published=parse_published(obj.get("published")),
        lang=lang,
    )


def _lines(path: str | Path) -> Iterator[tuple[int, str]]:
    if str(path) == "-":
        stream: IO[str] = sys.stdin
        yield from enumerate(stream, 1)
        return
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    with p.open(encoding="utf-8", errors="replace") as fh:
        yield from enumerate(fh, 1)


def import_jsonl(
    path: str | Path,
    *,
    database_url: str | None = None,
    on_progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import a JSONL file (or '-' for stdin). Each batch is one transaction, so a killed import loses
    nothing that was committed and a rerun adds only what is missing."""
    report = ImportReport()
    batch: list[tuple[str, ArticleIn]] = []
    with open_session(database_url) as session:
        sources: dict[str, Source] = {}

        def flush() -> None:
            by_source: dict[str, list[ArticleIn]] = {}
            for name, art in batch:
                by_source.setdefault(name, []).append(art)
            for name, arts in by_source.items():
                if name not in sources:
                    sources[name] = get_or_create_source(session, name, kind="import")
                res = store_articles(session, sources[name], arts)
                report.new += res.new
                report.duplicates += res.duplicates
            session.commit()
            batch.clear()
            if on_progress:
                on_progress(report)

        for lineno, raw in _lines(path):
            if not raw.strip():
                continue
            report.lines += 1
            try:
                batch.append(parse_line(raw))
            except ValueError as exc:
                report.skipped.append((lineno, str(exc)))
                continue
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
    return report
