"""Stored webhook events: the durable record of everything LINE sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow

PENDING = "pending"
# Handled and committed; the messages in `outbox` are being sent.
SENDING = "sending"
DONE = "done"
FAILED = "failed"
FINISHED = frozenset({DONE})
_PENDING_SQL = "status = 'pending'"


class WebhookEvent(db.Model):
    """One LINE webhook event, stored once per webhookEventId."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index("ix_webhook_events_status_received", "status", "received_at"),
        # A customer's pending events, in the order stored (the worker
        # handles an earlier one first: jobs.handle_webhook_event).
        Index(
            "ix_webhook_events_pending_by_user",
            "line_user_id",
            "id",
            postgresql_where=text(_PENDING_SQL),
            sqlite_where=text(_PENDING_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True
    )
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    line_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    is_redelivery: Mapped[bool] = mapped_column(default=False)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    # What the handler answered, sent after its data was committed.
    outbox: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
