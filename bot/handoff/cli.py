"""`flask handoff sweep`: run the handoff timers now (the worker runs them too)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bot.handoff.timers import run_due_timers
from bot.models_base import utcnow


@click.group("handoff")
def handoff_cli() -> None:
    """Conversations handed to people."""


@handoff_cli.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Apologise for long waits and return idle conversations to the bot."""
    apologised, returned = run_due_timers(utcnow())
    click.echo(
        f"apologised to {len(apologised)} waiting, "
        f"returned {len(returned)} idle conversation(s) to the bot"
    )
