"""`flask coupons ...`: load definitions, issue to an audience, export, stats."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from bot.clitools import output_file
from bot.coupons import definitions as defs
from bot.coupons.content import CouponContentError
from bot.coupons.messages import definition_message
from bot.extensions import after_commit, db
from bot.models_base import utcnow

coupons_cli = AppGroup("coupons", help="Coupon definitions, issuing and figures.")


@coupons_cli.command("load")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and show changes only.")
def load_command(path: Path | None, dry_run: bool) -> None:
    """Load coupon definitions from FILE (default COUPONS_FILE), all or nothing."""
    path = path or Path(current_app.config["SETTINGS"].COUPONS_FILE)
    try:
        entries = defs.read_coupon_file(path)
    except CouponContentError as exc:
        raise click.ClickException(str(exc)) from exc
    report = defs.load_definitions(entries)
    created = []
    if dry_run:
        db.session.rollback()
    else:
        from bot.coupons.line_coupons import create_line_coupons

        db.session.commit()
        created = create_line_coupons(utcnow())
    prefix = "would load" if dry_run else "loaded"
    click.echo(
        f"{prefix} {len(entries)} coupons from {path}: "
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.retired)} no longer issued"
    )
    for coupon_id in report.retired:
        click.echo(f"  no longer issued: {coupon_id}")
    for coupon_id in created:
        click.echo(f"  created on LINE: {coupon_id}")


def _segment_options(fn: Any) -> Any:
    from bot.segments.cli import segment_options

    return segment_options(fn)


@coupons_cli.command("issue")
@click.argument("coupon_id")
@_segment_options
@click.option("--dry-run", is_flag=True, help="Count the audience; send nothing.")
@click.option("--at", "at_text", help="Send at this ISO time instead of now.")
def issue_command(
    coupon_id: str,
    segment_name: str | None,
    dry_run: bool,
    at_text: str | None,
    **conditions: Any,
) -> None:
    """Issue COUPON_ID to each customer in the audience, with a message, once."""
    from bot.segments.cli import (
        definition_from_options,
        deliver_with_progress,
        parse_send_time,
    )
    from bot.segments.jobs import schedule_send
    from bot.segments.sending import create_send, find_unfinished_send
    from bot.segments.service import preview_segment

    definition = defs.get_definition(coupon_id)
    if definition is None or not definition.active:
        raise click.UsageError(f"no coupon {coupon_id!r} is being issued")
    audience = definition_from_options(segment_name, **conditions)
    if definition.line_coupon:
        from bot.coupons.line_coupons import line_coupon_messages

        try:
            messages = line_coupon_messages(definition)
        except ValueError as exc:
            raise click.UsageError(f"{exc}: run `coupons load` first") from exc
        coupon_for_send = None
    else:
        messages = [definition_message(definition)]
        coupon_for_send = coupon_id
    if dry_run:
        preview = preview_segment(audience, 0)
        click.echo(f"segment: {audience.describe()}")
        click.echo(f"would issue {coupon_id} to up to {preview.count} customers")
        return
    if at_text is not None:
        at = parse_send_time(at_text)
        send = create_send(
            audience, messages, segment_name, scheduled_at=at, coupon_id=coupon_for_send
        )
        send_id = send.id
        after_commit(lambda: schedule_send(send_id, at))
        db.session.commit()
        click.echo(f"send #{send.id} of {coupon_id} scheduled for {at.isoformat()}")
        return
    send = find_unfinished_send(audience, messages, coupon_for_send)
    if send is not None:
        click.echo(f"resuming send #{send.id}")
    else:
        send = create_send(audience, messages, segment_name, coupon_id=coupon_for_send)
        db.session.commit()
        click.echo(f"send #{send.id} of {coupon_id} started")
    deliver_with_progress(send.id)


@coupons_cli.command("withdraw")
@click.argument("codes", nargs=-1, required=True)
def withdraw_command(codes: tuple[str, ...]) -> None:
    """Withdraw usable personal coupons by code (all or none)."""
    from bot.coupons.redemption import CouponRefused, withdraw_coupon

    now = utcnow()
    try:
        for code in codes:
            withdraw_coupon(code, now)
    except CouponRefused as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.code}: {exc.reason}") from exc
    db.session.commit()
    click.echo(f"withdrew {len(codes)} coupons")


@coupons_cli.command("export-codes")
@click.option("--coupon", "coupon_id", help="Only this coupon's codes.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def export_codes_command(coupon_id: str | None, output: Path | None) -> None:
    """Write the usable codes valid online as CSV for the shop's discount import."""
    from bot.coupons.stats import online_codes

    rows = online_codes(utcnow(), coupon_id)
    handle = output_file(output) if output else sys.stdout
    try:
        writer = csv.writer(handle)
        writer.writerow(
            ["code", "coupon_id", "kind", "value", "min_purchase", "expires_at"]
        )
        writer.writerows(rows)
    finally:
        if output:
            handle.close()
    if output:
        click.echo(f"wrote {len(rows)} codes to {output}")


@coupons_cli.command("stats")
@click.argument("coupon_id", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json"]),
    default="text",
    show_default=True,
)
def stats_command(coupon_id: str | None, fmt: str) -> None:
    """Print issued, used (store/online, by store), expired, usable, discount."""
    from bot.coupons.stats import coupon_stats, render_stats

    figures = coupon_stats(utcnow(), coupon_id)
    if coupon_id is not None and not figures:
        raise click.UsageError(f"no coupon {coupon_id!r}")
    click.echo(render_stats(figures, fmt), nl=False)
