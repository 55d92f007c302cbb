"""Per-unit statistics and the month's aggregation unit usage."""

from __future__ import annotations

import re
import time
from typing import Any

from flask import Blueprint, request

from line_emulator.api.common import current_platform
from line_emulator.errors import LineApiError
from line_emulator.insight import UNIT_NAME, parse_period

bp = Blueprint("insight", __name__)
_DATE = re.compile(r"^[0-9]{8}$")


@bp.get("/v2/bot/insight/message/event/aggregation")
def statistics_per_unit() -> Any:
    """Answer a unit's statistics for a period; counts under 20 are null."""
    unit = request.args.get("customAggregationUnit", "")
    start, end = request.args.get("from", ""), request.args.get("to", "")
    details = []
    if not UNIT_NAME.match(unit):
        details.append({"message": "invalid", "property": "customAggregationUnit"})
    for name, value in (("from", start), ("to", end)):
        if not _DATE.match(value):
            details.append({"message": "must be yyyyMMdd", "property": name})
    if details:
        raise LineApiError(400, "The request body has 1 error(s)", details=details)
    period = parse_period(start, end)
    if isinstance(period, str):
        raise LineApiError(400, period)
    return current_platform().state.units.report(unit, *period)


@bp.get("/v2/bot/message/aggregation/info")
def units_used() -> Any:
    """Answer how many aggregation units were used this month."""
    count = current_platform().state.units.units_this_month(time.time())
    return {"numOfCustomAggregationUnits": count}
