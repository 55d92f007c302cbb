"""Scenarios: messages that follow what each customer does, with A/B tests."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the enrollment and run jobs, the minute sweep and the CLI."""
    from bot.scenarios import jobs
    from bot.scenarios.cli import scenarios_cli

    router = app.extensions["router"]
    router.job(jobs.handle_customer_event)
    router.sweep(jobs.sweep_scenarios)
    app.cli.add_command(scenarios_cli)
