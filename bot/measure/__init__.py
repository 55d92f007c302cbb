"""Measurement: tracked links, opens, conversions, blocks, reports and export."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the redirect, the click and statistics jobs, and the CLI."""
    from bot.measure import jobs
    from bot.measure.cli import export_command, report_cli, stats_cli
    from bot.measure.views import bp

    router = app.extensions["router"]
    router.sweep(jobs.count_new_clicks)
    router.sweep(jobs.sync_statistics_daily)
    router.job(jobs.sync_statistics)
    app.register_blueprint(bp)
    app.cli.add_command(report_cli)
    app.cli.add_command(stats_cli)
    app.cli.add_command(export_command)
