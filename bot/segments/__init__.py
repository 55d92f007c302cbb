"""Segments: customer groups defined as data, and messages sent to them."""

from __future__ import annotations

from flask import Flask

from bot.ops.cli import add_cli_group


def init_app(app: Flask) -> None:
    """Register the send job, its sweep and the `segment` CLI group."""
    from bot.segments import jobs
    from bot.segments.cli import segment_cli

    router = app.extensions["router"]
    router.job(jobs.run_segment_send)
    router.sweep(jobs.queue_due_sends)
    add_cli_group(app, segment_cli, "segment")  # the old name keeps scripts working
