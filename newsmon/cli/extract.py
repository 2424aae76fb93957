"""Commands of the NLP stage: extract, facts, evaluate facts."""

from __future__ import annotations
