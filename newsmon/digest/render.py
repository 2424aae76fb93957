"""Rendering a digest as Markdown or as one self-contained HTML page (jinja2 templates, autoescaped)."""

from __future__ import annotations

import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2

from newsmon.digest.build import Digest
from newsmon.digest.labels import labels, plural
from newsmon.errors import InputError

FORMATS = ("md", "html")
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
    if kind == "html":
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


def render(digest: Digest, fmt: str = "html") -> str:
    """The digest as text in `fmt` (md or html)."""
    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    template = _env(fmt).get_template(f"digest.{fmt}.j2")
    region_note = f" ({digest.region})" if digest.region else ""
    empty = labels(digest.lang)["empty"].format(day=digest.day.isoformat(), region_note=region_note)
    lang = digest.lang
    return template.render(
        d=digest, L=labels(lang), empty_message=empty, P=lambda n, key: plural(n, key, lang)
    )


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
