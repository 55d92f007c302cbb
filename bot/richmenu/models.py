"""What `richmenu deploy` put on LINE, and which menu each user is linked to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow

CREATING = "creating"  # made on LINE, image not confirmed yet: replaced next deploy
LIVE = "live"


class RichMenuDeployment(db.Model):
    """One rich menu this bot created on LINE, for one definition."""

    __tablename__ = "rich_menu_deployments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    alias: Mapped[str] = mapped_column(String(32))
    rich_menu_id: Mapped[str] = mapped_column(String(64), unique=True)
    # sha256 over the rendered request body and the image bytes.
    digest: Mapped[str] = mapped_column(String(64))
    is_default: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default=CREATING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RichMenuUserLink(db.Model):
    """The per-user menu we last set on LINE; NULL means none (the default shows)."""

    __tablename__ = "rich_menu_user_links"

    line_user_id: Mapped[int] = mapped_column(
        ForeignKey("line_users.id", ondelete="CASCADE"), primary_key=True
    )
    rich_menu_id: Mapped[str | None] = mapped_column(String(64), index=True)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )
