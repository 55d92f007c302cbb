"""Rich menus as code: definitions loaded and validated before they reach LINE."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `richmenu` CLI group."""
    from bot.richmenu.cli import richmenu_cli

    app.cli.add_command(richmenu_cli)
