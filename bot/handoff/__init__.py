"""Hand customers to people: conversation states, stored messages, timers."""

from __future__ import annotations

from flask import Flask

from bot.config import ConfigError


def init_app(app: Flask) -> None:
    """Route handoff messages, buttons, jobs and timers; check business hours."""
    from bot.handoff import handlers, jobs, timers
    from bot.handoff.cli import handoff_cli
    from bot.handoff.hours import BusinessHoursError, parse_business_hours
    from bot.handoff.texts import TEXTS
    from bot.messages import register_templates

    settings = app.config["SETTINGS"]
    try:
        hours = parse_business_hours(
            settings.BUSINESS_HOURS, settings.timezone, settings.BUSINESS_CLOSED_DAYS
        )
    except BusinessHoursError as exc:
        raise ConfigError(str(exc)) from exc
    app.extensions["business_hours"] = hours
    router = app.extensions["router"]
    router.interceptor("handoff", handlers.keep_for_operator)
    router.postback("handoff", handlers.ask_for_person)
    router.postback("end_support", handlers.end_support)
    router.menu_rule("support", handlers.support_menu_while_handed_off)
    router.job(jobs.deliver_message)
    router.job(jobs.restore_menu)
    router.job(jobs.mark_conversation_read)
    router.sweep(timers.sweep_handoff_timers)
    router.sweep(timers.sweep_stale_messages)
    register_templates(app, TEXTS)
    app.cli.add_command(handoff_cli)
