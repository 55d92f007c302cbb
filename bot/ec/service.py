"""Online shop rules: Shopify-style webhook signatures, orders and fulfillments."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from bot.members.models import Member
from bot.members.numbers import is_valid_member_no
from bot.members.service import member_by_no, member_by_proven_email
from bot.requests import UNSTORABLE_CHARACTER

MEMBER_NO_ATTRIBUTES = ("member_no", "会員番号")
# An order above this is a mistake or an attack, never a sale (the register's cap).
MAX_ORDER_YEN = 100_000_000


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
    items: tuple[dict[str, Any], ...] = ()
    checkout_token: str | None = None


@dataclass(frozen=True)
class Fulfillment:
    """What the bot needs from a fulfillment webhook."""

    order_id: str
    shipped_at: datetime
    delivered_at: datetime | None


def signature_is_valid(secret: str, body: bytes, signature: str | None) -> bool:
    """Check X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the raw body)."""
    if not secret or not signature or not signature.isascii():
        return False
    expected = base64.b64encode(
        hmac.new(secret.encode(), body, hashlib.sha256).digest()
    ).decode()
    return hmac.compare_digest(expected, signature.strip())


def _yen(value: Any) -> int:
    # Shopify sends prices as decimal strings; plain JSON numbers pass too.
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadOrder("price is not a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise BadOrder("price is not a number") from exc
    if not amount.is_finite():
        raise BadOrder("price is not a number")
    if amount < 0 or amount > MAX_ORDER_YEN:
        raise BadOrder("price is out of range")
    return int(amount.quantize(Decimal(1), rounding=ROUND_DOWN))


def _text(value: Any, what: str, max_length: int, numbers: bool = False) -> str | None:
    """Return a storable string, None for a missing one; refuse anything else."""
    if value is None or value == "":
        return None
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # Shopify's ids are JSON numbers
    if not isinstance(value, str):
        raise BadOrder(f"{what} is not a string")
    # PostgreSQL stores neither NUL nor lone surrogates.
    if UNSTORABLE_CHARACTER.search(value) or len(value) > max_length:
        raise BadOrder(f"{what} is not valid")
    return value.strip() or None


def _order_id(value: Any, field: str) -> str:
    order_id = _text(value, field, 64, numbers=True)
    if order_id is None:
        raise BadOrder(f"{field} is missing")
    return order_id


def parse_order(document: dict[str, Any]) -> Order:
    """Read an order webhook; points are earned on the subtotal (no shipping)."""
    order_id = _order_id(document.get("id"), "order id")
    for field in ("current_subtotal_price", "subtotal_price", "total_price"):
        if document.get(field) is not None:
            amount = _yen(document[field])
            break
    else:
        raise BadOrder("order has no price")
    customer = document.get("customer") or {}
    if not isinstance(customer, dict):
        raise BadOrder("customer is not an object")
    email = (
        _text(document.get("email"), "email", 254)
        or _text(document.get("contact_email"), "contact_email", 254)
        or _text(customer.get("email"), "customer email", 254)
    )
    attributes = document.get("note_attributes") or []
    if not isinstance(attributes, list):
        raise BadOrder("note_attributes is not a list")
    member_no = None
    for attribute in attributes:
        if (
            isinstance(attribute, dict)
            and attribute.get("name") in MEMBER_NO_ATTRIBUTES
        ):
            value = attribute.get("value")
            member_no = _text(value, "member number", 32, numbers=True)
    lines = document.get("line_items") or []
    if not isinstance(lines, list):
        raise BadOrder("line_items is not a list")
    items = tuple(
        {
            "sku": str(line.get("sku") or "")[:64] or None,
            "category": str(line.get("product_type") or "")[:64] or None,
        }
        for line in lines
        if isinstance(line, dict)
    )
    token = document.get("checkout_token")
    codes = []
    discount_codes = document.get("discount_codes") or []
    if not isinstance(discount_codes, list):
        raise BadOrder("discount_codes is not a list")
    for entry in discount_codes[:20]:
        if not isinstance(entry, dict):
            continue
        code = _text(entry.get("code"), "discount code", 64)
        if code is None:
            continue
        try:
            off = _yen(entry.get("amount") or 0)
        except BadOrder:
            off = 0
        codes.append((code, off))
    return Order(
        order_id,
        amount,
        email,
        member_no,
        tuple(codes),
        items,
        str(token)[:64] if isinstance(token, str | int) and str(token) else None,
    )


def find_member_for_order(order: Order) -> Member | None:
    """Find the member by member number first, then by proven e-mail address."""
    if order.member_no and is_valid_member_no(order.member_no):
        member = member_by_no(order.member_no)
        if member is not None:
            return member
    if order.email:
        # Only a proven address: anyone can type someone else's at registration.
        return member_by_proven_email(order.email)
    return None


# The shop did not exist before this; an earlier time is a broken clock or a probe.
EARLIEST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)


def _moment(value: Any, fallback: datetime, now: datetime) -> datetime:
    """Read the shop's ISO time (fallback without one); never later than now.

    A time no database column can hold (year 1 or 9999 with an offset) was a
    500 when stored or added to; it is refused as a bad body instead.
    """
    if not isinstance(value, str):
        return fallback
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    if moment.tzinfo is None:
        return fallback
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise BadOrder(f"{value!r} is not a time we can store") from None
    if moment < EARLIEST_MOMENT:
        raise BadOrder(f"{value!r} is before {EARLIEST_MOMENT.year}")
    # A clock far ahead of ours is not believed.
    return min(moment, now)


def order_time(document: dict[str, Any], now: datetime) -> datetime:
    """Return when the order was placed: processed_at, else created_at, else now."""
    created = _moment(document.get("created_at"), now, now)
    return _moment(document.get("processed_at"), created, now)


def parse_fulfillment(document: dict[str, Any], now: datetime) -> Fulfillment:
    """Read a fulfillment webhook: shipped now or then, delivered if it says so."""
    order_id = _order_id(document.get("order_id"), "order_id")
    shipped_at = _moment(document.get("created_at"), now, now)
    delivered_at = None
    if document.get("shipment_status") == "delivered":
        delivered_at = _moment(document.get("updated_at"), now, now)
    return Fulfillment(order_id, shipped_at, delivered_at)
