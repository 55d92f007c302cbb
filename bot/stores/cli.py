"""`flask --app wsgi stores ...`: load the registry, issue register API keys."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from bot.extensions import db
from bot.models_base import utcnow
from bot.stores.service import (
    StoreFileError,
    UnknownStore,
    issue_api_key,
    read_store_file,
    upsert_stores,
)


@click.group("stores")
def stores_cli() -> None:
    """The store registry."""


@stores_cli.command("load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def load_command(file: Path) -> None:
    """Upsert stores from a CSV file; load nothing if any line is wrong."""
    try:
        rows = read_store_file(file)
    except StoreFileError as exc:
        for problem in exc.problems:
            click.echo(f"{file}: {problem}", err=True)
        message = f"{len(exc.problems)} error(s); nothing loaded"
        raise click.ClickException(message) from None
    report = upsert_stores(rows)
    db.session.commit()
    click.echo(
        f"loaded {len(rows)} stores ({report.created} new, {report.updated} updated)"
    )


@stores_cli.command("issue-key")
@click.argument("store_code")
@click.option("--revoke-old", is_flag=True, help="Revoke the store's earlier keys.")
@with_appcontext
def issue_key_command(store_code: str, revoke_old: bool) -> None:
    """Print a new register API key for the store (only its hash is stored)."""
    try:
        key = issue_api_key(store_code, utcnow(), revoke_old=revoke_old)
    except UnknownStore:
        raise click.ClickException(f"no store with code {store_code}") from None
    db.session.commit()
    click.echo(key)
