"""URL and title keys for de-duplication."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit

from newsmon.text import fold

# query parameters that identify a campaign or a click, never the article
TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|yclid|dclid|msclkid|mc_cid|mc_eid|_openstat|from|ref|ref_src|igshid|spm|share|amp)$",
    re.IGNORECASE,
)


def normalize_url(url: str) -> str:
    """A key equal for URLs that name the same page: no scheme, fragment, tracking params or trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/").rstrip("/")
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(k)
    ]
    key = host + path
    if query:
        key += "?" + urlencode(sorted(query))
    return key


def title_key(title: str) -> str:
    """Lower-cased title with punctuation and spacing squeezed (same story headline, same key)."""
    text = fold(unicodedata.normalize("NFKC", title), kazakh=False)
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())
