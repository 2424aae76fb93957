"""Writing records as jsonl, json, csv or a table (the formats every listing command offers)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from newsmon.errors import InputError

FORMATS = ("jsonl", "json", "csv", "table")


def _flat(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, val in record.items():
        name = f"{prefix}{key}"
        if isinstance(val, dict):
            out.update(_flat(val, f"{name}_"))
        elif isinstance(val, list):
            out[name] = " → ".join(map(str, val)) if key == "path" else json.dumps(val, ensure_ascii=False)
        else:
            out[name] = val
    return out


def write_records(records: Iterable[dict[str, Any]], fmt: str, columns: list[str], stream: IO[str] | None = None) -> int:
    """Write `records`; `columns` are the flat keys shown by csv and table. Returns the count."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    stream = stream or sys.stdout
    n = 0
    if fmt == "jsonl":
        for rec in records:
            stream.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    elif fmt == "json":
        stream.write("[")
        for rec in records:
            stream.write(("," if n else "") + "\n" + json.dumps(rec, ensure_ascii=False))
            n += 1
        stream.write("\n]\n")
    elif fmt == "csv":
        writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for rec in records:
            writer.writerow(_flat(rec))
            n += 1
    else:
        table = Table(*columns, show_lines=False)
        for rec in records:
            flat = _flat(rec)
            table.add_row(*(_cell(flat.get(c)) for c in columns))
            n += 1
        Console(file=stream, width=200).print(table)
    return n


def _cell(val: Any) -> str:
    if val is None:
        return ""
    text = str(val)
    return text if len(text) <= 80 else text[:77] + "…"
