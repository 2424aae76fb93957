"""Rendering a digest as Markdown, as one self-contained HTML page, or as an e-mail (jinja2, autoescaped).

The HTML page carries the region map as a `data:` PNG; the e-mail's HTML has inline styles only, no
scripts and no external resources: its one image, the map, is a part of the message (`cid:`).
"""

from __future__ import annotations

import base64
import os
import re
import tempfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2

from newsmon.digest.build import Digest
from newsmon.digest.labels import labels, plural
from newsmon.digest.regionmap import region_map, render_png
from newsmon.errors import InputError

FORMATS = ("md", "html", "email")
MAP_CID = "regionmap@newsmon"
TEMPLATES = Path(__file__).resolve().parent / "templates"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>&~])")


class MdRaw(str):
    """Text the Markdown template writes as is (already escaped or a URL)."""


def md_escape(value: object) -> str:
    """Every Markdown and HTML metacharacter backslash-escaped (CommonMark), line breaks flattened."""
    if value is None:
        return ""
    if isinstance(value, MdRaw):
        return str(value)
    text = re.sub(r"\s+", " ", str(value))
    return _MD_SPECIAL.sub(r"\\\1", text)


def safe_url(url: object) -> str:
    """http(s) URLs only (no javascript: or data:); anything else becomes '#'."""
    text = str(url or "").strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return "#"
    return text


def md_url(url: object) -> MdRaw:
    """A URL safe inside a Markdown link's parentheses."""
    return MdRaw(quote(safe_url(url), safe=":/?#[]@!$&'*+,;=%-._~"))


@lru_cache(maxsize=2)
def _env(kind: str) -> jinja2.Environment:
    if kind in ("html", "email"):
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["url"] = safe_url
    else:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=False,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=md_escape,
        )
        env.filters["url"] = md_url
        env.filters["raw"] = MdRaw
    return env


@lru_cache(maxsize=32)
def _map_png(counts: tuple[tuple[str, int], ...], lang: str) -> bytes:
    L = labels(lang)
    return render_png(region_map(dict(counts), lang), legend_title=L["map_legend"])


def map_png(digest: Digest) -> bytes:
    """The digest's region map (articles per top-level unit) as a PNG."""
    return _map_png(tuple(sorted(digest.region_counts.items())), digest.lang)


def _render(digest: Digest, fmt: str, map_src: str) -> str:
    env = _env("html" if fmt == "email" else fmt)
    template = env.get_template(f"digest.{fmt}.j2")
    region_note = f" ({digest.region})" if digest.region else ""
    empty = labels(digest.lang)["empty"].format(day=digest.day.isoformat(), region_note=region_note)
    lang = digest.lang
    return template.render(
        d=digest,
        L=labels(lang),
        empty_message=empty,
        P=lambda n, key: plural(n, key, lang),
        map_src=map_src,
    )


def render(digest: Digest, fmt: str = "html") -> str:
    """The digest as text in `fmt`: md, html, or email (the whole MIME message, as an .eml file)."""
    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "email":
        return email_message(render_email(digest)).as_string()
    map_src = ""
    if fmt == "html" and digest.region_counts:
        map_src = "data:image/png;base64," + base64.b64encode(map_png(digest)).decode("ascii")
    return _render(digest, fmt, map_src)


@dataclass
class EmailDigest:
    """The digest as an e-mail: subject, HTML (inline styles, `cid:` image), plain text, images by cid."""

    subject: str
    html: str
    text: str
    images: dict[str, bytes] = field(default_factory=dict)


def render_email(digest: Digest) -> EmailDigest:
    """The e-mail form of the digest; the map (when any region is named) is `images[MAP_CID]`."""
    images = {MAP_CID: map_png(digest)} if digest.region_counts else {}
    html = _render(digest, "email", f"cid:{MAP_CID}" if images else "")
    L = labels(digest.lang)
    subject = f"{L['title']}: {digest.day.isoformat()}" + (
        f" · {digest.region}" if digest.region else ""
    )
    return EmailDigest(subject, html, _render(digest, "md", ""), images)


def email_message(
    mail: EmailDigest, *, sender: str = "newsmon@localhost", to: str = ""
) -> EmailMessage:
    """A MIME message: text/plain and multipart/related (HTML + its inline images)."""
    msg = EmailMessage()
    msg["Subject"] = mail.subject
    msg["From"] = sender
    if to:
        msg["To"] = to
    msg["Message-ID"] = make_msgid(domain="newsmon")
    msg.set_content(mail.text, subtype="plain", charset="utf-8")
    msg.add_alternative(mail.html, subtype="html", charset="utf-8")
    html_part = msg.get_body(("html",))
    assert isinstance(html_part, EmailMessage)  # the part add_alternative just made
    for cid, png in mail.images.items():
        html_part.add_related(png, "image", "png", cid=f"<{cid}>", filename="map.png")
    return msg


def write_atomic(path: Path | str, text: str) -> Path:
    """Write `text` to `path` through a temporary file in the same folder: readers never see half a file."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
