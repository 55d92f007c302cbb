"""Pulling LINE's per-unit statistics into aggregation_units.

LINE answers null for a count under 20 (privacy); that is stored as None and
reported as "< 20", never as 0. Days are LINE's (UTC+9); a period is at most
31 days from its start, so units first used in the last 30 days are pulled.
"""

from __future__ import annotations

from datetime import timedelta, timezone

from sqlalchemy import select

from bot.extensions import db
from bot.line.client import line_client
from bot.measure.models import UnitStats
from bot.models_base import utcnow

LINE_TIME = timezone(timedelta(hours=9))
PERIOD_DAYS = 30


def sync_units() -> int:
    """Pull the statistics of every unit first used in the last 30 days; commit."""
    now = utcnow()
    units = db.session.scalars(
        select(UnitStats).where(
            UnitStats.first_used_at >= now - timedelta(days=PERIOD_DAYS)
        )
    ).all()
    client = line_client()
    for stats in units:
        start = stats.first_used_at.astimezone(LINE_TIME).date()
        end = min(now.astimezone(LINE_TIME).date(), start + timedelta(days=30))
        body = client.unit_statistics(
            stats.unit, start.strftime("%Y%m%d"), end.strftime("%Y%m%d")
        )
        overview = (body or {}).get("overview") or {}
        stats.unique_impression = overview.get("uniqueImpression")
        stats.unique_click = overview.get("uniqueClick")
        stats.synced_at = now
        db.session.commit()
    return len(units)
