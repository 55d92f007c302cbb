"""Online shop rules: Shopify-style webhook signatures, orders and fulfillments."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from bot.members.models import Member
from bot.members.numbers import is_valid_member_no
from bot.members.service import member_by_email, member_by_no

MEMBER_NO_ATTRIBUTES = ("member_no", "会員番号")


class BadOrder(ValueError):
    """The webhook body lacks what we need (an id, an amount)."""


@dataclass(frozen=True)
class Order:
    """What the bot needs from an order webhook."""

    order_id: str
    amount: int
    email: str | None
    member_no: str | None
    # (code, yen off) of each discount code the shop applied.
    discount_codes: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Fulfillment:
    """What the bot needs from a fulfillment webhook."""

    order_id: str
    shipped_at: datetime
    delivered_at: datetime | None


def signature_is_valid(secret: str, body: bytes, signature: str | None) -> bool:
    """Check X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the raw body)."""
    if not secret or not signature:
        return False
    expected = base64.b64encode(
        hmac.new(secret.encode(), body, hashlib.sha256).digest()
    ).decode()
    return hmac.compare_digest(expected, signature.strip())


def _yen(value: Any) -> int:
    try:
        amount = Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_DOWN)
    except InvalidOperation as exc:
        raise BadOrder("price is not a number") from exc
    if amount < 0:
        raise BadOrder("price is negative")
    return int(amount)


def parse_order(document: dict[str, Any]) -> Order:
    """Read an order webhook; points are earned on the subtotal (no shipping)."""
    order_id = document.get("id")
    if not isinstance(order_id, int | str) or not str(order_id).strip():
        raise BadOrder("order id is missing")
    for field in ("current_subtotal_price", "subtotal_price", "total_price"):
        if document.get(field) is not None:
            amount = _yen(document[field])
            break
    else:
        raise BadOrder("order has no price")
    customer = document.get("customer") or {}
    email = document.get("email") or document.get("contact_email")
    email = email or (customer.get("email") if isinstance(customer, dict) else None)
    member_no = None
    for attribute in document.get("note_attributes") or []:
        if (
            isinstance(attribute, dict)
            and attribute.get("name") in MEMBER_NO_ATTRIBUTES
        ):
            member_no = str(attribute.get("value") or "").strip() or None
    codes = []
    for entry in document.get("discount_codes") or []:
        if isinstance(entry, dict) and isinstance(entry.get("code"), str):
            try:
                off = _yen(entry.get("amount") or 0)
            except BadOrder:
                off = 0
            codes.append((entry["code"].strip()[:64], off))
    return Order(
        str(order_id).strip()[:64], amount, email, member_no, tuple(codes[:20])
    )


def find_member_for_order(order: Order) -> Member | None:
    """Find the member by member number first, then by e-mail address."""
    if order.member_no and is_valid_member_no(order.member_no):
        member = member_by_no(order.member_no)
        if member is not None:
            return member
    if order.email:
        return member_by_email(order.email)
    return None


def _moment(value: Any, fallback: datetime) -> datetime:
    if not isinstance(value, str):
        return fallback
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    return moment if moment.tzinfo else fallback


def parse_fulfillment(document: dict[str, Any], now: datetime) -> Fulfillment:
    """Read a fulfillment webhook: shipped now or then, delivered if it says so."""
    order_id = document.get("order_id")
    if not isinstance(order_id, int | str) or not str(order_id).strip():
        raise BadOrder("order_id is missing")
    shipped_at = _moment(document.get("created_at"), now)
    delivered_at = None
    if document.get("shipment_status") == "delivered":
        delivered_at = _moment(document.get("updated_at"), now)
    return Fulfillment(str(order_id).strip()[:64], shipped_at, delivered_at)
