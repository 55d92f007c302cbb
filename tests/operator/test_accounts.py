"""`flask operators create`: hashed passwords, roles, prompts, duplicates."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.operator.models import Operator


def operator_row(app: Flask, email: str) -> Operator | None:
    with app.app_context():
        row = db.session.scalar(sa.select(Operator).where(Operator.email == email))
        if row is not None:
            db.session.expunge(row)
        return row


def test_create_with_password_stores_only_a_hash(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "operators",
            "create",
            "Admin@Example.com",
            "--role",
            "admin",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "created admin admin@example.com"
    row = operator_row(app, "admin@example.com")
    assert row is not None and row.role == "admin"
    assert "a-long-password" not in row.password_hash
    assert row.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_password_is_prompted_when_not_given(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["operators", "create", "sato@example.com"],
        input="a-long-password\na-long-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "a-long-password" not in result.output
    assert operator_row(app, "sato@example.com").role == "operator"


def test_duplicates_short_passwords_and_unknown_roles_are_refused(
    app: Flask,
) -> None:
    runner = app.test_cli_runner()
    create = ["operators", "create", "sato@example.com", "--password"]
    assert runner.invoke(args=[*create, "a-long-password"]).exit_code == 0
    again = runner.invoke(args=[*create, "another-password"])
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(
        args=["operators", "create", "x@example.com", "--password", "short"]
    )
    assert short.exit_code != 0 and "at least 10" in short.output
    role = runner.invoke(
        args=[
            "operators",
            "create",
            "y@example.com",
            "--role",
            "boss",
            "--password",
            "a-long-password",
        ]
    )
    assert role.exit_code != 0 and operator_row(app, "y@example.com") is None
