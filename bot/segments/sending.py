"""Segment sends: create, schedule, and freeze the recipient list in batches."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import case, func, insert, literal, select, update

from bot.extensions import db
from bot.line.delivery import MAX_MESSAGES_PER_CALL
from bot.marketing.models import MarketingMessage
from bot.marketing.rules import at_cap_today, local_day, lock_marketing_ledger
from bot.measure.models import HOLDOUT
from bot.measure.service import record_exposures
from bot.models_base import utcnow
from bot.segments.definition import SegmentDefinition, SegmentError
from bot.segments.models import (
    CANCELLED,
    PENDING,
    SCHEDULED,
    SENDING,
    SENT,
    SKIPPED,
    UNFINISHED,
    SegmentSend,
    SegmentSendBatch,
    SegmentSendRecipient,
)
from bot.segments.query import segment_users
from bot.segments.variants import SendVariant, check_split, group_sql
from bot.users.models import LineUser

# A send (or a coupon send) may be scheduled at most this far ahead.
FURTHEST_SCHEDULE = timedelta(days=366)


def parse_send_time(value: str, now: datetime) -> datetime:
    """Read a send time: ISO, local to the shop without an offset, within a year.

    Both the console and the CLI read the time here; a time past any date
    Python can hold, in the past, or more than FURTHEST_SCHEDULE ahead is a
    SegmentError.
    """
    try:
        at = datetime.fromisoformat(value.strip())
        if at.tzinfo is None:
            # A time without an offset is a local time of the shop.
            at = at.replace(tzinfo=current_app.config["SETTINGS"].timezone)
        at = at.astimezone(UTC)
    except (ValueError, OverflowError):
        raise SegmentError("give the send time as YYYY-MM-DDTHH:MM") from None
    if at <= now:
        raise SegmentError("the send time is in the past")
    if at > now + FURTHEST_SCHEDULE:
        raise SegmentError("the send time is more than a year ahead")
    return at


def send_fingerprint(
    definition: SegmentDefinition,
    messages: list[dict[str, Any]],
    coupon_id: str | None = None,
    variants: list[SendVariant] | None = None,
    holdout_percent: int = 0,
) -> str:
    """Return what identifies "the same send" so that a rerun resumes it."""
    parts: dict[str, Any] = {"segment": definition.to_dict(), "messages": messages}
    if coupon_id is not None:
        parts["coupon"] = coupon_id
    if variants:
        parts["variants"] = [v.to_dict() for v in variants]
    if holdout_percent:
        parts["holdout"] = holdout_percent
    document = json.dumps(
        parts,
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(document.encode()).hexdigest()


def create_send(
    definition: SegmentDefinition,
    messages: list[dict[str, Any]],
    segment_name: str | None = None,
    scheduled_at: datetime | None = None,
    coupon_id: str | None = None,
    variants: list[SendVariant] | None = None,
    holdout_percent: int = 0,
    split_seed: int | None = None,
) -> SegmentSend:
    """Record a new send, scheduled for later or to start now.

    With `coupon_id`, each recipient is issued that coupon just before their
    batch goes out, and only those who hold one from this send get the message.
    With `variants` (A/B), `messages` and `coupon_id` are ignored: each
    recipient gets one variant's messages and coupon, drawn by `split_seed`
    (random if not given); `holdout_percent` of the audience gets nothing.
    """
    if variants:
        check_split(variants, holdout_percent)
        messages, coupon_id = variants[0].messages, variants[0].coupon_id
    else:
        check_split([SendVariant("-", 1, messages, coupon_id)], holdout_percent)
    if not 1 <= len(messages) <= MAX_MESSAGES_PER_CALL:
        raise SegmentError("a send takes 1 to 5 messages")
    if split_seed is None:
        split_seed = secrets.randbelow(2**31)
    send = SegmentSend(
        segment_name=segment_name,
        definition=definition.to_dict(),
        messages=messages,
        fingerprint=send_fingerprint(
            definition, messages, coupon_id, variants, holdout_percent
        ),
        coupon_id=coupon_id,
        variants=[v.to_dict() for v in variants] if variants else None,
        holdout_percent=holdout_percent,
        split_seed=split_seed,
        status=SCHEDULED if scheduled_at is not None else SENDING,
        scheduled_at=scheduled_at,
    )
    db.session.add(send)
    db.session.flush()
    return send


def send_variants(send: SegmentSend) -> list[SendVariant]:
    """Return a send's variants; one unnamed variant for a send without A/B."""
    if send.variants:
        return [SendVariant.from_dict(v) for v in send.variants]
    return [SendVariant("", 1, send.messages, send.coupon_id)]


def find_unfinished_send(
    definition: SegmentDefinition,
    messages: list[dict[str, Any]],
    coupon_id: str | None = None,
    variants: list[SendVariant] | None = None,
    holdout_percent: int = 0,
) -> SegmentSend | None:
    """Return an unfinished immediate send of the same segment and messages."""
    if variants:
        messages, coupon_id = variants[0].messages, variants[0].coupon_id
    fingerprint = send_fingerprint(
        definition, messages, coupon_id, variants, holdout_percent
    )
    return db.session.scalar(
        select(SegmentSend)
        .where(
            SegmentSend.fingerprint == fingerprint,
            SegmentSend.status.in_(UNFINISHED),
            SegmentSend.scheduled_at.is_(None),
        )
        .order_by(SegmentSend.id)
    )


class SendCancelled(LookupError):
    """The send was cancelled before its recipients were frozen."""


def cancel_send(send_id: int) -> SegmentSend:
    """Call off a scheduled send that has not started; raise SegmentError if it has.

    Under the ledger lock, as a freeze is: either the send is cancelled first
    and its freeze finds it so, or it froze first and is no longer cancellable.
    """
    lock_marketing_ledger()
    cancelled = db.session.execute(
        update(SegmentSend)
        .where(
            SegmentSend.id == send_id,
            SegmentSend.status == SCHEDULED,
            SegmentSend.recipient_count.is_(None),
        )
        .values(status=CANCELLED, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    send = db.session.get(SegmentSend, send_id)
    if send is None:
        raise SegmentError(f"no segment send {send_id}")
    db.session.refresh(send)
    if not cancelled and send.status != CANCELLED:
        raise SegmentError(f"send {send_id} has started: it can no longer be cancelled")
    return send


def freeze_recipients(send: SegmentSend) -> int:
    """Write the send's recipients once, numbered into batches; return how many.

    With variants, each batch holds one variant (batch numbers interleave the
    variants); the holdout is recorded in the measurement figures, not here.
    """
    if send.recipient_count is not None:
        return send.recipient_count
    settings = current_app.config["SETTINGS"]
    definition = SegmentDefinition.from_dict(send.definition)
    variants = send_variants(send)
    lock_marketing_ledger()  # until the caller commits the reservation below
    db.session.refresh(send)  # cancelled while this run waited for the lock?
    if send.status == CANCELLED:
        raise SendCancelled(send.id)
    now = utcnow()
    group = group_sql(LineUser.id, variants, send.holdout_percent, send.split_seed or 0)
    # Customers already at the day's marketing cap are left out of the send.
    query = (
        segment_users(definition, now, settings.BOT_TIMEZONE)
        .where(LineUser.id.not_in(at_cap_today(now)))
        .add_columns(group.label("grp"))
    )
    users = query.subquery()
    size, groups = settings.SEGMENT_BATCH_SIZE, len(variants)
    if groups == 1 and not send.holdout_percent:
        position = func.row_number().over(order_by=users.c.id) - 1
        batch_no = position // size
    else:
        position = (
            func.row_number().over(partition_by=users.c.grp, order_by=users.c.id) - 1
        )
        batch_no = (position // size) * groups + users.c.grp
    rows = select(literal(send.id), users.c.id, batch_no)
    if send.holdout_percent:
        rows = rows.where(users.c.grp >= 0)
    # One INSERT .. SELECT: the database numbers 100,000 rows without a round trip.
    db.session.execute(
        insert(SegmentSendRecipient).from_select(
            ["send_id", "line_user_id", "batch_no"], rows
        )
    )
    recipients = SegmentSendRecipient.__table__
    if groups == 1:
        variant_name: Any = literal(variants[0].name)
    else:
        variant_name = case(
            *[
                (recipients.c.batch_no % groups == i, literal(v.name))
                for i, v in enumerate(variants)
            ]
        )
    db.session.execute(
        insert(SegmentSendBatch).from_select(
            ["send_id", "batch_no", "size", "status", "variant"],
            select(
                recipients.c.send_id,
                recipients.c.batch_no,
                func.count(),
                literal(PENDING),
                variant_name,
            )
            .where(recipients.c.send_id == send.id)
            .group_by(recipients.c.send_id, recipients.c.batch_no),
        )
    )
    # The cap counts these messages from now: a send frozen beside this one
    # (or the scenario sweep) sees them before they go out.
    db.session.execute(
        insert(MarketingMessage).from_select(
            ["line_user_id", "local_day", "source", "sent_at"],
            select(
                recipients.c.line_user_id,
                literal(local_day(now)),
                literal(f"segment:{send.id}"),
                literal(now),
            ).where(recipients.c.send_id == send.id),
        )
    )
    if send.holdout_percent:
        held = db.session.scalars(select(users.c.id).where(users.c.grp < 0)).all()
        record_exposures(held, now, f"segment:{send.id}", HOLDOUT, holdout=True)
    send.recipient_count = db.session.scalar(
        select(func.coalesce(func.sum(SegmentSendBatch.size), 0)).where(
            SegmentSendBatch.send_id == send.id
        )
    )
    send.status = SENDING
    send.started_at = send.started_at or utcnow()
    db.session.flush()
    return send.recipient_count


def variant_sizes(send_id: int) -> dict[str, int]:
    """Return how many recipients each variant of a send was frozen with."""
    rows = db.session.execute(
        select(SegmentSendBatch.variant, func.sum(SegmentSendBatch.size))
        .where(SegmentSendBatch.send_id == send_id)
        .group_by(SegmentSendBatch.variant)
    )
    return {variant: int(size or 0) for variant, size in rows}


def recipient_statuses(send_id: int) -> dict[int, str]:
    """Return each recipient's outcome by LINE user row id: sent, skipped or pending."""
    recipients, batches = SegmentSendRecipient.__table__, SegmentSendBatch.__table__
    status = case(
        (recipients.c.skipped, literal(SKIPPED)),
        (batches.c.status == SENT, literal(SENT)),
        else_=literal(PENDING),
    )
    rows = db.session.execute(
        select(recipients.c.line_user_id, status)
        .join(
            batches,
            (batches.c.send_id == recipients.c.send_id)
            & (batches.c.batch_no == recipients.c.batch_no),
        )
        .where(recipients.c.send_id == send_id)
    )
    return {pk: outcome for pk, outcome in rows}


def unfinished_sends() -> list[SegmentSend]:
    """Return every scheduled or interrupted send, oldest first."""
    return list(
        db.session.scalars(
            select(SegmentSend)
            .where(SegmentSend.status.in_(UNFINISHED))
            .order_by(SegmentSend.id)
        )
    )
