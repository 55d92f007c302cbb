"""The marketing ledger: one row per marketing message a customer received."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow


class MarketingMessage(db.Model):
    """A scenario step, segment send or coupon issue that reached one customer.

    The frequency cap counts these rows per customer and local day; replies to
    the customer's own messages are never written here.
    """

    __tablename__ = "marketing_messages"
    __table_args__ = (
        Index("ix_marketing_messages_user_day", "line_user_id", "local_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[int] = mapped_column(
        ForeignKey("line_users.id", ondelete="CASCADE")
    )
    local_day: Mapped[date] = mapped_column(Date)
    # "scenario:<id>", "segment:<send id>", "coupon:<coupon id>".
    source: Mapped[str] = mapped_column(String(80))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
