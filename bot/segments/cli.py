"""`flask segment ...`: preview, save and send messages to segments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import click
from flask.cli import AppGroup

from bot.clitools import ROW_ID
from bot.extensions import after_commit, db
from bot.marketing.quota import QuotaExceeded
from bot.models_base import utcnow
from bot.segments import sending
from bot.segments.definition import SegmentDefinition, SegmentError
from bot.segments.delivery import QuietHoursNow, deliver_send
from bot.segments.jobs import schedule_send
from bot.segments.models import SegmentSend
from bot.segments.sending import create_send, find_unfinished_send, unfinished_sends
from bot.segments.service import (
    check_known_store,
    load_segment,
    preview_segment,
    save_segment,
)
from bot.segments.templates import image_messages, load_template, text_messages
from bot.segments.variants import MAX_HOLDOUT_PERCENT, SendVariant

segment_cli = AppGroup("segments", help="Preview, save and send to customer segments.")

_CONDITIONS = [
    click.option("--min-visits", type=int, help="At least K store visits ..."),
    click.option("--days", type=int, help="... in the last N days."),
    click.option("--home-store", help="Home store code."),
    click.option("--channel", type=click.Choice(["store", "ec", "both"])),
    click.option("--dormant-days", type=int, help="No purchase in N days."),
    click.option("--birthday-month", type=int, help="Birthday month 1-12."),
    click.option("--rank", help="Member rank."),
    click.option("--linked/--unlinked", default=None, help="Linked to a member."),
    click.option("--segment", "segment_name", help="Start from a saved segment."),
]


def segment_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add the segment condition options to a command."""
    for option in reversed(_CONDITIONS):
        fn = option(fn)
    return fn


def definition_from_options(
    segment_name: str | None, **conditions: Any
) -> SegmentDefinition:
    """Build a segment definition from a saved segment and the options given."""
    given = {k: v for k, v in conditions.items() if v is not None}
    try:
        base = load_segment(segment_name).to_dict() if segment_name else {}
        return check_known_store(SegmentDefinition.from_dict({**base, **given}))
    except SegmentError as exc:
        raise click.UsageError(str(exc)) from exc


@segment_cli.command("preview")
@segment_options
@click.option("--sample", "sample_size", type=int, default=10, show_default=True)
def preview_command(
    segment_name: str | None, sample_size: int, **conditions: Any
) -> None:
    """Print how many friends a segment reaches and a sample of them."""
    definition = definition_from_options(segment_name, **conditions)
    preview = preview_segment(definition, sample_size)
    click.echo(f"segment: {definition.describe()}")
    click.echo(f"count: {preview.count}")
    for line_user_id in preview.sample:
        click.echo(f"  {line_user_id}")


@segment_cli.command("save")
@click.argument("name")
@segment_options
def save_command(name: str, segment_name: str | None, **conditions: Any) -> None:
    """Save the segment under NAME for later use with --segment NAME."""
    definition = definition_from_options(segment_name, **conditions)
    save_segment(name, definition)
    db.session.commit()
    click.echo(f"saved segment {name}: {definition.describe()}")


@segment_cli.command("send")
@segment_options
@click.option("--text", help="Send this text.")
@click.option("--image", help="Send the image at this https URL.")
@click.option("--template", help="Send content/messages/NAME.json.")
@click.option("--at", "at_text", help="Send at this ISO time instead of now.")
@click.option("--b-text", help="A/B: variant B sends this text ...")
@click.option("--b-image", help="... or the image at this https URL ...")
@click.option("--b-template", help="... or content/messages/NAME.json.")
@click.option(
    "--split",
    type=click.IntRange(1, 99),
    default=50,
    show_default=True,
    help="A/B: percent of the sent audience that gets variant A.",
)
@click.option(
    "--holdout",
    type=click.IntRange(0, MAX_HOLDOUT_PERCENT),
    default=0,
    show_default=True,
    help="Percent of the audience sent nothing, to measure the lift against.",
)
def send_command(
    segment_name: str | None,
    text: str | None,
    image: str | None,
    template: str | None,
    at_text: str | None,
    b_text: str | None,
    b_image: str | None,
    b_template: str | None,
    split: int,
    holdout: int,
    **conditions: Any,
) -> None:
    """Send a message to a segment now (resuming an interrupted run) or later."""
    definition = definition_from_options(segment_name, **conditions)
    messages = _messages(text, image, template)
    variants = None
    if any(value is not None for value in (b_text, b_image, b_template)):
        variants = [
            SendVariant("A", split, messages),
            SendVariant("B", 100 - split, _messages(b_text, b_image, b_template)),
        ]
    split_options = {"variants": variants, "holdout_percent": holdout}
    if at_text is not None:
        at = parse_send_time(at_text)
        send = create_send(
            definition, messages, segment_name, scheduled_at=at, **split_options
        )
        send_id = send.id
        after_commit(lambda: schedule_send(send_id, at))
        db.session.commit()
        click.echo(f"send #{send.id} scheduled for {at.isoformat()}")
        return
    send = find_unfinished_send(definition, messages, **split_options)
    if send is not None:
        click.echo(f"resuming send #{send.id}")
    else:
        send = create_send(definition, messages, segment_name, **split_options)
        db.session.commit()
        click.echo(f"send #{send.id} started")
    deliver_with_progress(send.id)


@segment_cli.command("resume")
@click.argument("send_id", type=ROW_ID)
def resume_command(send_id: int) -> None:
    """Continue an interrupted send where it stopped."""
    if db.session.get(SegmentSend, send_id) is None:
        raise click.UsageError(f"no send #{send_id}")
    deliver_with_progress(send_id)


@segment_cli.command("cancel")
@click.argument("send_id", type=ROW_ID)
def cancel_command(send_id: int) -> None:
    """Call off a scheduled send that has not started."""
    from bot.segments.sending import cancel_send

    try:
        cancel_send(send_id)
    except SegmentError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"send #{send_id} cancelled")


@segment_cli.command("sends")
def sends_command() -> None:
    """List scheduled and interrupted sends."""
    for send in unfinished_sends():
        when = send.scheduled_at.isoformat() if send.scheduled_at else "-"
        click.echo(
            f"#{send.id} {send.status} at={when} recipients={send.recipient_count}"
        )


def deliver_with_progress(send_id: int) -> None:
    """Deliver a send with a progress bar and print what the run did."""
    from bot.segments.sending import freeze_recipients

    send = db.session.get(SegmentSend, send_id)
    assert send is not None
    total = freeze_recipients(send)
    db.session.commit()
    try:
        with click.progressbar(length=total, label=f"send #{send_id}") as bar:
            report = deliver_send(send_id, on_progress=bar.update)
    except (QuietHoursNow, QuotaExceeded) as exc:
        raise click.ClickException(f"send #{send_id}: {exc}") from None
    click.echo(
        f"send #{send_id}: {report.delivered} delivered, {report.skipped} skipped"
        f" in this run ({report.replayed_batches} batches already at LINE);"
        f" {'done' if report.finished else 'unfinished'}"
    )


def _messages(
    text: str | None, image: str | None, template: str | None
) -> list[dict[str, Any]]:
    chosen = [value for value in (text, image, template) if value is not None]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --text, --image or --template")
    try:
        if text is not None:
            return text_messages(text)
        if image is not None:
            return image_messages(image)
        return load_template(str(template))
    except SegmentError as exc:
        raise click.UsageError(str(exc)) from exc


def parse_send_time(value: str) -> datetime:
    """Read --at: an ISO time (local to the shop without an offset), within a year."""
    try:
        return sending.parse_send_time(value, utcnow())
    except SegmentError as exc:
        raise click.UsageError(f"--at {value!r}: {exc}") from exc
