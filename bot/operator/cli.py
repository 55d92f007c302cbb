"""`flask operators create|set-password|list`: console accounts."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bot.extensions import db
from bot.operator.accounts import (
    AccountError,
    create_operator,
    find_operator,
    list_operators,
    set_password,
)
from bot.operator.models import ROLES


@click.group("operators")
def operators_cli() -> None:
    """Manage operator console accounts."""


@operators_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="operator", show_default=True)
@click.option("--name", "display_name", default=None, help="Name shown in the console.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when omitted (never echoed).",
)
@with_appcontext
def create_command(
    email: str, role: str, display_name: str | None, password: str
) -> None:
    """Create an operator account."""
    try:
        operator = create_operator(email, password, role, display_name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {operator.role} {operator.email}")


@operators_cli.command("set-password")
@click.argument("email")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted for when omitted (never echoed).",
)
@with_appcontext
def set_password_command(email: str, password: str) -> None:
    """Change an operator's password and sign them out everywhere."""
    operator = find_operator(email)
    if operator is None:
        raise click.ClickException(f"no operator with {email}")
    try:
        set_password(operator, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"password changed for {operator.email}; every session ended")


@operators_cli.command("list")
@with_appcontext
def list_command() -> None:
    """List operator accounts."""
    for operator in list_operators():
        state = "active" if operator.active else "disabled"
        click.echo(f"{operator.email:40} {operator.role:8} {state}")
