"""Operator accounts for the console; only password hashes are stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow

OPERATOR = "operator"
MARKETER = "marketer"
ADMIN = "admin"
ROLES = (OPERATOR, MARKETER, ADMIN)


class Operator(db.Model):
    """A staff member: answers customers (operator) or runs marketing (marketer)."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=OPERATOR)
    active: Mapped[bool] = mapped_column(default=True)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def sees_chats(self) -> bool:
        """Tell whether the account may open the operator console's chats."""
        return self.role in (OPERATOR, ADMIN)

    @property
    def sees_marketing(self) -> bool:
        """Tell whether the account may open the marketing console at /admin."""
        return self.role in (MARKETER, ADMIN)

    @property
    def is_admin(self) -> bool:
        """Tell whether the operator may act on every conversation."""
        return self.role == ADMIN
