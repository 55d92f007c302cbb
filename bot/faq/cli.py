"""`flask faq load FILE`: load the FAQ file into the database, all or nothing."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.extensions import db
from bot.faq import service
from bot.faq.content import FaqContentError


@click.group("faq")
def faq_cli() -> None:
    """Manage the FAQ the bot answers from."""


@faq_cli.command("load")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and show changes only.")
@with_appcontext
def load_command(path: Path | None, dry_run: bool) -> None:
    """Upsert the FAQ in FILE (default FAQ_FILE); entries missing are retired."""
    path = path or Path(current_app.config["SETTINGS"].FAQ_FILE)
    try:
        entries = service.read_faq_file(path)
    except FaqContentError as exc:
        raise click.ClickException(str(exc)) from exc
    report = service.load_entries(entries)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
        service.publish_new_version()
    prefix = "would load" if dry_run else "loaded"
    click.echo(
        f"{prefix} {len(entries)} entries from {path}: "
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.retired)} retired"
    )
    for faq_id in report.retired:
        click.echo(f"  retired: {faq_id}")
