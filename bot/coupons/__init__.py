"""Coupons: personal coupons issued to customers and redeemed in stores and online."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Route the クーポン tile; register the coupon API, texts and the CLI."""
    from bot.coupons import handlers
    from bot.coupons.cli import coupons_cli
    from bot.coupons.texts import TEXTS
    from bot.coupons.views import bp
    from bot.messages import register_templates

    app.extensions["router"].postback("coupons", handlers.show_coupons)
    register_templates(app, TEXTS)
    app.register_blueprint(bp)
    app.cli.add_command(coupons_cli)
