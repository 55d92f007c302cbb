"""`flask --app wsgi points ...`: the expiry sweep by hand or from cron."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bot.extensions import db
from bot.models_base import utcnow
from bot.points.service import expire_points, members_with_lapsed_lots


@click.group("points")
def points_cli() -> None:
    """Point ledger maintenance."""


@points_cli.command("expire")
@with_appcontext
def expire_command() -> None:
    """Write expiry rows for every lot whose time has passed."""
    now = utcnow()
    total = 0
    for member_id in members_with_lapsed_lots(now):
        total += expire_points(member_id, now)
        db.session.commit()
    click.echo(f"expired {total} points")
