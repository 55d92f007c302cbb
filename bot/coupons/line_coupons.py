"""LINE's own coupon type: `line_coupon: true` entries created through LINE's API.

Such an entry has no personal codes: LINE holds the coupon, and `coupons issue`
sends it to the audience as a `coupon` message.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from bot.coupons.models import AMOUNT_OFF, PERCENT_OFF, CouponDefinition
from bot.extensions import db
from bot.line.client import line_client

log = logging.getLogger(__name__)

# LINE names time zones its own way; the shop's zone if LINE knows it.
LINE_TIMEZONES = {"Asia/Tokyo": "ASIA_TOKYO", "UTC": "EUROPE_LONDON"}


def line_coupon_body(definition: CouponDefinition, now: datetime) -> dict[str, Any]:
    """Return the /v2/bot/coupon request for a definition."""
    settings = current_app.config["SETTINGS"]
    if definition.valid_until is not None:
        end = datetime.combine(
            definition.valid_until + timedelta(days=1), time(), tzinfo=settings.timezone
        )
    else:
        end = now + timedelta(days=definition.valid_days or 1)
    if definition.kind == AMOUNT_OFF:
        price = {"type": "fixed", "fixedAmount": definition.value}
        reward: dict[str, Any] = {"type": "discount", "priceInfo": price}
    elif definition.kind == PERCENT_OFF:
        price = {"type": "percentage", "percentage": min(definition.value, 99)}
        reward = {"type": "discount", "priceInfo": price}
    else:
        reward = {"type": "free"}
    body: dict[str, Any] = {
        "title": definition.title[:60],
        "description": definition.description[:1000],
        "startTimestamp": int(now.timestamp()),
        "endTimestamp": int(end.timestamp()),
        "maxUseCountPerTicket": 1,
        "visibility": "UNLISTED",
        "timezone": LINE_TIMEZONES.get(settings.BOT_TIMEZONE, "ASIA_TOKYO"),
        "acquisitionCondition": {"type": "normal"},
        "reward": reward,
    }
    if definition.min_purchase:
        body["usageCondition"] = f"{definition.min_purchase:,}円以上のお買い物"
    if definition.image_url:
        body["imageUrl"] = definition.image_url
    return body


def create_line_coupons(now: datetime) -> list[str]:
    """Create on LINE every active line_coupon entry not created yet; commit each."""
    pending = list(
        db.session.scalars(
            select(CouponDefinition).where(
                CouponDefinition.active.is_(True),
                CouponDefinition.line_coupon.is_(True),
                CouponDefinition.line_coupon_id.is_(None),
            )
        )
    )
    created = []
    for definition in pending:
        definition.line_coupon_id = line_client().create_coupon(
            line_coupon_body(definition, now)
        )
        db.session.commit()
        log.info("LINE coupon created", extra={"coupon": definition.id})
        created.append(definition.id)
    return created


def line_coupon_messages(definition: CouponDefinition) -> list[dict[str, Any]]:
    """Return the `coupon` message that sends a LINE coupon."""
    if not definition.line_coupon_id:
        raise ValueError(f"coupon {definition.id} is not created on LINE yet")
    return [{"type": "coupon", "couponId": definition.line_coupon_id}]
