"""`flask report ...`, `flask stats sync` and `flask export DIR`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext

from bot.clitools import ROW_ID, cannot_write
from bot.extensions import db
from bot.measure.formats import FORMATS

report_cli = AppGroup("report", help="Report sends, scenarios, coupons and friends.")
stats_cli = AppGroup("stats", help="LINE's per-unit message statistics.")

_format = click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default="text",
    show_default=True,
)


def _show(build: Callable[[], dict[str, Any]], fmt: str) -> None:
    try:
        report = build()
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.session.rollback()
    click.echo(FORMATS[fmt](report))


@report_cli.command("send")
@click.argument("send_id", type=ROW_ID)
@_format
def report_send(send_id: int, fmt: str) -> None:
    """Report one segment send (the id `segment send` printed)."""
    from bot.measure.report import send_report

    _show(lambda: send_report(send_id), fmt)


@report_cli.command("scenario")
@click.argument("scenario_id")
@_format
def report_scenario(scenario_id: str, fmt: str) -> None:
    """Report one scenario: variants, and the holdout comparison."""
    from bot.measure.report import scenario_report

    _show(lambda: scenario_report(scenario_id), fmt)


@report_cli.command("coupon")
@click.argument("coupon_id")
@_format
def report_coupon(coupon_id: str, fmt: str) -> None:
    """Report the sends that issued one coupon."""
    from bot.measure.report import coupon_report

    _show(lambda: coupon_report(coupon_id), fmt)


@report_cli.command("friends")
@click.option("--days", type=click.IntRange(1, 366), default=30, show_default=True)
@_format
def report_friends(days: int, fmt: str) -> None:
    """Report follows, unfollows and links per day by source, and the linked share."""
    from bot.measure.friends import friends_report, friends_text

    report = friends_report(days)
    db.session.rollback()
    if fmt == "text":
        click.echo(friends_text(report))
    else:
        click.echo(FORMATS[fmt](report) if fmt == "json" else _friends_csv(report))


def _friends_csv(report: dict[str, Any]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("day", "source", "follows", "unfollows", "links"))
    for row in report["days"]:
        writer.writerow(
            (row["day"], row["source"], row["follows"], row["unfollows"], row["links"])
        )
    return out.getvalue()


@stats_cli.command("sync")
def stats_sync() -> None:
    """Pull LINE's statistics of every unit used in the last 30 days."""
    from bot.measure.insight import sync_units

    synced = sync_units()
    click.echo(f"synced {synced} aggregation units")


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_command(directory: Path) -> None:
    """Write every table a retailer owns as CSV files (with a header) in DIRECTORY."""
    from bot.measure.export import export_tables

    try:
        written = export_tables(directory)
    except OSError as exc:
        raise cannot_write(directory, exc) from exc
    for name, rows in written.items():
        click.echo(f"{name}: {rows} rows")
