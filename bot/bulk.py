"""Set-based writes: thousands of rows in one statement.

On PostgreSQL the rows travel as one array per column and are expanded with
`unnest`, so the statement text stays the same size whatever the row count
(an INSERT .. VALUES with 5,000 rows spends most of its time being parsed).
Other databases get a plain executemany.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Integer, Table, any_, bindparam, insert, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import quoted_name

from bot.extensions import db


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _arrays(
    table: Table, rows: list[dict[str, Any]], columns: list[str]
) -> tuple[list[str], dict[str, list[Any]]]:
    dialect = db.session.get_bind().dialect
    casts, params = [], {}
    for i, name in enumerate(columns):
        column = table.c[name]
        values = [row[name] for row in rows]
        if isinstance(column.type, JSON):
            values = [None if v is None else json.dumps(v) for v in values]
            type_name = "JSON"
        else:
            type_name = column.type.compile(dialect=dialect)
        casts.append(f"CAST(:a{i} AS {type_name}[])")
        params[f"a{i}"] = values
    return casts, params


def insert_rows(
    table: Table, rows: list[dict[str, Any]], returning: tuple[str, ...] = ()
) -> list[tuple[Any, ...]]:
    """Insert rows (all with the same keys); return the `returning` columns."""
    if not rows:
        return []
    if not _is_postgresql():
        statement = insert(table)
        if returning:
            statement = statement.returning(*(table.c[c] for c in returning))
            return [tuple(r) for r in db.session.execute(statement, rows)]
        db.session.execute(statement, rows)
        return []
    columns = list(rows[0])
    casts, params = _arrays(table, rows, columns)
    names = ", ".join(quoted_name(c, True) for c in columns)
    sql = f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({', '.join(casts)})"
    if returning:
        sql += " RETURNING " + ", ".join(returning)
        return [tuple(r) for r in db.session.execute(text(sql), params)]
    db.session.execute(text(sql), params)
    return []


def insert_for_ids(
    table: Table,
    id_column: str,
    ids: list[int],
    constants: dict[str, Any],
    upsert: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
) -> int:
    """Insert one row per id with the same other values; return how many are new.

    On PostgreSQL the ids travel as one array and the constants as single
    parameters (an array of 500 copies of one timestamp costs more to send
    than the insert). `upsert` = (unique columns, columns to update) turns a
    row that exists into an update of those columns; it is not counted as new.
    """
    if not ids:
        return 0
    if not _is_postgresql():
        rows = [{id_column: i, **constants} for i in ids]
        if upsert is None:
            db.session.execute(insert(table), rows)
            return len(rows)
        raise NotImplementedError("upsert is for PostgreSQL; callers check first")
    names = [id_column, *constants]
    values = ["u.id"] + [
        f"CAST(:c{i} AS {_type(table, n)})" for i, n in enumerate(constants)
    ]
    params: dict[str, Any] = {"ids": list(ids)}
    params.update({f"c{i}": v for i, v in enumerate(constants.values())})
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(values)}"
        " FROM unnest(CAST(:ids AS INTEGER[])) AS u(id)"
    )
    if upsert is None:
        return db.session.execute(text(sql), params).rowcount
    unique, updated = upsert
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in updated)
    sql += f" ON CONFLICT ({', '.join(unique)}) DO UPDATE SET {sets}"
    # xmax is 0 on a row this statement inserted, set on one it updated.
    sql += " RETURNING (xmax = 0)"
    return sum(1 for (fresh,) in db.session.execute(text(sql), params) if fresh)


def _type(table: Table, name: str) -> str:
    dialect = db.session.get_bind().dialect
    column_type = table.c[name].type
    return "JSON" if isinstance(column_type, JSON) else column_type.compile(dialect)


def update_rows(table: Table, rows: list[dict[str, Any]], key: str = "id") -> None:
    """Update rows by primary key; every row gives the same columns."""
    if not rows:
        return
    if not _is_postgresql():
        names = [c for c in rows[0] if c != key]
        statement = (
            update(table)
            .where(table.c[key] == bindparam("row_key"))
            .values({c: bindparam(f"new_{c}") for c in names})
        )
        db.session.execute(
            statement,
            [{"row_key": r[key], **{f"new_{c}": r[c] for c in names}} for r in rows],
        )
        return
    columns = list(rows[0])
    casts, params = _arrays(table, rows, columns)
    sets = ", ".join(f"{c} = v.{c}" for c in columns if c != key)
    sql = (
        f"UPDATE {table.name} AS t SET {sets} FROM unnest({', '.join(casts)})"
        f" AS v({', '.join(columns)}) WHERE t.{key} = v.{key}"
    )
    db.session.execute(text(sql), params)


def in_ids(column: Any, ids: list[int]) -> Any:
    """Return `column IN ids`; on PostgreSQL as `= ANY(array)` (one parameter)."""
    if _is_postgresql():
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)
