"""`flask --app wsgi purchases ...`: follow-up messages from cron."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bot.jobs import enqueue
from bot.purchases.jobs import send_due_follow_ups


@click.group("purchases")
def purchases_cli() -> None:
    """Purchases in stores and online."""


@purchases_cli.command("send-due")
@with_appcontext
def send_due_command() -> None:
    """Queue due thank-yous and review requests (run every few minutes)."""
    enqueue(send_due_follow_ups)
    click.echo("queued the follow-up sweep")
