"""The operator console at /operator: sign-in, live queue, chat with customers."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the console blueprint, its canned answers and the `operators` CLI."""
    from bot.messages import register_templates
    from bot.operator.canned import CANNED_ANSWERS
    from bot.operator.cli import operators_cli
    from bot.operator.views import bp

    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    register_templates(app, CANNED_ANSWERS)
    app.register_blueprint(bp)
    app.cli.add_command(operators_cli)
