"""Full text for `fulltext: true` feeds: fetch the article page with the same safe fetcher, extract
the main text with trafilatura (from the HTML string: trafilatura makes no network call here)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from newsmon.errors import FetchError
from newsmon.ingest.http import PAGE_ACCEPT, Fetcher
from newsmon.ingest.parse import codec_name, guess_encoding
from newsmon.ingest.articles import ArticleIn

MIN_TEXT_CHARS = 200  # shorter extractions are menus or cookie banners, not articles
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


@dataclass
class FulltextReport:
    pages: int = 0
    extracted: int = 0
    failed: list[tuple[str, str]] = field(
        default_factory=list
    )  # (url, why): these keep the feed summary


def decode_html(body: bytes, headers: Mapping[str, str]) -> str:
    """The page as text: header charset, else <meta charset>, else UTF-8/cp1251/kz1048 by guess."""
    candidates: list[str] = []
    ctype = headers.get("content-type", "")
    if "charset=" in ctype.lower():
        candidates.append(ctype.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'"))
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "ignore"))
    for name in candidates:
        codec = codec_name(name)
        if not codec:
            continue
        try:
            return body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode(guess_encoding(body), errors="replace")


def extract_text(html: str, url: str | None = None) -> str | None:
    """The main text of an article page, or None when trafilatura finds none."""
    import trafilatura  # slow to import; only fulltext feeds need it

    text = trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_precision=True,
        with_metadata=False,
    )
    return text.strip() if text else None


def fetch_fulltext(
    fetcher: Fetcher, items: Sequence[ArticleIn]
) -> tuple[list[ArticleIn], FulltextReport]:
    """Items with the page's main text as `text` (the feed's text stays as `summary`). A page that
    fails to load or to yield text leaves its item as the feed gave it, and is counted."""
    report = FulltextReport()
    out: list[ArticleIn] = []
    for item in items:
        report.pages += 1
        try:
            response = fetcher.get(item.url, accept=PAGE_ACCEPT)
            if response.not_modified or not response.content:
                raise FetchError("empty page")
        except FetchError as exc:
            report.failed.append((item.url, str(exc)))
            out.append(item)
            continue
        try:
            text = extract_text(decode_html(response.content, response.headers), response.url)
        except Exception as exc:  # noqa: BLE001 - trafilatura's failures are undocumented; fall back, counted
            report.failed.append((item.url, f"extraction failed: {type(exc).__name__}: {exc}"))
            out.append(item)
            continue
        if not text or (len(text) < MIN_TEXT_CHARS and len(text) <= len(item.text)):
            report.failed.append((item.url, "no article text found on the page"))
            out.append(item)
            continue
        report.extracted += 1
        out.append(dataclasses.replace(item, text=text, summary=item.summary or item.text or None))
    return out, report
