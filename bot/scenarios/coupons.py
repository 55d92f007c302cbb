"""A scenario step's coupon, issued through the coupons domain when it is there.

The coupons domain (issue 17) offers `issue_coupon` and `coupon_message`; a
checkout without it still runs scenarios, and a step's coupon is then left
out with a warning in the log (and `scenarios load` says so).
"""

from __future__ import annotations

import importlib.util
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.scenarios.models import Enrollment
from bot.yaml_files import read_yaml

log = logging.getLogger(__name__)

COUPONS_FILE = Path(__file__).resolve().parents[2] / "coupons" / "coupons.yaml"


def available() -> bool:
    """Tell whether the coupons domain can issue coupons."""
    return importlib.util.find_spec("bot.coupons.service") is not None


def known_coupon_ids(path: Path | None = None) -> set[str] | None:
    """Return the coupon ids in coupons.yaml, or None when there is no file.

    Raise UnreadableYaml (or UnicodeDecodeError) when it cannot be read.
    """
    path = path or COUPONS_FILE
    if not path.exists():
        return None
    document = read_yaml(path.read_text(encoding="utf-8")) or {}
    entries = document.get("coupons", []) if isinstance(document, dict) else document
    return {
        str(entry["id"])
        for entry in entries or []
        if isinstance(entry, dict) and "id" in entry
    }


def issue_for_step(
    user_id: int, coupon_id: str, now: datetime, enrollment: Enrollment
) -> dict[str, Any] | None:
    """Issue the step's coupon and return its message, or None when none is issued."""
    if not available():
        log.warning(
            "scenario coupon skipped: the coupons domain is not installed",
            extra={"scenario": enrollment.scenario_id, "coupon": coupon_id},
        )
        return None
    from bot.coupons.service import coupon_message, issue_coupon

    coupon = issue_coupon(
        user_id, coupon_id, now, source=f"scenario:{enrollment.scenario_id}"
    )
    if coupon is None:
        log.info(
            "scenario coupon not issued (limit reached or inactive)",
            extra={"scenario": enrollment.scenario_id, "coupon": coupon_id},
        )
        return None
    return coupon_message(coupon)
