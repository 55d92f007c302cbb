"""The LINE user table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow

UNREACHABLE = "is_friend IS NOT true OR blocked_at IS NOT NULL"
# Reachable friends, all, linked to a member and not: what a segment without
# member conditions counts (bot.segments.query.count_segment_users), each read
# from an index of its own rows only.
REACHABLE = "is_friend IS true AND blocked_at IS NULL"
REACHABLE_LINKED = f"{REACHABLE} AND linked IS true"
REACHABLE_UNLINKED = f"{REACHABLE} AND linked IS false"


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
        *(
            Index(
                name,
                "id",
                postgresql_where=text(where),
                sqlite_where=text(where),
            )
            for name, where in (
                ("ix_line_users_reachable", REACHABLE),
                ("ix_line_users_reachable_linked", REACHABLE_LINKED),
                ("ix_line_users_reachable_unlinked", REACHABLE_UNLINKED),
            )
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
    # Whether a member is linked to this user. Kept by database triggers on
    # `members` (migration 0021), whatever writes members.line_user_id; read
    # only by the segment count (bot.segments.query.count_segment_users).
    linked: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )

    @property
    def can_receive_push(self) -> bool:
        """Tell whether a push may be sent (a user who blocked us gets nothing)."""
        return self.is_friend and self.blocked_at is None
