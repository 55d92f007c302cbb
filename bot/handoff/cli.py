"""`flask handoff sweep|requeue-stale`: what the worker runs each minute, now."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bot.handoff.timers import (
    STALE_AFTER_SECONDS,
    requeue_stale_messages,
    run_due_timers,
)
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


@handoff_cli.command("requeue-stale")
@click.option(
    "--older-than", default=STALE_AFTER_SECONDS, show_default=True, help="Seconds."
)
@with_appcontext
def requeue_stale_command(older_than: int) -> None:
    """Queue messages to customers still pending after the given age."""
    ids = requeue_stale_messages(older_than)
    click.echo(f"requeued {len(ids)} pending message(s)")
