"""Answer customers' questions from the retailer's FAQ."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Route text messages and FAQ buttons; register the `faq` CLI group."""
    from bot.faq import handlers, jobs
    from bot.faq.cli import faq_cli
    from bot.faq.service import init_cache
    from bot.faq.texts import TEXTS
    from bot.messages import register_templates

    router = app.extensions["router"]
    router.message("text", handlers.answer_text)
    router.postback("faq", handlers.show_faq_menu)
    router.postback("faq_pick", handlers.answer_pick)
    router.sweep(jobs.purge_expired_gaps)
    register_templates(app, TEXTS)
    init_cache(app)
    app.cli.add_command(faq_cli)
