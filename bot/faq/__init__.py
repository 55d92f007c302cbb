"""Answer customers' questions from the retailer's FAQ."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the text handler, FAQ buttons and the `faq` CLI group."""
    from bot.faq import handlers, models, texts  # noqa: F401
    from bot.faq.cli import faq_cli
    from bot.faq.service import init_cache

    init_cache(app)
    app.cli.add_command(faq_cli)
