"""The console's audit log: every change, who made it and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.admin.models import AuditEntry
from bot.extensions import db
from bot.operator.models import Operator


def record_change(
    operator_id: int, action: str, target: str, **details: Any
) -> AuditEntry:
    """Note a change made in the console (flush only; commits with the change)."""
    entry = AuditEntry(
        operator_id=operator_id, action=action, target=target[:120], details=details
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def recent_changes(limit: int = 200) -> list[tuple[AuditEntry, str | None]]:
    """Return the newest changes with the email of who made each."""
    rows = db.session.execute(
        select(AuditEntry, Operator.email)
        .outerjoin(Operator, Operator.id == AuditEntry.operator_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    ).tuples()
    return list(rows)
