"""Segments: customer groups defined as data, and messages sent to them."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the models, the job and the `segment` CLI group."""
    import bot.segments.jobs  # noqa: F401
    import bot.segments.models  # noqa: F401
    from bot.segments.cli import segment_cli

    app.cli.add_command(segment_cli)
