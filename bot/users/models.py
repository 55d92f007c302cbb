"""The LINE user table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow

UNREACHABLE = "is_friend IS NOT true OR blocked_at IS NOT NULL"


class LineUser(db.Model):
    """A LINE user who has added the shop as a friend at least once."""

    __tablename__ = "line_users"
    __table_args__ = (
        # The few who cannot receive: counting a segment subtracts them
        # (bot.segments.query.count_segment_users) instead of joining everyone.
        Index(
            "ix_line_users_unreachable",
            "id",
            postgresql_where=text(UNREACHABLE),
            sqlite_where=text(UNREACHABLE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    picture_url: Mapped[str | None] = mapped_column(String(1000))
    language: Mapped[str | None] = mapped_column(String(16))
    is_friend: Mapped[bool] = mapped_column(default=True)
    followed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    @property
    def can_receive_push(self) -> bool:
        """Tell whether a push may be sent (a user who blocked us gets nothing)."""
        return self.is_friend and self.blocked_at is None
