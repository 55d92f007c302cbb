"""Stores: the registry of physical stores, their hours and beacons."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `stores` CLI group, the poster landing page and store search."""
    from bot.messages import register_templates
    from bot.stores import handlers
    from bot.stores.cli import stores_cli
    from bot.stores.join import bp as join_bp
    from bot.stores.poster_cli import poster_command
    from bot.stores.texts import TEXTS

    router = app.extensions["router"]
    router.message("location", handlers.handle_location)
    router.postback("stores", handlers.ask_for_location)
    register_templates(app, TEXTS)
    if "poster" not in stores_cli.commands:
        stores_cli.add_command(poster_command)
    app.cli.add_command(stores_cli)
    app.register_blueprint(join_bp)
