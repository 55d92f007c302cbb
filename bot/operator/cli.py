"""`flask operators create EMAIL --role operator|admin`: console accounts."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bot.extensions import db
from bot.operator.accounts import AccountError, create_operator, list_operators
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


@operators_cli.command("list")
@with_appcontext
def list_command() -> None:
    """List operator accounts."""
    for operator in list_operators():
        state = "active" if operator.active else "disabled"
        click.echo(f"{operator.email:40} {operator.role:8} {state}")
