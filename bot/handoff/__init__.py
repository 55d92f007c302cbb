"""Hand customers to people: conversation states, stored messages, timers."""

from __future__ import annotations

from flask import Flask

from bot.config import ConfigError


def init_app(app: Flask) -> None:
    """Register handoff handlers, jobs and the `handoff` CLI group; check hours."""
    from bot.handoff import handlers, jobs, models, texts  # noqa: F401
    from bot.handoff.cli import handoff_cli
    from bot.handoff.hours import BusinessHoursError, parse_business_hours
    from bot.handoff.live import install_commit_hooks

    settings = app.config["SETTINGS"]
    try:
        hours = parse_business_hours(
            settings.BUSINESS_HOURS, settings.timezone, settings.BUSINESS_CLOSED_DAYS
        )
    except BusinessHoursError as exc:
        raise ConfigError(str(exc)) from exc
    app.extensions["business_hours"] = hours
    install_commit_hooks()
    app.cli.add_command(handoff_cli)
