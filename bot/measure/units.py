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
        tail = f"_{_UNSAFE.sub('_', variant)[:12]}" if variant else ""
        return f"seg_{ident}{tail}"[:30]
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


def scenario_units(
    step_send_ids: list[int], batch_ids: list[int], moment: datetime
) -> tuple[dict[int, str | None], dict[int, str | None]]:
    """Return the unit of each step send and each batch: its scenario, step, variant."""
    from bot.scenarios.models import SendBatch, StepSend

    claimed: dict[tuple[str, int, str], str | None] = {}

    def unit(scenario_id: str, step_no: int, variant: str) -> str | None:
        key = (scenario_id, step_no, variant)
        if key not in claimed:
            claimed[key] = claim_unit(
                f"scenario:{scenario_id}", variant, step_no, moment
            )
        return claimed[key]

    by_send: dict[int, str | None] = {}
    if step_send_ids:
        rows = db.session.execute(
            select(
                StepSend.id, StepSend.scenario_id, StepSend.step_no, StepSend.variant
            ).where(StepSend.id.in_(step_send_ids))
        ).all()
        by_send = {
            row.id: unit(row.scenario_id, row.step_no, row.variant) for row in rows
        }
    by_batch: dict[int, str | None] = {}
    if batch_ids:
        rows = db.session.execute(
            select(
                SendBatch.id,
                SendBatch.scenario_id,
                SendBatch.step_no,
                SendBatch.variant,
            ).where(SendBatch.id.in_(batch_ids))
        ).all()
        by_batch = {
            row.id: unit(row.scenario_id, row.step_no, row.variant) for row in rows
        }
    db.session.commit()
    return by_send, by_batch
