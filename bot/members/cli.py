"""`flask members ...`: load members from the shop's system, re-send e-mail proofs."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

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


@members_cli.command("send-email-proof")
@click.argument("member_nos", nargs=-1)
@click.option(
    "--unproven", is_flag=True, help="Every member whose address is not proven yet."
)
@click.option("--dry-run", is_flag=True, help="List who would get a link; send none.")
@with_appcontext
def send_email_proof_command(
    member_nos: tuple[str, ...], unproven: bool, dry_run: bool
) -> None:
    """Mail a new proof link to members whose e-mail address is not proven.

    For members who registered before proofs existed, or whose link lapsed
    (EMAIL_PROOF_TTL_HOURS). Members without an address, or already proven,
    are skipped and named.
    """
    from bot.jobs import enqueue
    from bot.members.email_proof import send_email_proof
    from bot.members.models import Member

    if bool(member_nos) == unproven:
        raise click.UsageError("give member numbers or --unproven (not both)")
    query = select(Member).order_by(Member.member_no)
    if unproven:
        query = query.where(
            Member.email.is_not(None), Member.email_verified_at.is_(None)
        )
    else:
        query = query.where(Member.member_no.in_(member_nos))
    members = list(db.session.scalars(query))
    missing = sorted(set(member_nos) - {m.member_no for m in members})
    if missing:
        raise click.ClickException(f"no member {', '.join(missing)}; nothing was sent")
    chosen = []
    for member in members:
        if not member.email:
            click.echo(f"{member.member_no}: no e-mail address, skipped")
        elif member.email_verified_at is not None:
            click.echo(f"{member.member_no}: address already proven, skipped")
        else:
            chosen.append(member.id)
    db.session.rollback()
    if not dry_run:
        for member_id in chosen:
            enqueue(send_email_proof, member_id)
    verb = "would send" if dry_run else "queued"
    click.echo(f"{verb} {len(chosen)} proof link(s)")
