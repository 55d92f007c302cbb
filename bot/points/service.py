"""Point balances from the ledger (placeholder: no expiry yet)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.extensions import db
from bot.points.models import PointEntry


def balance(member_id: int) -> int:
    """Return the member's current point balance."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(PointEntry.delta), 0)).where(
            PointEntry.member_id == member_id
        )
    )
    return int(total or 0)
