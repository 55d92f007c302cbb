"""`flask members import FILE`: load members from the stores' or shop's system."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.extensions import db
from bot.models_base import utcnow


@click.group("members")
def members_cli() -> None:
    """Manage members."""


@members_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file; load nothing.")
@with_appcontext
def import_command(file: Path, dry_run: bool) -> None:
    """Upsert members from a CSV (member_no,name,email,birthday,home_store,points).

    An optional seventh column, points_expire_on (YYYY-MM-DD), sets when the
    imported points lapse; without it they lapse like earned points.
    """
    from bot.members.importer import ImportRejected, import_members, parse_members_csv

    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file}: not UTF-8 text") from exc
    try:
        settings = current_app.config["SETTINGS"]
        now = utcnow()
        rows = parse_members_csv(text, now.astimezone(settings.timezone).date())
        report = import_members(rows, now, settings.timezone)
    except ImportRejected as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(f"{file}: {problem}", err=True)
        raise click.ClickException(
            f"{len(exc.problems)} problem(s); nothing was imported"
        ) from exc
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for notice in report.notices:
        click.echo(f"{file}: {notice}")
    verb = "would import" if dry_run else "imported"
    click.echo(
        f"{verb} {len(rows)} row(s): {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.opening_balances} opening balance(s)"
    )
