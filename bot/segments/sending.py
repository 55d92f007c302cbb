"""Segment sends: create, schedule, and freeze the recipient list in batches."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import case, func, insert, literal, select

from bot.extensions import db
from bot.line.delivery import MAX_MESSAGES_PER_CALL
from bot.marketing.rules import at_cap_today
from bot.models_base import utcnow
from bot.segments.definition import SegmentDefinition, SegmentError
from bot.segments.models import (
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
from bot.users.models import LineUser


def send_fingerprint(
    definition: SegmentDefinition,
    messages: list[dict[str, Any]],
    coupon_id: str | None = None,
) -> str:
    """Return what identifies "the same send" so that a rerun resumes it."""
    parts: dict[str, Any] = {"segment": definition.to_dict(), "messages": messages}
    if coupon_id is not None:
        parts["coupon"] = coupon_id
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
) -> SegmentSend:
    """Record a new send, scheduled for later or to start now.

    With `coupon_id`, each recipient is issued that coupon just before their
    batch goes out, and only those who hold one from this send get the message.
    """
    if not 1 <= len(messages) <= MAX_MESSAGES_PER_CALL:
        raise SegmentError("a send takes 1 to 5 messages")
    send = SegmentSend(
        segment_name=segment_name,
        definition=definition.to_dict(),
        messages=messages,
        fingerprint=send_fingerprint(definition, messages, coupon_id),
        coupon_id=coupon_id,
        status=SCHEDULED if scheduled_at is not None else SENDING,
        scheduled_at=scheduled_at,
    )
    db.session.add(send)
    db.session.flush()
    return send


def find_unfinished_send(
    definition: SegmentDefinition,
    messages: list[dict[str, Any]],
    coupon_id: str | None = None,
) -> SegmentSend | None:
    """Return an unfinished immediate send of the same segment and messages."""
    fingerprint = send_fingerprint(definition, messages, coupon_id)
    return db.session.scalar(
        select(SegmentSend)
        .where(
            SegmentSend.fingerprint == fingerprint,
            SegmentSend.status.in_(UNFINISHED),
            SegmentSend.scheduled_at.is_(None),
        )
        .order_by(SegmentSend.id)
    )


def freeze_recipients(send: SegmentSend) -> int:
    """Write the send's recipients once, numbered into batches; return how many."""
    if send.recipient_count is not None:
        return send.recipient_count
    settings = current_app.config["SETTINGS"]
    definition = SegmentDefinition.from_dict(send.definition)
    now = utcnow()
    # Customers already at the day's marketing cap are left out of the send.
    query = segment_users(definition, now, settings.BOT_TIMEZONE).where(
        LineUser.id.not_in(at_cap_today(now))
    )
    users = query.subquery()
    position = func.row_number().over(order_by=users.c.id) - 1
    rows = select(literal(send.id), users.c.id, position // settings.SEGMENT_BATCH_SIZE)
    # One INSERT .. SELECT: the database numbers 100,000 rows without a round trip.
    db.session.execute(
        insert(SegmentSendRecipient).from_select(
            ["send_id", "line_user_id", "batch_no"], rows
        )
    )
    recipients = SegmentSendRecipient.__table__
    db.session.execute(
        insert(SegmentSendBatch).from_select(
            ["send_id", "batch_no", "size", "status"],
            select(
                recipients.c.send_id,
                recipients.c.batch_no,
                func.count(),
                literal(PENDING),
            )
            .where(recipients.c.send_id == send.id)
            .group_by(recipients.c.send_id, recipients.c.batch_no),
        )
    )
    send.recipient_count = db.session.scalar(
        select(func.coalesce(func.sum(SegmentSendBatch.size), 0)).where(
            SegmentSendBatch.send_id == send.id
        )
    )
    send.status = SENDING
    send.started_at = send.started_at or utcnow()
    db.session.flush()
    return send.recipient_count


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
