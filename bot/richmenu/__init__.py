"""Rich menus as code: definitions loaded and validated before they reach LINE."""

from __future__ import annotations

from flask import Flask

from bot.ops.cli import add_cli_group


def init_app(app: Flask) -> None:
    """Register the `richmenu` CLI group."""
    from bot.richmenu.cli import richmenu_cli

    add_cli_group(app, richmenu_cli, "richmenu")  # the old name keeps scripts working
