"""Writing records as jsonl, json, csv or a table (every listing command), and exports to files
(csv, jsonl, parquet) that stream: memory stays flat whatever the number of records."""

from __future__ import annotations

import csv
import itertools
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from newsmon.errors import InputError

FORMATS = ("jsonl", "json", "csv", "table")
EXPORT_FORMATS = ("jsonl", "csv", "parquet")
PARQUET_ROW_GROUP = 10_000  # records per parquet row group (and per batch held in memory)
# a CSV cell starting with one of these is a formula to a spreadsheet (OWASP "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# flat columns of exported facts and articles (csv and parquet): name → arrow type name
FACT_EXPORT_COLUMNS: dict[str, str] = {
    "id": "int64",
    "kind": "string",
    "article_url": "string",
    "article_title": "string",
    "article_source": "string",
    "article_published": "string",
    "article_lang": "string",
    "text": "string",
    "sentence": "string",
    "start": "int64",
    "end": "int64",
    "confidence": "float64",
    "extractor": "string",
    "person": "string",
    "role": "string",
    "program": "string",
    "value": "float64",
    "unit": "string",
    "raw": "string",
    "territory_name": "string",
    "territory_level": "string",
    "territory_kato": "string",
    "territory_path": "list",
    "mentions": "json",
    "extra": "json",
}
ARTICLE_EXPORT_COLUMNS: dict[str, str] = {
    "id": "int64",
    "url": "string",
    "title": "string",
    "text": "string",
    "summary": "string",
    "source": "string",
    "published": "string",
    "fetched": "string",
    "lang": "string",
}
_FACT_BASE_KEYS = {
    "id",
    "kind",
    "article",
    "text",
    "sentence",
    "start",
    "end",
    "confidence",
    "extractor",
    "person",
    "role",
    "program",
    "value",
    "unit",
    "raw",
    "territory",
    "mentions",
}


def _flat(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, val in record.items():
        name = f"{prefix}{key}"
        if isinstance(val, dict):
            out.update(_flat(val, f"{name}_"))
        elif isinstance(val, list):
            if key == "path":
                out[name] = " → ".join(map(str, val))
            elif val and all(isinstance(v, dict) for v in val):
                out[name] = "; ".join(_brief(v) for v in val)
            else:
                out[name] = json.dumps(val, ensure_ascii=False)
        else:
            out[name] = val
    return out


def _brief(item: dict[str, Any]) -> str:
    """A nested record in one cell: «Шемонаихинский район: 1500000000 KZT»."""
    flat = _flat(item)
    name = flat.get("territory_name") or flat.get("name") or ""
    rest = " ".join(str(flat[k]) for k in ("total", "unit") if flat.get(k) is not None)
    return (
        f"{name}: {rest}"
        if name and rest
        else (name or rest or json.dumps(item, ensure_ascii=False))
    )


def _peek(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Fetch the first record before anything is written, so a bad filter fails with no partial output."""
    it = iter(records)
    first = next(it, None)
    return it if first is None else itertools.chain([first], it)


def write_records(
    records: Iterable[dict[str, Any]],
    fmt: str,
    columns: list[str],
    stream: IO[str] | None = None,
    table_columns: list[str] | None = None,
) -> int:
    """Write `records`; `columns` are the flat keys shown by csv and table (`table_columns`, when
    given, by the table: the few that fit an 80-column terminal). Returns the count."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    records = _peek(records)
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
            writer.writerow({k: csv_safe(v) for k, v in _flat(rec).items()})
            n += 1
    else:
        columns = table_columns or columns
        rows = [[_cell(_flat(rec).get(c), c) for c in columns] for rec in records]
        n = len(rows)
        # columns empty in every row say nothing (akims have no value or unit): left out
        keep = [i for i in range(len(columns)) if any(row[i] for row in rows)] or list(
            range(len(columns))
        )
        table = Table(*(_header(columns[i]) for i in keep), show_lines=False)
        for row in rows:
            table.add_row(*(row[i] for i in keep))
        # a terminal gets its own width (rows wrap inside their cells); a file or a pipe a wide one
        tty = getattr(stream, "isatty", lambda: False)()
        Console(file=stream, width=None if tty else 200).print(table)
    return n


def _header(column: str) -> str:
    """A table's column title, short enough for an 80-column terminal («article_source» → «source»)."""
    short = column.removeprefix("article_").removesuffix("_name")
    return {"confidence": "conf", "territory_level": "level"}.get(short, short)


_ISO_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:\d{2}|Z)?$"
)


# columns of periods (akims' since/until, programmes' first/last seen): the day says enough in a table
DAY_COLUMNS = frozenset({"since", "until", "first_seen", "last_seen"})


def _cell(val: Any, column: str = "") -> str:
    if val is None:
        return ""
    text = str(val)
    # a table shows times to the minute, in the zone they are written in (Asia/Almaty for articles)
    text = _ISO_TIME.sub(r"\1" if column in DAY_COLUMNS else r"\1 \2", text)
    return escape(text if len(text) <= 80 else text[:77] + "…")


def fact_row(rec: dict[str, Any]) -> dict[str, Any]:
    """A CONTRACT §2 fact as one flat export row (FACT_EXPORT_COLUMNS)."""
    art = rec.get("article") or {}
    terr = rec.get("territory") or {}
    extra = {k: v for k, v in rec.items() if k not in _FACT_BASE_KEYS}
    row = {
        k: rec.get(k)
        for k in (
            "id",
            "kind",
            "text",
            "sentence",
            "start",
            "end",
            "confidence",
            "extractor",
            "person",
            "role",
            "program",
            "value",
            "unit",
            "raw",
        )
    }
    row.update(
        {f"article_{k}": art.get(k) for k in ("url", "title", "source", "published", "lang")}
    )
    row.update(
        territory_name=terr.get("name"),
        territory_level=terr.get("level"),
        territory_kato=terr.get("kato"),
        territory_path=terr.get("path") if terr else None,
        mentions=rec.get("mentions"),
        extra=extra or None,
    )
    if row["value"] is not None:
        row["value"] = float(row["value"])
    return row


def csv_safe(val: Any) -> Any:
    """A text cell a spreadsheet will not run: one starting with = + - @ tab or CR gets a leading «'»
    (OWASP's advice; the csv writer quotes the rest). Numbers stay numbers; JSON and Parquet stay exact."""
    if isinstance(val, str) and val.startswith(FORMULA_STARTS):
        return "'" + val
    return val


def csv_cell(val: Any, kind: str) -> Any:
    """One value as a CSV cell of a column of type `kind` (FACT_EXPORT_COLUMNS), formula-safe."""
    if val is None:
        return ""
    if kind == "list":
        return csv_safe(" → ".join(map(str, val)))
    if kind == "json":
        return json.dumps(val, ensure_ascii=False)  # starts with [ { " or a digit
    return csv_safe(val)


def export_records(records: Iterable[dict[str, Any]], what: str, fmt: str, out: Path | str) -> int:
    """Stream `records` (facts as CONTRACT §2 dicts, or article dicts) into `out`; returns the count.

    The file appears only when complete (written beside it, then renamed).
    """
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    if what not in ("facts", "articles"):
        raise InputError(f"nothing called {what!r} to export: use facts or articles")
    out = Path(out)
    if out.parent and not out.parent.exists():
        raise InputError(f"folder {out.parent} does not exist")
    columns = FACT_EXPORT_COLUMNS if what == "facts" else ARTICLE_EXPORT_COLUMNS
    source = _peek(records)
    rows: Iterator[dict[str, Any]] = (fact_row(r) if what == "facts" else r for r in source)
    tmp = out.with_name(f".{out.name}.part")
    n = 0
    try:
        if fmt == "parquet":
            n = _write_parquet(rows, columns, tmp)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                if fmt == "jsonl":  # facts exactly as CONTRACT §2 writes them
                    for rec in source:
                        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                        n += 1
                else:
                    writer = csv.writer(fh)
                    writer.writerow(columns)
                    for row in rows:
                        writer.writerow([csv_cell(row.get(c), t) for c, t in columns.items()])
                        n += 1
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return n


def _write_parquet(rows: Iterator[dict[str, Any]], columns: dict[str, str], path: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("parquet needs pyarrow: pip install 'newsmon[parquet]'") from None
    types = {
        "int64": pa.int64(),
        "float64": pa.float64(),
        "string": pa.string(),
        "list": pa.list_(pa.string()),
        "json": pa.string(),
    }
    schema = pa.schema([(name, types[kind]) for name, kind in columns.items()])
    n = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        while True:
            batch = list(itertools.islice(rows, PARQUET_ROW_GROUP))
            if not batch:
                break
            data = {
                name: [_parquet_cell(r.get(name), kind) for r in batch]
                for name, kind in columns.items()
            }
            writer.write_table(pa.table(data, schema=schema), row_group_size=PARQUET_ROW_GROUP)
            n += len(batch)
    return n


def _parquet_cell(val: Any, kind: str) -> Any:
    if val is None:
        return None
    if kind == "json":
        return json.dumps(val, ensure_ascii=False)
    if kind == "list":
        return [str(v) for v in val]
    return val
