"""Tables shown on the console's pages, each also downloadable as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Response


@dataclass
class Table:
    """A named table: its column headings and rows of plain values."""

    name: str
    columns: Sequence[str]
    rows: list[Sequence[Any]] = field(default_factory=list)


def csv_response(table: Table) -> Response:
    """Return the table as a UTF-8 CSV download (with a BOM, for Excel)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_cell(value) for value in row])
    response = Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
    return response


def _cell(value: Any) -> Any:
    # A cell starting with = + - @ (or a tab or carriage return before one)
    # is a formula to spreadsheets: quote it.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
