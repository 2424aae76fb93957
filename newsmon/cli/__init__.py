"""The `newsmon` command line: a thin layer over the library (each command parses and calls)."""

from __future__ import annotations

# each module adds its commands to `app` or to a group of newsmon/cli/apps.py
from newsmon.cli import alerts, digest, extract, gazetteer, ingest, ner, query, web  # noqa: F401
from newsmon.cli.apps import app, evaluate_app, gazetteer_app, ner_app, train_app

__all__ = ["app", "evaluate_app", "gazetteer_app", "main", "ner_app", "train_app"]


def main() -> None:
    app()
