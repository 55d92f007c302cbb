"""LINE Beacon: store visits and the store's message when a customer walks in."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Route beacon events; register the store-visit texts."""
    from bot.beacon import handlers
    from bot.beacon.texts import TEXTS
    from bot.messages import register_templates

    register_templates(app, TEXTS)
    app.extensions["router"].event("beacon", handlers.handle_beacon)
