"""The member table: one row per member number, shared by stores and the online shop."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow
from bot.users.models import LineUser

RANKS = ("regular", "silver", "gold", "platinum")


class Member(db.Model):
    """A customer's membership; linked to at most one LINE user."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_no: Mapped[str] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    birthday: Mapped[date | None] = mapped_column(Date)
    home_store_code: Mapped[str | None] = mapped_column(String(32))
    rank: Mapped[str] = mapped_column(String(16), default="regular")
    source: Mapped[str] = mapped_column(String(16), default="register")
    line_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("line_users.id", ondelete="SET NULL"), unique=True
    )
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    line_user: Mapped[LineUser | None] = relationship()
