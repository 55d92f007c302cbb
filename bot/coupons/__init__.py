"""Coupons: personal coupons issued to customers and redeemed in stores and online."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Route the クーポン tile and register its texts."""
    from bot.coupons import handlers
    from bot.coupons.texts import TEXTS
    from bot.messages import register_templates

    app.extensions["router"].postback("coupons", handlers.show_coupons)
    register_templates(app, TEXTS)
