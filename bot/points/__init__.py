"""Points: an append-only ledger shared by stores and the online shop."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `points` CLI group."""
    from bot.points.cli import points_cli

    app.cli.add_command(points_cli)
