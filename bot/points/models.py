"""The point ledger: every change of a balance is a row; rows are never updated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow

# Kinds of ledger rows; positive deltas are lots that expire, negative ones spend.
OPENING = "opening"
EARN = "earn"
REDEEM = "redeem"
EXPIRE = "expire"
REVERSAL = "reversal"


class PointEntry(db.Model):
    """One change of a member's point balance."""

    __tablename__ = "point_entries"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "reference"),
        Index("ix_point_entries_member_created", "member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    delta: Mapped[int]
    # What caused it, unique per member and kind: "pos:<store>:<receipt>", "ec:<order>".
    reference: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    store_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
