"""Background jobs: a customer's event, due steps, and the minute sweep."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.extensions import db, get_redis
from bot.models_base import utcnow
from bot.scenarios.running import run_due
from bot.scenarios.triggers import apply_event, evaluate_time_triggers

log = logging.getLogger(__name__)

SWEEP_LOCK_SECONDS = 55


def handle_customer_event(
    event: str, user_id: int, occurrence: str, at: str, context: dict
) -> None:
    """Apply an event's exits and enrollments, then send steps due right away."""
    new_ids = apply_event(
        event, user_id, occurrence, datetime.fromisoformat(at), context
    )
    db.session.commit()
    if new_ids:
        run_due(utcnow(), enrollment_ids=new_ids, resume=False)


def sweep_scenarios() -> None:
    """Each minute: enroll by time-based triggers, then run every due step.

    One worker process does it at a time; customer-wide triggers (dormant,
    birthday month, points expiring) are looked at once an hour.
    """
    redis = get_redis()
    if not redis.set("scenarios:sweep", 1, nx=True, ex=SWEEP_LOCK_SECONDS):
        return
    now = utcnow()
    heavy = bool(redis.set(f"scenarios:hourly:{now:%Y%m%d%H}", 1, nx=True, ex=2 * 3600))
    try:
        evaluate_time_triggers(now, heavy=heavy)
        db.session.commit()
        run_due(now)
    finally:
        redis.delete("scenarios:sweep")
