"""LINE's coupons: create, read and close; `coupon` messages must name one."""

from __future__ import annotations

import time
import uuid
from typing import Any

from flask import Blueprint

from line_emulator import errors
from line_emulator.api.common import current_platform, validated_body
from line_emulator.errors import LineApiError
from line_emulator.rule_checks import Problems

bp = Blueprint("coupons", __name__)


def _coupon_rules(problems: Problems, body: dict[str, Any]) -> None:
    start, end = body.get("startTimestamp"), body.get("endTimestamp")
    if isinstance(start, int) and isinstance(end, int) and end <= start:
        problems.add("endTimestamp", "Must be after startTimestamp")
    if isinstance(end, int) and end <= time.time():
        problems.add("endTimestamp", "Must be in the future")
    uses = body.get("maxUseCountPerTicket")
    if isinstance(uses, int) and uses not in (-1, 1):
        problems.add("maxUseCountPerTicket", "Must be 1 or -1")
    reward = body.get("reward")
    if isinstance(reward, dict) and reward.get("type") in ("discount", "cashBack"):
        if not isinstance(reward.get("priceInfo"), dict):
            problems.add("reward.priceInfo", "must be specified")


@bp.post("/v2/bot/coupon")
def create_coupon() -> Any:
    """Create a coupon (status RUNNING) and answer its id."""
    body = validated_body("CouponCreateRequest", _coupon_rules)
    coupon_id = uuid.uuid4().hex[:20]
    platform = current_platform()
    with platform.lock:
        platform.state.coupons[coupon_id] = {
            **body,
            "couponId": coupon_id,
            "status": "RUNNING",
            "createdTimestamp": int(time.time()),
        }
    return {"couponId": coupon_id}


@bp.get("/v2/bot/coupon/<coupon_id>")
def get_coupon(coupon_id: str) -> Any:
    """Answer a coupon's details."""
    coupon = current_platform().state.coupons.get(coupon_id)
    if coupon is None:
        raise errors.not_found()
    return coupon


@bp.put("/v2/bot/coupon/<coupon_id>/close")
def close_coupon(coupon_id: str) -> Any:
    """Close a coupon: it can no longer be sent."""
    platform = current_platform()
    with platform.lock:
        coupon = platform.state.coupons.get(coupon_id)
        if coupon is None:
            raise errors.not_found()
        coupon["status"] = "CLOSED"
    return {}


def check_coupon_messages(body: dict[str, Any]) -> None:
    """Refuse a `coupon` message naming no running coupon of this channel."""
    coupons = current_platform().state.coupons
    for index, message in enumerate(body.get("messages") or []):
        if isinstance(message, dict) and message.get("type") == "coupon":
            coupon = coupons.get(str(message.get("couponId")))
            if coupon is None or coupon["status"] != "RUNNING":
                raise LineApiError(
                    400, errors.invalid_property(f"messages[{index}].couponId")
                )
