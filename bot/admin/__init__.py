"""The marketing console at /admin: audience and sends, results, coupons, FAQ."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the marketing console's blueprint and its models."""
    from bot.admin import models  # noqa: F401  (tables for metadata)
    from bot.admin.views import bp

    app.register_blueprint(bp)
