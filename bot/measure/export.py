"""`flask export DIR`: every table a retailer owns, one CSV file each."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.extensions import db

# File name -> table name. Secrets (password hashes, tokens) stay out.
FILES = {
    "members": "members",
    "line_users": "line_users",
    "points": "point_entries",
    "purchases": "purchases",
    "coupons": "personal_coupons",
    "sends": "segment_sends",
    "scenario_enrollments": "scenario_enrollments",
    "clicks": "clicks",
    "conversions": "conversions",
}
LEFT_OUT = {"password_hash"}
CHUNK = 5000


def _cell(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def export_tables(directory: Path) -> dict[str, int]:
    """Write one CSV per table (header first, UTF-8); return rows per file."""
    directory.mkdir(parents=True, exist_ok=True)
    metadata = db.metadata
    written = {}
    for name, table_name in FILES.items():
        table = metadata.tables[table_name]
        columns = [c for c in table.columns if c.name not in LEFT_OUT]
        count = 0
        with (directory / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow([c.name for c in columns])
            primary = list(table.primary_key.columns)
            result = db.session.execute(
                select(*columns).order_by(*primary).execution_options(yield_per=CHUNK)
            )
            for row in result:
                writer.writerow([_cell(v) for v in row])
                count += 1
        written[name] = count
    db.session.rollback()
    return written
