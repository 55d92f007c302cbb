"""`flask quota`: the month's LINE message quota and what was used."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bot.line.client import LineApiError
from bot.marketing.quota import read_quota


@click.command("quota")
@with_appcontext
def quota_command() -> None:
    """Print this month's LINE message quota and the messages used so far."""
    try:
        quota = read_quota()
    except LineApiError as exc:
        raise click.ClickException(f"LINE did not answer the quota ({exc})") from exc
    limit = "no limit" if quota.limit is None else str(quota.limit)
    click.echo(f"quota: {limit}")
    click.echo(f"used: {quota.used}")
    if quota.left is not None:
        click.echo(f"left: {quota.left}")
