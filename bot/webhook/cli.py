"""`flask events failed|retry`: see and replay events whose handling failed."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from bot.clitools import ROW_ID
from bot.extensions import db
from bot.webhook import jobs, service


@click.group("events")
def events_cli() -> None:
    """Inspect and replay stored webhook events."""


@events_cli.command("failed")
@click.option("--limit", default=100, show_default=True)
@with_appcontext
def failed_command(limit: int) -> None:
    """List events that failed after their last retry."""
    rows = service.failed_events(limit)
    if not rows:
        click.echo("no failed events")
        return
    click.echo(
        f"{'id':>8}  {'received (UTC)':19}  {'type':12}  {'LINE user':33}  "
        f"{'webhookEventId':26}  tries  error"
    )
    for event in rows:
        click.echo(
            f"{event.id:>8}  {event.received_at:%Y-%m-%d %H:%M:%S}  "
            f"{event.event_type:12}  {event.line_user_id or '-':33}  "
            f"{event.webhook_event_id:26}  {event.attempts:>5}  "
            f"{event.last_error or ''}"
        )


@events_cli.command("retry")
@click.argument("ids", nargs=-1, type=ROW_ID)
@click.option("--all", "retry_all", is_flag=True, help="Replay every failed event.")
@with_appcontext
def retry_command(ids: tuple[int, ...], retry_all: bool) -> None:
    """Queue failed events again (given ids, or --all)."""
    if not ids and not retry_all:
        raise click.UsageError("name event ids or pass --all")
    requeued = jobs.retry_failed_events(None if retry_all else list(ids))
    click.echo(f"requeued {len(requeued)} event(s)")


@events_cli.command("requeue-stale")
@click.option("--older-than", default=120, show_default=True, help="Seconds.")
@with_appcontext
def requeue_stale_command(older_than: int) -> None:
    """Queue events still pending after the given age (the worker does this too)."""
    stale = service.stale_events(older_than)
    db.session.rollback()
    jobs.queue_events(stale)
    ids = [event.pk for event in stale]
    click.echo(f"requeued {len(ids)} pending event(s)")
