"""Points: an append-only ledger shared by stores and the online shop."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Route the ポイント・履歴 tile; register its texts and the `points` CLI."""
    from bot.messages import register_templates
    from bot.points import handlers
    from bot.points.cli import points_cli
    from bot.points.texts import TEXTS

    app.extensions["router"].postback("points", handlers.show_points)
    register_templates(app, TEXTS)
    app.cli.add_command(points_cli)
