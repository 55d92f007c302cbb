"""Marketing rules shared by scenarios and segment sends: quiet hours, cap, quota."""

from __future__ import annotations

from flask import Flask

from bot.config import ConfigError


def init_app(app: Flask) -> None:
    """Check QUIET_HOURS at start-up and register the `quota` command."""
    from bot.marketing.cli import quota_command
    from bot.marketing.rules import QuietHoursError, parse_quiet_hours

    settings = app.config["SETTINGS"]
    try:
        app.extensions["quiet_hours"] = parse_quiet_hours(
            settings.QUIET_HOURS, settings.timezone
        )
    except QuietHoursError as exc:
        raise ConfigError(str(exc)) from exc
    if settings.MAX_MARKETING_MESSAGES_PER_DAY < 0:
        raise ConfigError("MAX_MARKETING_MESSAGES_PER_DAY must be 0 or more")
    app.cli.add_command(quota_command)
