"""The daily digest: what happened on one day, built from stored articles and facts, as Markdown or HTML."""

from __future__ import annotations

from newsmon.digest.build import Digest, Signals, build_digest, resolve_region, significance
from newsmon.digest.render import (
    FORMATS,
    EmailDigest,
    email_message,
    map_png,
    render,
    render_email,
    write_atomic,
)

__all__ = [
    "FORMATS",
    "Digest",
    "EmailDigest",
    "Signals",
    "build_digest",
    "email_message",
    "map_png",
    "render",
    "render_email",
    "resolve_region",
    "significance",
    "write_atomic",
]
