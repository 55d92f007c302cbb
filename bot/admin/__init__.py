"""The marketing console at /admin: audience and sends, results, coupons, FAQ."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the marketing console's blueprint."""
    from bot.admin.views import bp

    app.register_blueprint(bp)
