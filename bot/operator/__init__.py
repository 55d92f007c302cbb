"""The operator console at /operator: sign-in, live queue, chat with customers."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the console blueprint and the `operators` CLI group."""
    from bot.operator import models  # noqa: F401
    from bot.operator.cli import operators_cli
    from bot.operator.views import bp

    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.register_blueprint(bp)
    app.cli.add_command(operators_cli)
