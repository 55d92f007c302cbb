"""Conversations handed to people, and every message in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow
from bot.users.models import LineUser

# A customer with no open conversation is talking to the bot.
BOT = "bot"
WAITING = "waiting"
WITH_OPERATOR = "with_operator"
RESOLVED = "resolved"
OPEN_STATES = (WAITING, WITH_OPERATOR)

CUSTOMER = "customer"
OPERATOR = "operator"
BOT_SENDER = "bot"

TEXT = "text"
STICKER = "sticker"
IMAGE = "image"
OTHER = "other"

# Delivery of outgoing rows: pending until a job pushes them.
PENDING = "pending"


class Conversation(db.Model):
    """One handoff: waiting, with an operator, then resolved."""

    __tablename__ = "conversations"
    __table_args__ = (
        # At most one open conversation per customer.
        Index(
            "uq_conversations_open_user",
            "user_id",
            unique=True,
            postgresql_where=text("state <> 'resolved'"),
            sqlite_where=text("state <> 'resolved'"),
        ),
        Index("ix_conversations_state_opened", "state", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("line_users.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default=WAITING)
    # asked, quick_reply, menu or not_understood.
    reason: Mapped[str] = mapped_column(String(24))
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="SET NULL"), index=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    apology_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    apology_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # operator, customer or idle.
    resolved_by: Mapped[str | None] = mapped_column(String(16))

    user: Mapped[LineUser] = relationship()

    @property
    def is_open(self) -> bool:
        """Tell whether the customer is waiting for or talking to a person."""
        return self.state in OPEN_STATES


class ConversationMessage(db.Model):
    """A message in a conversation: from the customer, the bot or an operator."""

    __tablename__ = "conversation_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    sender: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default=TEXT)
    text: Mapped[str | None] = mapped_column(Text)
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="SET NULL")
    )
    # The webhook event a customer message came in, so a retry never stores twice.
    source_event_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    # Outgoing rows: pending, replied, pushed, already, blocked or failed.
    delivery: Mapped[str | None] = mapped_column(String(16))
    # The customer's message's mark-as-read token, until an operator has read it.
    read_token: Mapped[str | None] = mapped_column(String(255))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
