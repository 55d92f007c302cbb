"""Purchases: store receipts and online orders, one table for both channels."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the follow-up jobs and the `purchases` CLI group."""
    import bot.purchases.jobs  # noqa: F401
    from bot.purchases.cli import purchases_cli

    app.cli.add_command(purchases_cli)
