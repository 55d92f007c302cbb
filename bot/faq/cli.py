"""`flask faq load | gaps | suggestions`: the FAQ's content and what it misses."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.clitools import output_file
from bot.extensions import db
from bot.faq import gaps, service
from bot.faq.content import FaqContentError
from bot.models_base import utcnow


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


@faq_cli.command("gaps")
@click.option(
    "--days",
    type=click.IntRange(1, 36_500),
    help="Look back this many days (default: FAQ_GAPS_KEEP_DAYS).",
)
@with_appcontext
def gaps_command(days: int | None) -> None:
    """List questions the bot could not answer, similar ones together."""
    days = days or current_app.config["SETTINGS"].FAQ_GAPS_KEEP_DAYS
    groups = gaps.gap_groups(utcnow() - timedelta(days=days))
    if not groups:
        click.echo(f"no unanswered questions in the last {days} days")
        return
    click.echo(f"unanswered questions in the last {days} days, most asked first:")
    for group in groups:
        kinds = ", ".join(f"{kind} {n}" for kind, n in group.kinds.most_common())
        click.echo(
            f"{group.count:>5}x  {len(group.users)} customer(s)  ({kinds})  "
            f"{group.texts[0]}"
        )
        for text in dict.fromkeys(group.texts[1:]):
            if text != group.texts[0]:
                click.echo(f"         also: {text}")


@faq_cli.command("suggestions")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the YAML patch here (default: print it).",
)
@with_appcontext
def suggestions_command(output: Path | None) -> None:
    """List operators' proposals and write them as a YAML patch to review."""
    found = gaps.suggestions()
    if not found:
        click.echo("no suggestions from operators")
        return
    for suggestion in found:
        target = suggestion.faq_id or "(new entry)"
        click.echo(f"{suggestion.created_at:%Y-%m-%d}  {target:<28} {suggestion.text}")
    patch = gaps.suggestions_patch(found)
    if output is None:
        click.echo("")
        click.echo(patch, nl=False)
        return
    with output_file(output) as handle:
        handle.write(patch)
    click.echo(f"wrote {len(found)} suggestion(s) to {output}; review, then faq load")
