"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from bot import create_app
from bot.extensions import _render_item, db


def schema_drift(app: Flask) -> list[Any]:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_item": _render_item}
        )
        return compare_metadata(context, db.metadata)


def test_postgresql_schema_matches_models(app: Flask) -> None:
    assert schema_drift(app) == []


def test_sqlite_migrates_up_and_down(tmp_path: Path) -> None:
    app = create_app(
        {"BOT_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}"}
    )
    with app.app_context():
        upgrade(revision="heads")
    assert schema_drift(app) == []
    with app.app_context():
        downgrade(revision="base")
        tables = db.inspect(db.engine).get_table_names()
        db.engine.dispose()
    assert tables == ["alembic_version"]
