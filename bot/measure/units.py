"""customAggregationUnits: one per segment send, and per scenario step and variant.

LINE counts the distinct unit names used in a calendar month against a limit
(AGGREGATION_UNITS_PER_MONTH, 1,000 by LINE's documentation). Past it, messages
go out without a unit: they are delivered, and their opens are reported unknown.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from bot.extensions import db
from bot.measure.models import UnitStats

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def unit_name(campaign: str, variant: str = "", step_no: int | None = None) -> str:
    """Return the unit name (at most 30 of [A-Za-z0-9_]) of a campaign part."""
    kind, _, ident = campaign.partition(":")
    if kind == "segment":
        return f"seg_{ident}"[:30]
    digest = hashlib.sha1(ident.encode()).hexdigest()[:8]
    tail = _UNSAFE.sub("_", variant)[:12]
    return f"sc_{digest}_{step_no or 0}_{tail}"[:30]


def _month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def claim_unit(
    campaign: str, variant: str, step_no: int | None, moment: datetime
) -> str | None:
    """Return the unit for a send (flush), or None past the month's limit."""
    name = unit_name(campaign, variant, step_no)
    row = db.session.get(UnitStats, name)
    if row is not None and row.first_used_at >= _month_start(moment):
        return name
    limit = current_app.config["SETTINGS"].AGGREGATION_UNITS_PER_MONTH
    used = db.session.scalar(
        select(func.count())
        .select_from(UnitStats)
        .where(UnitStats.first_used_at >= _month_start(moment))
    )
    if used >= limit:
        log.warning(
            "LINE's monthly aggregation unit limit reached: sending without a unit",
            extra={"campaign": campaign, "limit": limit},
        )
        return None
    if row is None:
        db.session.add(
            UnitStats(
                unit=name,
                campaign=campaign,
                variant=variant,
                step_no=step_no,
                first_used_at=moment,
            )
        )
    else:
        row.first_used_at = moment
    db.session.flush()
    return name
