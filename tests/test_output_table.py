"""`--format table` in an 80-column terminal: the akims and programmes tables show the columns that
fit (names, periods by day, totals), while csv and json keep every column."""

import io
import re

import pytest

from newsmon.cli.query import (
    AKIM_COLUMNS,
    AKIM_TABLE_COLUMNS,
    PROGRAM_COLUMNS,
    PROGRAM_TABLE_COLUMNS,
)
from newsmon.output import write_records


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


AKIMS = [
    {
        "territory_name": "Волчанский сельский округ",
        "territory_kato": "636837000",
        "person": "Ботагоз Сикпаева",
        "role": "аким",
        "since": "2024-11-20T14:40:00+05:00",
        "until": None,
        "current": True,
        "previous": "Гульнара Ахметова",
        "person_id": 12,
        "evidence_url": "https://example.kz/" + "a" * 60,
    },
    {
        "territory_name": "Шемонаиха ауданы",
        "territory_kato": "636800000",
        "person": "Асет Жұмабаев",
        "role": "и.о. акима",
        "since": "2024-11-19T10:00:00+05:00",
        "until": "2024-11-20T12:00:00+05:00",
        "current": False,
        "previous": None,
        "person_id": 8,
        "evidence_url": "https://example.kz/b",
    },
]
PROGRAMS = [
    {
        "program": "Дорожная карта занятости",
        "name_kk": "Жұмыспен қамтудың жол картасы",
        "mentions": 12,
        "articles": 9,
        "totals_text": "1,5 млрд тенге; 2 млн долларов",
        "first_seen": "2024-11-01T09:00:00+05:00",
        "last_seen": "2024-11-20T09:00:00+05:00",
        "territories": "Восточно-Казахстанская область; Глубоковский район; Риддер",
    }
]


@pytest.mark.parametrize(
    ("records", "columns", "table_columns", "must_show"),
    [
        (AKIMS, AKIM_COLUMNS, AKIM_TABLE_COLUMNS, ["Сикпаева", "2024-11-19", "и.о. акима"]),
        (PROGRAMS, PROGRAM_COLUMNS, PROGRAM_TABLE_COLUMNS, ["1,5 млрд", "Риддер"]),
    ],
)
def test_tables_fit_80_columns_and_csv_keeps_every_column(
    monkeypatch: pytest.MonkeyPatch,
    records: list[dict[str, object]],
    columns: list[str],
    table_columns: list[str],
    must_show: list[str],
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = Terminal()
    assert write_records(records, "table", columns, out, table_columns=table_columns) == len(
        records
    )
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())  # a terminal's colours take no columns
    lines = text.splitlines()
    assert lines and max(len(line) for line in lines) <= 80, text
    for word in must_show:
        assert word in text
    assert "T14:40" not in text and "14:40" not in text  # periods shown by day in a table
    csv_out = io.StringIO()
    write_records(records, "csv", columns, csv_out, table_columns=table_columns)
    header = csv_out.getvalue().splitlines()[0].split(",")
    assert header == columns  # csv is not cut to the table's columns
