"""The daily digest: what happened on one day, built from stored articles and facts, as Markdown or HTML."""

from __future__ import annotations

from newsmon.digest.build import Digest, build_digest, resolve_region
from newsmon.digest.render import FORMATS, render, write_atomic

__all__ = ["FORMATS", "Digest", "build_digest", "render", "resolve_region", "write_atomic"]
