"""Feed bytes to articles: feedparser on the bytes and response headers, charset repair, entries.

feedparser is never given a string: it treats strings as URLs or file paths and opens them. The body
goes in as a BytesIO, since even bare `bytes` that happen to name a file would be opened as one.
"""

from __future__ import annotations

import codecs
import html
import io
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from newsmon.errors import FetchError
from newsmon.ingest.articles import ArticleIn, clean_text, size_problem

TITLE_FROM_TEXT_CHARS = 80
CANDIDATE_ENCODINGS = ("utf-8", "cp1251", "kz1048")

_KK_ONLY = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
_GOOD = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ" + _KK_ONLY)
# letters of other Cyrillic alphabets: Kazakh read with the wrong one-byte table comes out as these
_FOREIGN_CYRILLIC = set("ЂђЃѓЉљЊњЌќЋћЏџЎўЈјҐґЄєЇїЅѕ")
# what wrong decodings look like: cp1251 read as Latin-1 («Íîâîñòè»), UTF-8 read as cp1251
# («РќРѕРІ»), UTF-8 read as Latin-1 («Ð½Ð¾»), undecodable bytes (U+FFFD)
_CP1251_HIGH = bytes(range(0x80, 0xC0)).decode("cp1251", errors="ignore")
_LATIN_HIGH = "".join(chr(c) for c in range(0x80, 0xC0)) + bytes(range(0x80, 0xA0)).decode(
    "cp1252", "ignore"
)
_MOJIBAKE = re.compile(
    "[\u00c0-\u00ff]{4,}"
    f"|(?:[РС][{re.escape(_CP1251_HIGH)}]){{2,}}"
    f"|(?:[ÐÑ][{re.escape(_LATIN_HIGH)}]){{2,}}"
    "|\ufffd"
    f"|[{''.join(sorted(_FOREIGN_CYRILLIC))}]"
)
_XML_DECL_ENCODING = re.compile(
    rb"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2", re.IGNORECASE
)
# a DOCTYPE with an internal subset: where entity declarations (billion laughs, XXE) live
_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE\b[^\[>]*\[")
_CHARREF = re.compile(rb"&#(x[0-9a-fA-F]{1,8}|[0-9]{1,10});")
_INVISIBLE = re.compile(r"<!--.*?-->|<(script|style|noscript|template)\b.*?</\1\s*>", re.I | re.S)
_BLOCK_TAG = re.compile(
    r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|/blockquote|/pre|p|div|li|h[1-6])\b[^>]*>", re.I
)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


_NOT_STRUCTURAL = (
    feedparser.CharacterEncodingOverride,
    feedparser.CharacterEncodingUnknown,
    feedparser.NonXMLContentType,
)


class FeedParseError(FetchError):
    """The body is not a usable feed (an HTML page, malformed XML with no entries, not RSS/Atom)."""


@dataclass
class ParsedFeed:
    """What one feed body gave: articles ready for store_articles, and what was skipped and why."""

    version: str
    encoding: str
    title: str | None
    items: list[ArticleIn]
    entries: int  # entries in the document, skipped ones included
    skipped: list[str] = field(default_factory=list)  # one reason per skipped entry
    warnings: list[str] = field(default_factory=list)
    repaired_encoding: bool = False


# --- charsets -------------------------------------------------------------------------------------


def mojibake_score(text: str) -> int:
    """How many signs of a wrong decoding the text carries (0 for clean text)."""
    return len(_MOJIBAKE.findall(text))


def plausibility(text: str) -> int:
    """Russian/Kazakh letters minus a heavy penalty for signs of a wrong decoding."""
    good = sum(1 for ch in text if ch in _GOOD)
    bad = mojibake_score(text) + sum(1 for ch in text if "\x80" <= ch <= "\x9f")
    return good - 8 * bad


def guess_encoding(body: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8; otherwise the one-byte Cyrillic table (cp1251 or
    kz1048) whose reading looks most like Russian or Kazakh."""
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best, best_score = "cp1251", None
    for enc in CANDIDATE_ENCODINGS[1:]:
        try:
            score = plausibility(body.decode(enc))
        except UnicodeDecodeError:
            continue
        if best_score is None or score > best_score:
            best, best_score = enc, score
    return best


def codec_name(name: str | None) -> str:
    """Python's canonical codec name ("windows-1251" -> "cp1251"), or the name itself if unknown."""
    try:
        return codecs.lookup(name or "").name
    except LookupError:
        return name or ""


def to_utf8(body: bytes, encoding: str) -> bytes:
    """The document re-encoded as UTF-8, its XML declaration saying so."""
    text = body.decode(encoding, errors="replace").lstrip("\ufeff").encode("utf-8")
    return _XML_DECL_ENCODING.sub(rb"\1\2utf-8\2", text, count=1)


# --- text -----------------------------------------------------------------------------------------


def html_to_text(value: str | None) -> str:
    """Plain text from an HTML fragment: scripts, styles and comments dropped with their content,
    other tags dropped, paragraphs on their own lines."""
    if not value:
        return ""
    if "<" in value:
        value = _TAG.sub("", _BLOCK_TAG.sub("\n", _INVISIBLE.sub("", value)))
    if "&" in value:
        value = html.unescape(value)
    lines = (_SPACES.sub(" ", line).strip() for line in value.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _one_line(value: str) -> str:
    return " ".join(value.split())


def title_from_text(text: str, limit: int = TITLE_FROM_TEXT_CHARS) -> str:
    """The first ~`limit` characters of `text`, cut at a word boundary, as a stand-in title."""
    flat = _one_line(text)
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut.rstrip(" ,.;:-—") + "…"


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    v = value.strip().lower()
    return (v.startswith("http://") or v.startswith("https://")) and len(v) > 8


def _when(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if isinstance(parsed, time.struct_time):
            try:
                return datetime(*parsed[:6], tzinfo=UTC)
            except (ValueError, OverflowError):
                continue
    return None


def _text_of(entry: Mapping[str, Any], key: str) -> str:
    detail = entry.get(f"{key}_detail") or {}
    value = entry.get(key) or ""
    if "html" in str(detail.get("type", "html")):
        return html_to_text(value)
    return value.strip()


def entry_to_article(entry: Mapping[str, Any], base: str = "") -> ArticleIn | str:
    """An ArticleIn, or why the entry cannot be one; a relative link is resolved against `base`."""
    link = entry.get("link")
    guid = entry.get("id") or None
    if link and base and not _is_http_url(link):
        link = urljoin(base, str(link).strip())
    if not _is_http_url(link):
        if not _is_http_url(guid):
            return "no link and no URL in guid"
        link = guid
    body = ""
    for content in entry.get("content") or ():
        value = content.get("value") or ""
        if value.strip():
            body = (
                html_to_text(value) if "html" in str(content.get("type", "html")) else value.strip()
            )
            break
    summary = _text_of(entry, "summary")
    text = body or summary
    # cleaned as the store cleans it: a title of control characters only is no title
    title = _one_line(clean_text(_text_of(entry, "title")))
    if not title:
        if not clean_text(text):
            return "no title and no text"
        title = title_from_text(text)
    if too_big := size_problem(str(link).strip(), title):
        return too_big
    return ArticleIn(
        url=str(link).strip(),
        title=title,
        text=text,
        published=_when(entry),
        guid=str(guid).strip() if guid else None,
        summary=summary or None,
    )


# --- the feed -------------------------------------------------------------------------------------


def _feedparser(body: bytes, headers: Mapping[str, str]) -> Any:
    # entries become plain text (html_to_text), so feedparser's HTML sanitizer and its rewriting
    # of relative URIs inside content are skipped, and no base URI is given (feedparser would join
    # every link and id with it): together a third of the parse. entry_to_article resolves links.
    return feedparser.parse(
        io.BytesIO(body),
        response_headers=dict(headers),
        sanitize_html=False,
        resolve_relative_uris=False,
    )


def _sample(result: Any) -> str:
    parts = [str(result.feed.get("title", ""))]
    for entry in result.entries[:50]:
        parts.append(str(entry.get("title", "")))
        parts.append(str(entry.get("summary", ""))[:500])
    return "\n".join(parts)


def _encoding_trouble(result: Any) -> bool:
    exc = result.get("bozo_exception")
    return isinstance(
        exc, (feedparser.CharacterEncodingOverride, feedparser.CharacterEncodingUnknown)
    )


def _looks_html(body: bytes, content_type: str) -> bool:
    head = body[:4096].lower()
    if any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<channel")):
        return False
    return "html" in content_type or b"<html" in head or b"<!doctype html" in head


def _drop_surrogate_refs(body: bytes) -> tuple[bytes, int]:
    """References to lone surrogates (`&#xD800;`) replaced by U+FFFD, and how many: they are not
    XML, and feedparser's lenient parser fails on them with UnicodeEncodeError."""
    count = 0

    def fix(m: re.Match[bytes]) -> bytes:
        nonlocal count
        ref = m.group(1)
        code = int(ref[1:], 16) if ref[:1] == b"x" else int(ref)
        if 0xD800 <= code <= 0xDFFF:
            count += 1
            return b"&#xFFFD;"
        return m.group(0)

    return (_CHARREF.sub(fix, body), count) if b"&#" in body else (body, 0)


def parse_feed(body: bytes, headers: Mapping[str, str] | None = None, url: str = "") -> ParsedFeed:
    """Parse a feed body with its response headers; `url` (the final URL) resolves relative links.

    Raises FeedParseError for an HTML page, for malformed XML that gave no entries, and for XML that
    is neither RSS nor Atom. A partly broken feed keeps its entries and carries a warning.
    """
    hdrs = {k.lower(): v for k, v in (headers or {}).items()}
    base = urljoin(url, hdrs["content-location"]) if hdrs.get("content-location") else url
    content_type = hdrs.get("content-type", "").lower()
    if not body.strip():
        raise FeedParseError("empty body, not a feed")
    body, surrogates = _drop_surrogate_refs(body)
    result = _feedparser(body, hdrs)
    repaired = False
    before = mojibake_score(_sample(result))
    if before or _encoding_trouble(result):
        # no charset, or a wrong one: decide from the bytes and parse again as UTF-8
        guessed = guess_encoding(body)
        if codec_name(guessed) != codec_name(result.get("encoding")):
            again = _feedparser(
                to_utf8(body, guessed), {**hdrs, "content-type": "application/xml; charset=utf-8"}
            )
            if (
                len(again.entries) >= len(result.entries)
                and mojibake_score(_sample(again)) <= before
            ):
                result, repaired = again, True
                result["encoding"] = guessed
    entries = list(result.entries)
    version = result.get("version") or ""
    bozo = result.get("bozo_exception") if result.get("bozo") else None
    if isinstance(bozo, _NOT_STRUCTURAL):
        # the document parsed; only its labelling was off (charset, Content-Type), and the text
        # was checked for mojibake above
        bozo = None
    if bozo is not None and declares_entities(body):
        # the parser refused the document's own entities (it never expands them), so what is left
        # are references such as "&lol9;" standing in for text: the feed is refused, not stored
        raise FeedParseError(f"XML entity declarations refused by the parser: {_bozo_text(bozo)}")
    if not entries:
        if not version and _looks_html(body, content_type):
            raise FeedParseError("HTML page, not a feed")
        if bozo is not None:
            raise FeedParseError(f"malformed XML, no entries: {_bozo_text(bozo)}")
        if not version:
            raise FeedParseError("not an RSS or Atom feed")
    parsed = ParsedFeed(
        version=version,
        encoding=str(result.get("encoding") or ""),
        title=_one_line(str(result.feed.get("title", ""))) or None,
        items=[],
        entries=len(entries),
        repaired_encoding=repaired,
    )
    if bozo is not None and entries:
        parsed.warnings.append(f"malformed feed, kept {len(entries)} entries: {_bozo_text(bozo)}")
    if repaired:
        parsed.warnings.append(f"charset repaired: read as {parsed.encoding}")
    if surrogates:
        parsed.warnings.append(f"{surrogates} references to lone surrogates read as U+FFFD")
    for entry in entries:
        article = entry_to_article(entry, base)
        if isinstance(article, str):
            parsed.skipped.append(article)
        else:
            parsed.items.append(article)
    return parsed


def declares_entities(body: bytes) -> bool:
    """True when the document's DOCTYPE declares entities (`<!ENTITY` in its internal subset)."""
    head = body[: 1 << 20]
    found = _DOCTYPE_SUBSET.search(head)
    if found is None:
        return False
    end = head.find(b"]>", found.end())
    return b"<!ENTITY" in head[found.end() : end if end >= 0 else len(head)]


def _bozo_text(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())[:200]
