"""The member table: one row per member number, shared by stores and the online shop."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow
from bot.users.models import LineUser

RANKS = ("regular", "silver", "gold", "platinum")


class Member(db.Model):
    """A customer's membership; linked to at most one LINE user."""

    __tablename__ = "members"
    __table_args__ = (
        # Segments of a rank or a home store are counted from these alone.
        Index("ix_members_rank_line_user", "rank", "line_user_id"),
        Index("ix_members_home_store_line_user", "home_store_code", "line_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_no: Mapped[str] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # When the member proved the address (online orders are credited by it).
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
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


class AccountLinkToken(db.Model):
    """A LINE link token we asked for, and the LINE user it was issued for."""

    __tablename__ = "account_link_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[int] = mapped_column(
        ForeignKey("line_users.id", ondelete="CASCADE"), index=True
    )
    # Only a digest is kept: the token itself is a bearer value on LINE's side.
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    line_user: Mapped[LineUser] = relationship()


class AccountLinkNonce(db.Model):
    """A single-use nonce made after sign-in, bound to the member who signed in."""

    __tablename__ = "account_link_nonces"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    link_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_link_tokens.id", ondelete="SET NULL"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The accountLink event that used it: a retried job recognises its own use.
    used_by_event: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    member: Mapped[Member] = relationship()
    link_token: Mapped[AccountLinkToken | None] = relationship()
