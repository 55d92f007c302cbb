"""POST /webhooks/ec/orders, /checkouts and /fulfillments (Shopify-style)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from bot.coupons.redemption import redeem_online_codes
from bot.ec.checkouts import complete_checkout, parse_checkout, record_checkout
from bot.ec.service import (
    BadOrder,
    Order,
    find_member_for_order,
    order_time,
    parse_fulfillment,
    parse_order,
    signature_is_valid,
)
from bot.extensions import db
from bot.members.models import Member
from bot.models_base import utcnow
from bot.purchases.jobs import schedule_review_request, schedule_thanks
from bot.purchases.service import UnknownPurchase, record_online_order, record_shipment

log = logging.getLogger(__name__)
bp = Blueprint("ec", __name__, url_prefix="/webhooks/ec")


class Refused(Exception):
    """A webhook we answer with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@bp.errorhandler(Refused)
def _refused(exc: Refused) -> tuple[Response, int]:
    log.warning(
        "shop webhook refused", extra={"status": exc.status, "reason": exc.message}
    )
    return jsonify(error=exc.message), exc.status


def _signed_document() -> dict[str, Any]:
    body = request.get_data(cache=False)  # MAX_REQUEST_BYTES: 413 beyond
    secret = current_app.config["SETTINGS"].EC_WEBHOOK_SECRET
    if not signature_is_valid(
        secret, body, request.headers.get("X-Shopify-Hmac-Sha256")
    ):
        raise Refused(401, "invalid signature")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        # RecursionError: nesting deeper than the parser's stack allows.
        raise Refused(422, "body is not JSON") from None
    if not isinstance(document, dict):
        raise Refused(422, "body is not a JSON object")
    return document


@bp.post("/orders")
def order_webhook() -> tuple[Response, int]:
    """Record an online order of a member (once per order id) and its points."""
    document = _signed_document()
    now = utcnow()
    try:
        order = parse_order(document)
        placed = order_time(document, now)
    except BadOrder as exc:
        raise Refused(422, str(exc)) from None
    member = find_member_for_order(order)
    if member is None:
        _redeem_coupons(order, None, now)
        db.session.commit()
        log.info("shop order without a member", extra={"order": order.order_id})
        return jsonify(status="no_member"), 200
    try:
        discount = _redeem_coupons(order, member, now)
        recorded = record_online_order(
            member,
            order.order_id,
            order.amount,
            placed,
            discount,
            items=list(order.items),
        )
        complete_checkout(order.checkout_token, order.order_id, now)
        if recorded.created:
            schedule_thanks(recorded.purchase)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same order, delivered twice at once
        return jsonify(status="duplicate"), 200
    log.info(
        "shop order",
        extra={
            "order": order.order_id,
            "purchase": recorded.purchase.id,
            "new": recorded.created,
        },
    )
    return jsonify(status="recorded" if recorded.created else "duplicate"), 200


@bp.post("/checkouts")
def checkout_webhook() -> tuple[Response, int]:
    """Record a checkout (create or update) so an abandoned cart can be found."""
    document = _signed_document()
    try:
        update = parse_checkout(document, utcnow())
    except BadOrder as exc:
        raise Refused(422, str(exc)) from None
    try:
        checkout = record_checkout(update)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same new checkout, delivered twice at once
        return jsonify(status="duplicate"), 200
    known = checkout.member_id is not None
    log.info("shop checkout", extra={"checkout": checkout.id, "member": known})
    return jsonify(status="recorded" if known else "no_member"), 200


def _redeem_coupons(order: Order, member: Member | None, now: datetime) -> int:
    """Redeem the order's personal codes; flag refused ones; return yen taken off."""
    uses = redeem_online_codes(
        list(order.discount_codes), f"ec:{order.order_id}", now, member
    )
    for use in uses:
        if use.outcome == "refused":
            # The shop accepted a code we refuse (used, expired, another
            # customer's): staff must look.
            log.warning(
                "shop order flagged: coupon refused",
                extra={"order": order.order_id, "reason": use.reason, "flag": True},
            )
    return sum(use.discount for use in uses if use.outcome == "redeemed")


@bp.post("/fulfillments")
def fulfillment_webhook() -> tuple[Response, int]:
    """Record an order's shipment and, once delivered, plan the review request."""
    document = _signed_document()
    try:
        fulfillment = parse_fulfillment(document, utcnow())
        purchase = record_shipment(
            fulfillment.order_id, fulfillment.shipped_at, fulfillment.delivered_at
        )
    except BadOrder as exc:
        raise Refused(422, str(exc)) from None
    except UnknownPurchase:
        return jsonify(status="unknown_order"), 200
    schedule_review_request(purchase)
    db.session.commit()
    status = "delivered" if purchase.delivered_at else "shipped"
    log.info("shop fulfillment", extra={"purchase": purchase.id, "status": status})
    return jsonify(status=status), 200
