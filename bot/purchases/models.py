"""Purchases in stores and in the online shop."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow

STORE = "store"
ONLINE = "ec"


class Purchase(db.Model):
    """A purchase; (channel, origin, reference) identifies it so repeats are refused."""

    __tablename__ = "purchases"
    __table_args__ = (UniqueConstraint("channel", "origin", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a guest's sale (a coupon held by a LINE user who is no member):
    # no points; `line_user_id` then names who bought, for measurement.
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    line_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("line_users.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(8))
    # The store code for a store purchase, "shop" for the online shop.
    origin: Mapped[str] = mapped_column(String(32))
    # The receipt number or the online order id.
    reference: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int]
    points_used: Mapped[int] = mapped_column(default=0)
    # Yen taken off by coupons; points are earned on amount - discount - points.
    discount: Mapped[int] = mapped_column(default=0, server_default="0")
    points_earned: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="completed")
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Follow-up messages: when each is due, when it was handled and how
    # ("pushed", "already", "blocked", "no_line"); a job never sends twice.
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    thanks_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    thanked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    thanks_result: Mapped[str | None] = mapped_column(String(16))
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_result: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
