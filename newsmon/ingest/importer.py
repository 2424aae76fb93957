"""`newsmon import FILE.jsonl`: articles from JSON Lines (CONTRACT §1), streamed in committed batches."""

from __future__ import annotations

import codecs
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from newsmon.errors import InputError, StorageError
from newsmon.ingest.articles import (
    MAX_SOURCE_CHARS,
    TITLE_DEDUP_DAYS,
    ArticleIn,
    get_or_create_source,
    size_problem,
    store_articles,
)
from newsmon.settings import Settings
from newsmon.store.db import open_session
from newsmon.store.models import Source
from newsmon.text import LANGS

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


# the default of `settings.import_max_line_bytes`; the caller passes its settings' value
MAX_LINE_BYTES: int = Settings.model_fields["import_max_line_bytes"].default


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
    when = when.replace(tzinfo=ALMATY) if when.tzinfo is None else when
    try:
        when.astimezone(UTC)  # stored in UTC: 0001-01-01 in Almaty is before year 1
    except OverflowError:
        raise ValueError(f"'published' is out of range: {value[:40]!r}") from None
    return when


def _check_encodable(key: str, value: str) -> None:
    """A lone surrogate (JSON "\\ud800") is valid JSON but not text any database can store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"'{key}' holds a lone surrogate U+{ord(value[exc.start]):04X} at character {exc.start}"
        ) from None


def parse_line(raw: str) -> tuple[str, ArticleIn]:
    """(source name, article) from one JSON line; ValueError says what is wrong."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    except RecursionError:
        raise ValueError("not JSON this program reads (nested too deeply)") from None
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
    for key in ("url", "title", "text", "source"):
        if isinstance(obj.get(key), str):
            _check_encodable(key, obj[key])
    lang = obj.get("lang")
    if lang is not None and lang not in LANGS:
        raise ValueError(f"'lang' must be one of {', '.join(LANGS)}")
    if too_big := size_problem(url, obj["title"]):
        raise ValueError(too_big)
    if source is not None and len(source.strip()) > MAX_SOURCE_CHARS:
        raise ValueError(f"'source' is longer than {MAX_SOURCE_CHARS} characters")
    host = host.removeprefix("www.")
    return (source or host).strip() or host, ArticleIn(
        url=url,
        title=obj["title"],
        text=obj["text"],
        published=parse_published(obj.get("published")),
        lang=lang,
    )


def check_encoding(encoding: str) -> str:
    """The codec's canonical name; InputError unless it is known and reads lines the way UTF-8
    does (one byte 0x0A per line end: utf-8, cp1251, kz1048, koi8-r; not utf-16)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(
            f"unknown encoding {encoding!r}: use e.g. utf-8, cp1251 or kz1048"
        ) from None
    try:
        ascii_compatible = "\n{}".encode(name) == b"\n{}" and b"\n".decode(name) == "\n"
    except (UnicodeError, LookupError, TypeError):  # codecs that are not text encodings
        ascii_compatible = False
    if not ascii_compatible:
        raise InputError(
            f"encoding {encoding!r} cannot be read line by line: use utf-8, cp1251, kz1048 or "
            "another one-byte-per-newline encoding (convert the file with iconv first)"
        )
    return name


@dataclass
class _Line:
    number: int
    text: str | None  # None: skipped, `why` says why
    why: str = ""


def _raw_lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, bytes without the line end, size); the bytes are None for a line over `limit`
    bytes, whose rest is read in chunks and dropped, never held whole."""
    lineno = 0
    while True:
        chunk = stream.readline(limit + 1)
        if not chunk:
            return
        lineno += 1
        if len(chunk) <= limit or chunk.endswith(b"\n"):
            yield lineno, chunk.rstrip(b"\n").removesuffix(b"\r"), len(chunk)
            continue
        size = len(chunk)
        while chunk and not chunk.endswith(b"\n"):
            chunk = stream.readline(1 << 20)
            size += len(chunk)
        yield lineno, None, size


def _decoded(
    raw: Iterator[tuple[int, bytes | None, int]], encoding: str, limit: int
) -> Iterator[_Line]:
    for lineno, data, size in raw:
        if data is None:
            yield _Line(
                lineno,
                None,
                f"line is {size} bytes, over the limit of {limit} (NEWSMON_IMPORT_MAX_LINE_BYTES)",
            )
            continue
        if lineno == 1 and encoding == "utf-8":
            data = data.removeprefix(codecs.BOM_UTF8)
        try:
            yield _Line(lineno, data.decode(encoding))
        except UnicodeDecodeError as exc:
            hint = " (give --encoding, e.g. --encoding cp1251)" if encoding == "utf-8" else ""
            yield _Line(
                lineno,
                None,
                f"not valid {encoding}: byte 0x{data[exc.start]:02x} at byte {exc.start + 1}{hint}",
            )


def _read(fh: IO[bytes], encoding: str, limit: int) -> Iterator[_Line]:
    with fh:
        yield from _decoded(_raw_lines(fh, limit), encoding, limit)


def _lines(path: str | Path, encoding: str, limit: int) -> Iterator[_Line]:
    """The lines of a file (or of stdin for '-'), decoded strictly: an undecodable or over-long line
    is yielded with text None and the reason, never stored mangled. A bad encoding or a path that
    is not a readable file raises InputError here, before anything is read or opened."""
    name = check_encoding(encoding)
    if str(path) == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:  # a text stream without bytes beneath (tests): its text as UTF-8
            raw = (
                (n, line.rstrip("\n").encode("utf-8", "surrogatepass"), len(line))
                for n, line in enumerate(sys.stdin, 1)
            )
            return _decoded(raw, "utf-8", limit)
        return _decoded(_raw_lines(buffer, limit), name, limit)
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a JSON Lines file")
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        return _read(p.open("rb"), name, limit)
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror})") from None


# errors that say the line cannot be stored (its values), not that the database is unavailable
_LINE_ERRORS = (
    sa.exc.DataError,
    sa.exc.IntegrityError,
    sa.exc.StatementError,
    ValueError,
    OverflowError,
    UnicodeError,
)


def _line_error(exc: BaseException) -> bool:
    """The line's values are at fault (skip it), not the database (stop)."""
    if isinstance(exc, (sa.exc.InterfaceError, sa.exc.ProgrammingError, sa.exc.InternalError)):
        return False  # a dropped connection, a wrong schema, a server fault: the database's
    if isinstance(exc, sa.exc.OperationalError):
        # PostgreSQL reports "program limit exceeded" (an index row too big) as an operational
        # error; connection loss, locks and disk errors are the database's and stop the import
        return str(getattr(exc.orig, "sqlstate", "") or "").startswith("54")
    return isinstance(exc, _LINE_ERRORS)


def _reason(exc: BaseException) -> str:
    inner = getattr(exc, "orig", None) or exc
    first = (str(inner).strip().splitlines() or [""])[0]
    return f"cannot be stored: {type(inner).__name__}: {first}"[:300]


def _storage_error(exc: BaseException, lineno: int | None = None) -> BaseException:
    """A database failure as StorageError (one line for the CLI); anything else unchanged."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return exc
    where = f"line {lineno}: " if lineno else ""
    inner = getattr(exc, "orig", None) or exc
    first = (str(inner).strip().splitlines() or [""])[0]
    return StorageError(f"{where}storing failed: {type(inner).__name__}: {first}")


def import_jsonl(
    path: str | Path,
    *,
    database_url: str | None = None,
    encoding: str = "utf-8",
    on_progress: Callable[[ImportReport], None] | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    title_dedup_days: int = TITLE_DEDUP_DAYS,
) -> ImportReport:
    """Import a JSONL file (or '-' for stdin). Each batch is one transaction, so a killed import loses
    nothing that was committed and a rerun adds only what is missing.

    A line that cannot be read (not `encoding`, over NEWSMON_IMPORT_MAX_LINE_BYTES), parsed or
    stored is skipped with its number and the reason; the other lines are stored. When a batch
    fails to store, it is stored again line by line so that only the bad line is skipped.
    """
    report = ImportReport()
    batch: list[tuple[int, str, ArticleIn]] = []
    lines = _lines(path, encoding, max_line_bytes)
    with open_session(database_url) as session:
        sources: dict[str, Source] = {}

        def store(items: list[tuple[int, str, ArticleIn]]) -> None:
            by_source: dict[str, list[ArticleIn]] = {}
            for _, name, art in items:
                by_source.setdefault(name, []).append(art)
            for name, arts in by_source.items():
                if name not in sources:
                    sources[name] = get_or_create_source(session, name, kind="import")
                res = store_articles(
                    session, sources[name], arts, title_dedup_days=title_dedup_days
                )
                report.new += res.new
                report.duplicates += res.duplicates
            session.commit()

        def flush() -> None:
            new, duplicates = report.new, report.duplicates
            try:
                store(batch)
            except Exception as exc:
                if not _line_error(exc):
                    raise _storage_error(exc) from exc
                session.rollback()
                sources.clear()  # a source created in the rolled-back transaction is gone
                report.new, report.duplicates = new, duplicates
                for item in batch:  # one transaction per line: only the bad one is skipped
                    try:
                        store([item])
                    except Exception as exc:
                        if not _line_error(exc):
                            raise _storage_error(exc, item[0]) from exc
                        session.rollback()
                        sources.clear()
                        report.skipped.append((item[0], _reason(exc)))
                report.skipped.sort()
            batch.clear()
            if on_progress:
                on_progress(report)

        for line in lines:
            if line.text is None:
                report.lines += 1
                report.skipped.append((line.number, line.why))
                continue
            if not line.text.strip():
                continue
            report.lines += 1
            try:
                name, art = parse_line(line.text)
            except ValueError as exc:
                report.skipped.append((line.number, str(exc)))
                continue
            batch.append((line.number, name, art))
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
    return report
