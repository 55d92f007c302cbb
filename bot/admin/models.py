"""The console's audit log and the idempotency keys of its sends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """One change made in the console: who, what, on what, when."""

    __tablename__ = "admin_audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(120))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, index=True
    )


class ConsoleSendKey(db.Model):
    """The form's one-time key of a send: a second submit finds the first send."""

    __tablename__ = "admin_send_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    send_id: Mapped[int] = mapped_column(
        ForeignKey("segment_sends.id", ondelete="CASCADE")
    )
    operator_id: Mapped[int | None] = mapped_column(
        ForeignKey("operators.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
