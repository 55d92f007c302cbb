"""LINE webhook: receive, verify, store, enqueue; then dispatch in the worker."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register /callback, the event job, its stale-event sweep and `events` CLI."""
    from bot.jobs import EVENTS_QUEUE
    from bot.webhook import jobs, views
    from bot.webhook.cli import events_cli

    router = app.extensions["router"]
    router.job(jobs.handle_webhook_events, queue=EVENTS_QUEUE)
    router.sweep(jobs.requeue_stale_events)
    views.init_app(app)
    app.cli.add_command(events_cli)
