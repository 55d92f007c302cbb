"""The overview's figures, read from the measurement roll-ups and LINE's quota."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

from flask import current_app

from bot.admin.sending import recent_sends
from bot.line.client import LineApiError
from bot.marketing.quota import Quota, read_quota
from bot.marketing.rules import local_day
from bot.measure.friends import friends_report
from bot.measure.report import campaign_totals
from bot.models_base import utcnow

log = logging.getLogger(__name__)
DAYS = 30
# Counting every friend and linked member takes a while at 100,000 members;
# the overview shows figures at most this old (per process).
FRIENDS_CACHE_SECONDS = 60.0
_cache_lock = threading.Lock()


def friends_by_day(days: int = DAYS) -> dict[str, Any]:
    """Return the friends figures, counted at most FRIENDS_CACHE_SECONDS ago."""
    cache = current_app.extensions.setdefault("admin_friends_cache", {})
    found = cache.get(days)
    if found is not None and found[0] > time.monotonic():
        return found[1]
    figures = count_friends_by_day(days)
    with _cache_lock:
        cache[days] = (time.monotonic() + FRIENDS_CACHE_SECONDS, figures)
    return figures


def count_friends_by_day(days: int = DAYS) -> dict[str, Any]:
    """Return follows, blocks and links per day (all sources summed) and the share."""
    report = friends_report(days)
    per_day: dict[str, dict[str, int]] = defaultdict(
        lambda: {"follows": 0, "blocks": 0, "links": 0}
    )
    for row in report["days"]:
        day = per_day[row["day"]]
        day["follows"] += row["follows"] or 0
        day["blocks"] += row["unfollows"] or 0
        day["links"] += row["links"] or 0
    today = local_day(utcnow())
    for back in range(days):  # every day on the chart, quiet ones as zeros
        day = (today - timedelta(days=back)).isoformat()
        per_day.setdefault(day, {"follows": 0, "blocks": 0, "links": 0})
    ordered = sorted(per_day.items())
    return {
        "days": [day for day, _ in ordered],
        "rows": [{"day": day, **counts} for day, counts in ordered],
        "friends": report["friends"],
        "linked": report["linked"],
        "linked_share": report["linked_share"],
    }


def quota_now() -> Quota | None:
    """Return this month's LINE quota and usage, or None if LINE does not answer."""
    try:
        return read_quota()
    except (LineApiError, OSError) as exc:
        log.warning("quota not read", extra={"error": type(exc).__name__})
        return None


def last_sends_with_conversion(limit: int = 10) -> list[dict[str, Any]]:
    """Return the newest sends with recipients, clicks, conversions and revenue."""
    sends = recent_sends(limit)
    totals = campaign_totals([f"segment:{send.id}" for send in sends])
    rows = []
    for send in sends:
        counts = totals[f"segment:{send.id}"]
        # The frozen audience; the roll-up's count until the list is frozen.
        recipients = send.recipient_count or counts["recipients"]
        rows.append(
            {
                "id": send.id,
                "status": send.status,
                "coupon": send.coupon_id,
                "created_at": send.created_at,
                "recipients": recipients,
                "delivered": counts["delivered"],
                "clicked": counts["clickers"],
                "converted": counts["converted"],
                "revenue": counts["revenue"],
                "rate": counts["converted"] / recipients if recipients else None,
            }
        )
    return rows
