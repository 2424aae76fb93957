"""Commands of the gazetteer: gazetteer import."""

from __future__ import annotations
