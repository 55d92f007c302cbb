"""Purchases: store receipts and online orders, one table for both channels."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the follow-up jobs, their sweep, texts and the `purchases` CLI."""
    from bot.messages import register_templates
    from bot.purchases import jobs
    from bot.purchases.cli import purchases_cli
    from bot.purchases.texts import TEXTS

    router = app.extensions["router"]
    router.job(jobs.send_purchase_thanks)
    router.job(jobs.send_review_request)
    router.job(jobs.send_due_follow_ups)
    router.sweep(jobs.queue_due_follow_ups)
    register_templates(app, TEXTS)
    app.cli.add_command(purchases_cli)
