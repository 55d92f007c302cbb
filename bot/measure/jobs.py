"""Measurement jobs: count new clicks each minute, pull LINE's statistics daily."""

from __future__ import annotations

import logging

from bot.extensions import db, get_redis
from bot.jobs import enqueue
from bot.marketing.rules import local_day
from bot.measure.insight import sync_units
from bot.measure.service import count_clicks
from bot.models_base import utcnow

log = logging.getLogger(__name__)


def count_new_clicks() -> None:
    """Each minute, add the clicks not yet counted to the daily roll-up."""
    while True:
        counted = count_clicks()
        db.session.commit()
        if not counted:
            return


def sync_statistics_daily() -> None:
    """Once a local day (first worker to ask), queue the statistics pull."""
    day = local_day(utcnow()).isoformat()
    if get_redis().set(f"measure:stats-sync:{day}", "1", nx=True, ex=2 * 86400):
        enqueue(sync_statistics)


def sync_statistics() -> None:
    """Pull LINE's per-unit statistics of the units used in the last 30 days."""
    synced = sync_units()
    log.info("aggregation units synced", extra={"units": synced})
