"""Checkouts from the online shop, and the carts abandoned without an order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from bot.ec.models import Checkout
from bot.ec.service import BadOrder, Order, _moment, _yen, find_member_for_order
from bot.extensions import db
from bot.members.models import Member


@dataclass(frozen=True)
class CheckoutUpdate:
    """What the bot needs from a checkout create/update webhook."""

    token: str
    email: str | None
    member_no: str | None
    recovery_url: str | None
    amount: int
    updated_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class AbandonedCart:
    """A known customer's checkout that no order followed in time."""

    line_user_id: int
    token: str
    abandoned_at: datetime
    recovery_url: str


def parse_checkout(document: dict[str, Any], now: datetime) -> CheckoutUpdate:
    """Read a Shopify checkout webhook (checkouts/create, checkouts/update)."""
    token = document.get("token") or document.get("id")
    if not isinstance(token, int | str) or not str(token).strip():
        raise BadOrder("checkout token is missing")
    amount = 0
    for field in ("subtotal_price", "total_price"):
        if document.get(field) is not None:
            amount = _yen(document[field])
            break
    customer = document.get("customer") or {}
    email = document.get("email")
    if not email and isinstance(customer, dict):
        email = customer.get("email")
    if isinstance(email, str):
        email = email.strip()[:254] or None
    member_no = None
    attributes = document.get("note_attributes") or []
    if not isinstance(attributes, list):
        raise BadOrder("note_attributes is not a list")
    for attribute in attributes:
        if isinstance(attribute, dict) and attribute.get("name") in (
            "member_no",
            "会員番号",
        ):
            member_no = str(attribute.get("value") or "").strip() or None
    url = document.get("abandoned_checkout_url")
    if url is not None and (not isinstance(url, str) or not url.startswith("https://")):
        raise BadOrder("abandoned_checkout_url must be an https URL")
    completed = document.get("completed_at")
    return CheckoutUpdate(
        token=str(token).strip()[:64],
        email=email if isinstance(email, str) else None,
        member_no=member_no,
        recovery_url=url[:1000] if url else None,
        amount=amount,
        updated_at=_moment(document.get("updated_at"), now, now),
        completed_at=_moment(completed, now, now) if completed else None,
    )


def record_checkout(update: CheckoutUpdate) -> Checkout:
    """Create or update the checkout; the newest update wins, completion sticks."""
    checkout = db.session.scalar(select(Checkout).where(Checkout.token == update.token))
    member = find_member_for_order(Order("", 0, update.email, update.member_no))
    if checkout is None:
        checkout = Checkout(token=update.token, updated_at=update.updated_at)
        db.session.add(checkout)
    elif update.updated_at < checkout.updated_at:
        return checkout  # an older update delivered late
    checkout.updated_at = update.updated_at
    checkout.email = update.email or checkout.email
    checkout.member_id = member.id if member is not None else checkout.member_id
    checkout.recovery_url = update.recovery_url or checkout.recovery_url
    checkout.amount = update.amount
    checkout.completed_at = checkout.completed_at or update.completed_at
    db.session.flush()
    return checkout


def complete_checkout(token: str | None, order_id: str, now: datetime) -> None:
    """Mark the checkout an order came from as completed (no cart reminder)."""
    if not token:
        return
    checkout = db.session.scalar(select(Checkout).where(Checkout.token == token))
    if checkout is not None and checkout.completed_at is None:
        checkout.completed_at = now
        checkout.order_id = order_id
        db.session.flush()


def claim_abandoned_checkouts(now: datetime) -> list[AbandonedCart]:
    """Return known customers' checkouts with no order in time, once each."""
    minutes = current_app.config["SETTINGS"].CART_ABANDON_MINUTES
    cutoff = now - timedelta(minutes=minutes)
    rows = db.session.execute(
        select(Checkout, Member.line_user_id)
        .join(Member, Member.id == Checkout.member_id)
        .where(
            Checkout.completed_at.is_(None),
            Checkout.abandoned_at.is_(None),
            Checkout.updated_at <= cutoff,
            Checkout.recovery_url.is_not(None),
            Member.line_user_id.is_not(None),
        )
        .with_for_update(of=Checkout, skip_locked=True)
    ).all()
    carts = []
    for checkout, user_id in rows:
        checkout.abandoned_at = now
        assert checkout.recovery_url is not None
        carts.append(
            AbandonedCart(
                user_id,
                checkout.token,
                checkout.updated_at + timedelta(minutes=minutes),
                checkout.recovery_url,
            )
        )
    db.session.flush()
    return carts
