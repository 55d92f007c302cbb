"""Stores: the registry of physical stores, their hours and beacons."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `stores` CLI group, the poster landing page and store search."""
    import bot.stores.nearby  # noqa: F401  (location handler, "stores" postback)
    from bot.stores.cli import stores_cli
    from bot.stores.join import bp as join_bp
    from bot.stores.poster_cli import poster_command

    if "poster" not in stores_cli.commands:
        stores_cli.add_command(poster_command)
    app.cli.add_command(stores_cli)
    app.register_blueprint(join_bp)
