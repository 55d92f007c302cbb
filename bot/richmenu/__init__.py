"""Rich menus as code: definitions loaded and validated before they reach LINE."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the rich menu models and the `richmenu` CLI group."""
    import bot.richmenu.models  # noqa: F401
    from bot.richmenu.cli import richmenu_cli

    app.cli.add_command(richmenu_cli)
