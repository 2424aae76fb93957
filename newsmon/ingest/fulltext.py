"""Full text for `fulltext: true` feeds: fetch the article page with the same safe fetcher, extract
the main text with trafilatura (from the HTML string: trafilatura makes no network call here)."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from newsmon.errors import FetchError
from newsmon.ingest.articles import ArticleIn
from newsmon.ingest.http import PAGE_ACCEPT, Fetcher
from newsmon.ingest.parse import codec_name, guess_encoding

MIN_TEXT_CHARS = 200  # shorter extractions are menus or cookie banners, not articles
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


@dataclass
class FulltextReport:
    pages: int = 0
    extracted: int = 0
    failed: list[tuple[str, str]] = field(
        default_factory=list
    )  # (url, why): these keep the feed summary
    # not fetched in this run (time budget spent or page cap reached): left for the next run
    deferred: list[ArticleIn] = field(default_factory=list)


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
    fetcher: Fetcher,
    items: Sequence[ArticleIn],
    *,
    deadline: float | None = None,
    max_pages: int | None = None,
    on_item: Callable[[ArticleIn], None] | None = None,
) -> tuple[list[ArticleIn], FulltextReport]:
    """Items with the page's main text as `text` (the feed's text stays as `summary`). A page that
    fails to load or to yield text leaves its item as the feed gave it, and is counted.

    `deadline` (time.monotonic()) bounds the whole call, each page's fetch included; `max_pages` caps
    the pages fetched. Items past either are not returned but listed in `report.deferred`, and
    `on_item` receives each completed item as soon as it is ready (so the caller can store it).
    """
    report = FulltextReport()
    out: list[ArticleIn] = []
    for n, item in enumerate(items):
        over_cap = max_pages is not None and report.pages >= max_pages
        if over_cap or (deadline is not None and time.monotonic() >= deadline):
            report.deferred.extend(items[n:])
            break
        report.pages += 1
        try:
            completed = _complete(fetcher, item, deadline, report)
        except _BudgetSpent:
            report.pages -= 1
            report.deferred.extend(items[n:])
            break
        out.append(completed)
        if on_item is not None:
            on_item(completed)
    return out, report


class _BudgetSpent(Exception):
    """The page could not be fetched because the caller's time budget ran out."""


def _complete(
    fetcher: Fetcher, item: ArticleIn, deadline: float | None, report: FulltextReport
) -> ArticleIn:
    """`item` with its page's text, or as the feed gave it (the failure noted in `report`)."""
    try:
        response = fetcher.get(item.url, accept=PAGE_ACCEPT, deadline=deadline)
        if response.not_modified or not response.content:
            raise FetchError("empty page")
    except FetchError as exc:
        if deadline is not None and time.monotonic() >= deadline:
            raise _BudgetSpent from None
        report.failed.append((item.url, str(exc)))
        return item
    try:
        text = extract_text(decode_html(response.content, response.headers), response.url)
    except Exception as exc:  # noqa: BLE001 - trafilatura's failures are undocumented; fall back, counted
        report.failed.append((item.url, f"extraction failed: {type(exc).__name__}: {exc}"))
        return item
    if not text or (len(text) < MIN_TEXT_CHARS and len(text) <= len(item.text)):
        report.failed.append((item.url, "no article text found on the page"))
        return item
    report.extracted += 1
    return dataclasses.replace(item, text=text, summary=item.summary or item.text or None)
