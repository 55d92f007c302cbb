"""The online shop: order and fulfillment webhooks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the shop webhooks."""
    from bot.ec.views import bp

    app.register_blueprint(bp)
