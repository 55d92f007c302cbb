"""`flask scenarios ...`: load, run, list, show, pause, resume, stats."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from bot.extensions import db
from bot.marketing.quota import QuotaExceeded
from bot.models_base import utcnow
from bot.scenarios.loader import ScenarioLoadError, load_scenarios, set_paused
from bot.scenarios.models import ScenarioRecord
from bot.scenarios.running import run_due
from bot.scenarios.stats import COLUMNS, scenario_stats
from bot.scenarios.triggers import evaluate_time_triggers

scenarios_cli = AppGroup("scenarios", help="Load, run and measure scenarios.")


@scenarios_cli.command("load")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report; store nothing.")
def load_command(directory: Path | None, dry_run: bool) -> None:
    """Load scenarios/*.yaml, all or nothing; scenarios no longer there stop."""
    directory = directory or Path(current_app.config["SETTINGS"].SCENARIOS_DIR)
    try:
        report = load_scenarios(directory, utcnow())
    except ScenarioLoadError as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException("nothing was loaded") from None
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    prefix = "would load" if dry_run else "loaded"
    click.echo(
        f"{prefix}: {len(report.added)} added, {len(report.updated)} updated,"
        f" {len(report.unchanged)} unchanged, {len(report.removed)} removed"
        f" ({report.left} customers left removed scenarios)"
    )
    for label, ids in (
        ("added", report.added),
        ("updated", report.updated),
        ("removed", report.removed),
    ):
        for sid in ids:
            click.echo(f"  {label}: {sid}")


@scenarios_cli.command("run-due")
@click.option("--now", "now_text", help="Act as of this ISO time (default: now).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
def run_due_command(now_text: str | None, dry_run: bool) -> None:
    """Enroll by time-based triggers and send every step due now (or at --now)."""
    now = _parse_time(now_text) if now_text else utcnow()
    enrolled = evaluate_time_triggers(now)
    if not dry_run:
        db.session.commit()
    try:
        report = run_due(now, dry_run=dry_run)
    except QuotaExceeded as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    if dry_run:
        db.session.rollback()
        for item in report.planned:
            click.echo(
                f"{item.line_user_id} {item.scenario.id} step"
                f" {item.enrollment.next_step + 1} variant {item.variant.id}:"
                f" {item.preview}"
            )
    verb = "would send" if dry_run else "sent"
    count = len(report.planned) if dry_run else report.sent + report.already
    click.echo(
        f"{now.isoformat()}: {enrolled} enrolled; {verb} {count};"
        f" held out {report.held_out}; blocked {report.blocked};"
        f" waiting for quiet hours {report.quiet}; over the cap {report.capped};"
        f" finished {report.finished}"
    )


@scenarios_cli.command("list")
def list_command() -> None:
    """List loaded scenarios with their trigger, status and enrollments."""
    from bot.scenarios.service import count_enrollments

    for record in db.session.scalars(
        select(ScenarioRecord).order_by(ScenarioRecord.id)
    ):
        click.echo(
            f"{record.id}\t{record.trigger}\t{record.status}"
            f"\t{count_enrollments(record.id)} enrolled\t{record.source_file}"
        )


@scenarios_cli.command("show")
@click.argument("scenario_id")
def show_command(scenario_id: str) -> None:
    """Print a loaded scenario as stored."""
    record = _record(scenario_id)
    click.echo(f"# {record.id} ({record.status}, from {record.source_file})")
    click.echo(json.dumps(record.definition, ensure_ascii=False, indent=2))


@scenarios_cli.command("pause")
@click.argument("scenario_id")
def pause_command(scenario_id: str) -> None:
    """Stop enrolling and sending for a scenario until it is resumed."""
    _set_paused(scenario_id, True)
    click.echo(f"paused {scenario_id}")


@scenarios_cli.command("resume")
@click.argument("scenario_id")
def resume_command(scenario_id: str) -> None:
    """Resume a paused scenario; steps that came due meanwhile go out."""
    _set_paused(scenario_id, False)
    click.echo(f"resumed {scenario_id}")


@scenarios_cli.command("stats")
@click.argument("scenario_id")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text"
)
def stats_command(scenario_id: str, fmt: str) -> None:
    """Print enrolled, holdout, per step and variant outcomes, and exits."""
    _record(scenario_id)
    stats = scenario_stats(scenario_id)
    if fmt == "json":
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(stats["steps"])
        click.echo(out.getvalue(), nl=False)
        return
    click.echo(
        f"{scenario_id}: enrolled {stats['enrolled']}, in holdout"
        f" {stats['in_holdout']}, active {stats['active']}"
    )
    click.echo("\t".join(COLUMNS))
    for row in stats["steps"]:
        click.echo("\t".join(str(row[c]) for c in COLUMNS))
    for reason, count in stats["exits"].items():
        click.echo(f"exited ({reason}): {count}")


def _record(scenario_id: str) -> ScenarioRecord:
    record = db.session.get(ScenarioRecord, scenario_id)
    if record is None:
        raise click.ClickException(f"no loaded scenario {scenario_id!r}")
    return record


def _set_paused(scenario_id: str, paused: bool) -> None:
    try:
        set_paused(scenario_id, paused)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()


def _parse_time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.UsageError(f"--now {value!r} is not an ISO time") from exc
    if not 2000 <= moment.year <= 2999:
        # Steps are planned years ahead from it: past 9999 is not a date.
        raise click.UsageError(f"--now {value!r} must be in the years 2000 to 2999")
    if moment.tzinfo is None:
        # A time without an offset is the shop's local time.
        moment = moment.replace(tzinfo=current_app.config["SETTINGS"].timezone)
    return moment.astimezone(UTC)
