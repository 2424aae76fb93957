"""A hostile-input corpus (issue 14): import lines, feeds, settings, database URLs and user text
that broke newsmon once, or are their kin. Data only, shared by the tests of import, fetch and
the CLI (tests/test_hostile_*.py) and open to any other test (web, fuzzing) that wants it.

Every entry says what it is and which finding of issue 14 it pins; adding a case is adding a row.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FEEDS = HERE / "feeds"


def _line(n: int, **values: object) -> bytes:
    obj = {"url": f"https://hostile.example.kz/{n}", "title": f"Заголовок {n}", "text": "Текст."}
    obj.update(values)
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


# Import lines that must be skipped with their line number, the rest of the file stored:
# (what it is, the line's bytes, a fragment of the reason). Findings 2 and 3, and kin.
BAD_LINES: list[tuple[str, bytes, str]] = [
    # finding 2: `published` that cannot be stored (OverflowError when turned into UTC)
    (
        "published 0001-01-01, naive (Almaty)",
        _line(1, published="0001-01-01T00:00:00"),
        "out of range",
    ),
    (
        "published 0001-01-01 east of UTC",
        _line(2, published="0001-01-01T01:00:00+05:00"),
        "out of range",
    ),
    (
        "published 9999-12-31 west of UTC",
        _line(3, published="9999-12-31T23:59:59-05:00"),
        "out of range",
    ),
    # finding 2: lone surrogates (valid JSON escapes, not storable text on SQLite or PostgreSQL)
    (
        "lone high surrogate in title",
        b'{"url": "https://hostile.example.kz/4", "title": "\\ud800", "text": "x"}',
        "lone surrogate U+D800",
    ),
    (
        "lone low surrogate in text",
        b'{"url": "https://hostile.example.kz/5", "title": "t", "text": "a\\udfffb"}',
        "lone surrogate U+DFFF",
    ),
    (
        "lone surrogate in url",
        b'{"url": "https://hostile.example.kz/\\ud83d", "title": "t", "text": "x"}',
        "lone surrogate",
    ),
    (
        "lone surrogate in source",
        b'{"url": "https://hostile.example.kz/7", "title": "t", "text": "x", "source": "\\udc00"}',
        "lone surrogate",
    ),
    # finding 2: passes the line checks, refused by the store (the title is only control characters)
    (
        "title of control characters only",
        b'{"url": "https://hostile.example.kz/8", "title": "\\u0001\\u0002", "text": "x"}',
        "cannot be stored",
    ),
    # finding 3: bytes that are not UTF-8
    ("cp1251 Russian", _line(9).decode("utf-8").encode("cp1251"), "not valid utf-8"),
    (
        "kz1048 Kazakh",
        json.dumps(
            {"url": "https://hostile.example.kz/10", "title": "Әкім Өскемен", "text": "Қала"},
            ensure_ascii=False,
        ).encode("kz1048"),
        "not valid utf-8",
    ),
    (
        "a Latin-1 byte",
        b'{"url": "https://hostile.example.kz/11", "title": "caf\xe9", "text": "x"}',
        "byte 0xe9",
    ),
    ("UTF-8 cut in the middle of a letter", _line(12)[:-3] + b"\xd0\x22\x7d", "not valid utf-8"),
    (
        "an encoded surrogate (CESU-8)",
        b'{"url": "https://hostile.example.kz/13", "title": "\xed\xa0\x80", "text": "x"}',
        "not valid utf-8",
    ),
    # kin: JSON this program must refuse without a traceback
    (
        "nested 100000 deep",
        b'{"url": "https://hostile.example.kz/14", "title": "t", "text": "x", "x": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}",
        "nested too deeply",
    ),
    (
        "an integer of 5000 digits",
        b'{"url": "https://hostile.example.kz/15", "title": "t", "text": "x", "n": '
        + b"9" * 5000
        + b"}",
        "digits",
    ),
    (
        "NaN as title",
        b'{"url": "https://hostile.example.kz/16", "title": NaN, "text": "x"}',
        "'title' must be a string",
    ),
    (
        "published as a huge number",
        b'{"url": "https://hostile.example.kz/17", "title": "t", "text": "x", "published": 1e400}',
        "'published' must be",
    ),
    ("a JSON array", b"[1, 2, 3]", "not a JSON object"),
    ("half a line", b'{"url": "https://hostile.example.kz/19", "title": "t', "not JSON"),
    # kin: URLs
    ("javascript: URL", _line(20, url="javascript:alert(1)"), "not an http(s) URL"),
    ("file: URL", _line(21, url="file:///etc/passwd"), "not an http(s) URL"),
    ("broken IPv6 host", _line(22, url="http://[::1/x"), "Invalid IPv6 URL"),
    (
        "URL longer than PostgreSQL indexes",
        _line(23, url="https://hostile.example.kz/" + "я" * 1500),
        "longer than 2000 bytes",
    ),
    ("title longer than PostgreSQL indexes", _line(24, title="Ж" * 1500), "longer than 2000 bytes"),
    ("source longer than its column", _line(25, source="s" * 201), "longer than 200"),
]

# Lines that look odd and must be stored as given (the importer must not over-refuse)
GOOD_ODD_LINES: list[tuple[str, bytes]] = [
    ("rich markup in the title", _line(101, title="[bold red]Заголовок[/] [/x] [link=x]")),
    ("an astral character (emoji)", _line(102, title="Эмодзи 😀 в заголовке")),
    (
        "an escaped surrogate pair (valid)",
        b'{"url": "https://hostile.example.kz/103", "title": "\\ud83d\\ude00 pair", "text": "x"}',
    ),
    ("published at the edge of the range", _line(104, published="0001-01-01T06:00:00+05:00")),
    (
        "NUL inside the text",
        b'{"url": "https://hostile.example.kz/105", "title": "t", "text": "a\\u0000b"}',
    ),
    ("Kazakh with a right-to-left mark", _line(106, title="Әкім\u200fжаңалығы", text="Қала")),
]

# Settings that must be refused with one line per bad field: (environment, fields named)
BAD_SETTINGS: list[tuple[dict[str, str], list[str]]] = [
    ({"NEWSMON_MAX_BODY_BYTES": "abc"}, ["NEWSMON_MAX_BODY_BYTES"]),
    ({"NEWSMON_ALLOW_PRIVATE_NETWORKS": "maybe"}, ["NEWSMON_ALLOW_PRIVATE_NETWORKS"]),
    ({"NEWSMON_CONNECT_TIMEOUT": "-1"}, ["NEWSMON_CONNECT_TIMEOUT"]),
    ({"NEWSMON_READ_TIMEOUT": "0"}, ["NEWSMON_READ_TIMEOUT"]),
    ({"NEWSMON_TOTAL_TIMEOUT": "nan"}, ["NEWSMON_TOTAL_TIMEOUT"]),
    ({"NEWSMON_SQLITE_BUSY_TIMEOUT_MS": "-5"}, ["NEWSMON_SQLITE_BUSY_TIMEOUT_MS"]),
    ({"NEWSMON_EXTRACT_LEASE_SECONDS": "-300"}, ["NEWSMON_EXTRACT_LEASE_SECONDS"]),
    ({"NEWSMON_FETCH_CONCURRENCY": "0"}, ["NEWSMON_FETCH_CONCURRENCY"]),
    ({"NEWSMON_IMPORT_MAX_LINE_BYTES": "-1"}, ["NEWSMON_IMPORT_MAX_LINE_BYTES"]),
    (
        {
            "NEWSMON_MAX_BODY_BYTES": "abc",
            "NEWSMON_ALLOW_PRIVATE_NETWORKS": "maybe",
            "NEWSMON_PER_HOST_DELAY": "-1",
        },
        ["NEWSMON_MAX_BODY_BYTES", "NEWSMON_ALLOW_PRIVATE_NETWORKS", "NEWSMON_PER_HOST_DELAY"],
    ),
]

# Database URLs that keep nothing (finding 1): refused by every command
MEMORY_DATABASE_URLS = [
    "sqlite://",
    "sqlite:///",
    "sqlite:///:memory:",
    "sqlite+pysqlite://",
    "sqlite:///file:mem1?mode=memory&uri=true",
]

# Files a SQLite URL may name that are not databases (finding 12): name -> bytes (None: a folder)
NOT_DATABASES: dict[str, bytes | None] = {
    "passwd": b"root:x:0:0:root:/root:/bin/bash\n" * 20,
    "truncated.db": b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + b"\x00" * 40,
    "empty-header.db": b"SQLite format 3\x00",
    "folder.db": None,
}

# User text that rich would read as markup (finding 14): file names, option values
MARKUP_TEXT = ["[/x]", "[/]", "[bold red]x", "[link=file:///etc/passwd]x[/link]", "a[b]c", "\\[x]"]

# Feeds in feeds/ that must be failed fetches, with a fragment of the reason (finding 15)
BAD_FEEDS: list[tuple[str, str]] = [
    ("billion-laughs-title.rss", "entity declarations refused"),
    ("xxe-external.rss", "entity declarations refused"),
    ("quadratic-blowup.rss", "entity declarations refused"),
]

# Feeds in feeds/ that must be stored, with a fragment of the warning recorded
ODD_FEEDS: list[tuple[str, int, str]] = [
    ("surrogate-refs.rss", 2, "references to lone surrogates read as U+FFFD"),
]

# Query-parameter values a hostile client sends to every page and endpoint (web): markup, SQL, path
# tricks, control characters, a lone surrogate as UTF-8 bytes, extreme numbers and dates, a long value
QUERY_VALUES: list[str] = [
    *MARKUP_TEXT[:2],
    "' OR 1=1 --",
    '"; DROP TABLE fact; --',
    "<script>alert(1)</script>",
    "//evil.example/x",
    "../../etc/passwd",
    "\x00\x1b[31m",
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
    "-1",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "я" * 5000,
]
