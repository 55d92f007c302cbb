"""Purchase rules for both channels: record once, points, refunds, shipments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select, update

from bot.extensions import db
from bot.members.models import Member
from bot.points.service import (
    Reversal,
    award_points,
    lock_member_points,
    points_for_amount,
    redeem_points,
    reverse_points,
)
from bot.purchases.models import ONLINE, STORE, Purchase
from bot.stores.models import Store
from bot.stores.service import local_date, record_store_visit

ONLINE_ORIGIN = "shop"
REFUNDED = "refunded"


class UnknownPurchase(LookupError):
    """No purchase with this receipt number or order id."""


@dataclass(frozen=True)
class Recorded:
    """A purchase and whether this call created it (False: a repeat)."""

    purchase: Purchase
    created: bool


def ledger_reference(purchase: Purchase) -> str:
    """Return the ledger reference of a purchase: `pos:<store>:<receipt>`, `ec:<id>`."""
    if purchase.channel == STORE:
        return f"pos:{purchase.origin}:{purchase.reference}"
    return f"ec:{purchase.reference}"


def find_purchase(channel: str, origin: str, reference: str) -> Purchase | None:
    """Return the purchase with this identity, if recorded."""
    return db.session.scalar(
        select(Purchase).where(
            Purchase.channel == channel,
            Purchase.origin == origin,
            Purchase.reference == reference,
        )
    )


def record_store_purchase(
    member: Member,
    store: Store,
    receipt_no: str,
    amount: int,
    points_used: int,
    now: datetime,
    discount: int = 0,
    items: list[dict[str, Any]] | None = None,
) -> Recorded:
    """Record a register sale once per store and receipt: points and a visit.

    Points are earned on what was paid after coupons and points
    (`amount - discount - points_used`).
    Raises NotEnoughPoints when the balance does not cover `points_used`.
    """
    if not 0 <= discount <= amount or not 0 <= points_used <= amount - discount:
        raise ValueError("discount and points_used must fit in the amount")
    lock_member_points(member.id)
    existing = find_purchase(STORE, store.code, receipt_no)
    if existing is not None:
        return Recorded(existing, created=False)
    delay = timedelta(minutes=current_app.config["SETTINGS"].THANKS_DELAY_MINUTES)
    purchase = Purchase(
        member_id=member.id,
        line_user_id=member.line_user_id,
        channel=STORE,
        origin=store.code,
        reference=receipt_no,
        amount=amount,
        points_used=points_used,
        discount=discount,
        points_earned=points_for_amount(amount - discount - points_used),
        purchased_at=now,
        created_at=now,
        thanks_due_at=now + delay,
    )
    db.session.add(purchase)
    db.session.flush()
    reference = ledger_reference(purchase)
    redeem_points(member.id, points_used, reference, now, store.code)
    award_points(member.id, purchase.points_earned, reference, now, store.code)
    record_store_visit(store.id, local_date(now), "pos", member_id=member.id)
    _fire_purchase(member.line_user_id, member.id, purchase, items)
    return Recorded(purchase, created=True)


def record_guest_store_purchase(
    user_id: int,
    store: Store,
    receipt_no: str,
    amount: int,
    now: datetime,
    discount: int,
) -> Recorded:
    """Record a guest's register sale once per store and receipt: no points.

    A guest (a LINE user who is no member) pays with a coupon they hold; the
    sale names their LINE user so measurement can credit it, and counts a visit.
    There is no thank-you: it would tell them points they did not earn.
    """
    if not 0 <= discount <= amount:
        raise ValueError("discount must fit in the amount")
    existing = find_purchase(STORE, store.code, receipt_no)
    if existing is not None:
        return Recorded(existing, created=False)
    purchase = Purchase(
        member_id=None,
        line_user_id=user_id,
        channel=STORE,
        origin=store.code,
        reference=receipt_no,
        amount=amount,
        points_used=0,
        discount=discount,
        points_earned=0,
        purchased_at=now,
        created_at=now,
    )
    db.session.add(purchase)
    db.session.flush()
    record_store_visit(store.id, local_date(now), "pos", line_user_id=user_id)
    _fire_purchase(user_id, None, purchase, None)
    return Recorded(purchase, created=True)


def move_guest_purchases(user_id: int, member_id: int) -> int:
    """Give a member the sales their LINE user made as a guest; return how many.

    The history moves; points do not: a guest sale earned none, and its
    receipt was settled with the coupon's discount.
    """
    moved = db.session.execute(
        update(Purchase)
        .where(Purchase.line_user_id == user_id, Purchase.member_id.is_(None))
        .values(member_id=member_id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return moved.rowcount


def record_online_order(
    member: Member,
    order_id: str,
    amount: int,
    now: datetime,
    discount: int = 0,
    items: list[dict[str, Any]] | None = None,
) -> Recorded:
    """Record an online order once per order id and award its points.

    `amount` is what was paid (the shop's subtotal after its discounts);
    `discount` is the coupons' share of those discounts, kept for the figures.
    """
    lock_member_points(member.id)
    existing = find_purchase(ONLINE, ONLINE_ORIGIN, order_id)
    if existing is not None:
        return Recorded(existing, created=False)
    purchase = Purchase(
        member_id=member.id,
        line_user_id=member.line_user_id,
        channel=ONLINE,
        origin=ONLINE_ORIGIN,
        reference=order_id,
        amount=amount,
        points_used=0,
        discount=discount,
        points_earned=points_for_amount(amount),
        purchased_at=now,
        created_at=now,
        # The order thank-you goes out at once; store thanks wait a little.
        thanks_due_at=now,
    )
    db.session.add(purchase)
    db.session.flush()
    award_points(member.id, purchase.points_earned, ledger_reference(purchase), now)
    _fire_purchase(member.line_user_id, member.id, purchase, items)
    return Recorded(purchase, created=True)


def _fire_purchase(
    user_id: int | None,
    member_id: int | None,
    purchase: Purchase,
    items: list[dict[str, Any]] | None,
) -> None:
    """Credit the purchase to the LINE user's messages, and let scenarios see it
    (and whether it is the first) after commit; a member without LINE has neither."""
    if user_id is None:
        return
    from bot.measure.service import record_purchase

    record_purchase(user_id, purchase)
    from bot.scenarios.triggers import fire_event

    mine = Purchase.line_user_id == user_id
    if member_id is not None:
        mine = or_(mine, Purchase.member_id == member_id)
    count = db.session.scalar(select(func.count()).where(mine))
    context = {
        "channel": purchase.channel,
        "first": count == 1,
        "purchase_count": count,
        "items": [
            {"sku": item.get("sku"), "category": item.get("category")}
            for item in items or []
        ],
    }
    fire_event(
        "purchase",
        user_id,
        str(purchase.id),
        purchase.purchased_at,
        context,
    )


def refund_store_purchase(
    store: Store, receipt_no: str, now: datetime
) -> tuple[Purchase, Reversal]:
    """Reverse a receipt's points (idempotent) and mark the purchase refunded."""
    purchase = find_purchase(STORE, store.code, receipt_no)
    if purchase is None:
        raise UnknownPurchase(receipt_no)
    if purchase.member_id is None:  # a guest's sale moved no points
        reversal = Reversal(restored=0, taken_back=0, not_recovered=0)
    else:
        reversal = reverse_points(
            purchase.member_id,
            ledger_reference(purchase),
            purchase.points_used,
            purchase.points_earned,
            now,
            store.code,
        )
    if purchase.status != REFUNDED:
        purchase.status = REFUNDED
        purchase.refunded_at = now
    db.session.flush()
    return purchase, reversal


def record_shipment(
    order_id: str, shipped_at: datetime, delivered_at: datetime | None
) -> Purchase:
    """Record an order's shipment; once delivered, schedule the review request."""
    purchase = find_purchase(ONLINE, ONLINE_ORIGIN, order_id)
    if purchase is None:
        raise UnknownPurchase(order_id)
    purchase.shipped_at = purchase.shipped_at or shipped_at
    if delivered_at is not None and purchase.delivered_at is None:
        days = current_app.config["SETTINGS"].REVIEW_REQUEST_DAYS
        purchase.delivered_at = delivered_at
        purchase.review_due_at = delivered_at + timedelta(days=days)
    db.session.flush()
    return purchase


def due_follow_ups(now: datetime) -> tuple[list[int], list[int]]:
    """Return ids of purchases whose thank-you, and whose review request, are due."""
    thanks = db.session.scalars(
        select(Purchase.id).where(
            Purchase.thanks_due_at <= now, Purchase.thanked_at.is_(None)
        )
    )
    reviews = db.session.scalars(
        select(Purchase.id).where(
            Purchase.review_due_at <= now, Purchase.review_requested_at.is_(None)
        )
    )
    return list(thanks), list(reviews)
