"""Saved segments, segment sends, their recipients and their batches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow

# Send states: scheduled (waiting for its time), sending, done.
SCHEDULED = "scheduled"
SENDING = "sending"
DONE = "done"
CANCELLED = "cancelled"  # a scheduled send the marketer called off before it froze
UNFINISHED = (SCHEDULED, SENDING)

# Batch states. A recipient was sent the message when their batch is SENT and
# they were not skipped (blocked the shop after the list was frozen).
PENDING = "pending"
SENT = "sent"
SKIPPED = "skipped"


class Segment(db.Model):
    """A named segment definition that operators reuse."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )


class SegmentSend(db.Model):
    """One message sent (or to be sent) to one segment."""

    __tablename__ = "segment_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_name: Mapped[str | None] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Same definition and messages: a rerun of `segment send` resumes this send.
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    # A coupon send issues this coupon to each recipient just before their batch.
    coupon_id: Mapped[str | None] = mapped_column(String(64))
    # A/B: every variant (name, weight, messages, coupon), the first one also in
    # `messages` and `coupon_id`; None for a send of one message to everyone.
    variants: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Recipients drawn into the holdout get nothing and are compared with the rest.
    holdout_percent: Mapped[int] = mapped_column(default=0, server_default="0")
    # Draws each recipient's variant (see bot.segments.variants).
    split_seed: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default=SENDING)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recipient_count: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SegmentSendRecipient(db.Model):
    """One LINE user of a send: the batch they go in, or skipped at send time."""

    __tablename__ = "segment_send_recipients"
    __table_args__ = (
        Index("ix_segment_send_recipients_send_batch", "send_id", "batch_no"),
    )

    send_id: Mapped[int] = mapped_column(
        ForeignKey("segment_sends.id", ondelete="CASCADE"), primary_key=True
    )
    line_user_id: Mapped[int] = mapped_column(
        ForeignKey("line_users.id", ondelete="CASCADE"), primary_key=True
    )
    batch_no: Mapped[int]
    # Blocked the shop between freezing the list and their batch going out.
    skipped: Mapped[bool] = mapped_column(default=False)


class SegmentSendBatch(db.Model):
    """One multicast of a send: pending until LINE accepted it, then sent.

    Recording a batch, not each of its up to 500 recipients, keeps a 100,000
    user send at 200 small updates instead of 100,000 row versions.
    """

    __tablename__ = "segment_send_batches"

    send_id: Mapped[int] = mapped_column(
        ForeignKey("segment_sends.id", ondelete="CASCADE"), primary_key=True
    )
    batch_no: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int]
    # Every recipient of a batch gets the same variant ("" without variants).
    variant: Mapped[str] = mapped_column(String(16), default="", server_default="")
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    delivered: Mapped[int | None]
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
