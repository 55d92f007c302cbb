"""Redeeming personal coupons in a store or online: checks, discount, once only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from bot.coupons.models import (
    EXPIRED,
    PERCENT_OFF,
    USABLE,
    USED,
    WITHDRAWN,
    PersonalCoupon,
)
from bot.coupons.service import format_code, normalize_code
from bot.extensions import db
from bot.measure.service import record_redemption
from bot.members.models import Member


class CouponRefused(Exception):
    """A coupon cannot be applied; `reason` is a stable code for the caller."""

    reason = "refused"

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{format_code(code)}: {self.reason} {detail}".strip())
        self.code = format_code(code)
        self.detail = detail


class UnknownCoupon(CouponRefused):
    """No coupon has this code."""

    reason = "unknown_coupon"


class CouponUsed(CouponRefused):
    """The coupon was already used."""

    reason = "coupon_used"


class CouponExpired(CouponRefused):
    """The coupon's time is up."""

    reason = "coupon_expired"


class CouponNotApplicable(CouponRefused):
    """The coupon is not valid here: channel, store, minimum, owner or withdrawn."""

    def __init__(self, code: str, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(code, detail)


@dataclass(frozen=True)
class Applied:
    """One coupon that will be redeemed, and the discount it gives."""

    coupon: PersonalCoupon
    discount: int


def discount_for(kind: str, value: int, amount: int) -> int:
    """Return the yen a coupon takes off an amount (never more than the amount)."""
    if kind == PERCENT_OFF:
        return min(amount, amount * value // 100)
    # amount_off and free_item (the item's price in yen) take their value off.
    return min(amount, value)


def check_coupons(
    codes: list[str],
    *,
    member_id: int | None,
    user_id: int | None,
    channel: str,
    store_code: str | None,
    amount: int,
    now: datetime,
) -> list[Applied]:
    """Return the discounts of the coupons, or raise why one cannot be used.

    Nothing is written: the caller claims them with `claim_coupons` in the
    same transaction as the sale.
    """
    applied: list[Applied] = []
    remaining = amount
    seen: set[str] = set()
    for raw in codes:
        code = normalize_code(raw)
        if code in seen:
            raise CouponNotApplicable(code, "duplicate_coupon")
        seen.add(code)
        coupon = db.session.scalar(
            select(PersonalCoupon).where(PersonalCoupon.code == code)
        )
        if coupon is None:
            raise UnknownCoupon(code)
        if not _belongs(coupon, member_id, user_id):
            raise CouponNotApplicable(code, "not_your_coupon")
        status = coupon.status_at(now)
        if status == USED:
            raise CouponUsed(code)
        if status == EXPIRED:
            raise CouponExpired(code)
        if status == WITHDRAWN:
            raise CouponNotApplicable(code, "coupon_withdrawn")
        definition = coupon.definition
        if channel not in definition.channels:
            raise CouponNotApplicable(code, "wrong_channel", channel)
        if (
            channel == "store"
            and definition.stores
            and store_code not in (definition.stores)
        ):
            raise CouponNotApplicable(code, "wrong_store", store_code or "")
        if definition.min_purchase and amount < definition.min_purchase:
            raise CouponNotApplicable(
                code, "below_min_purchase", str(definition.min_purchase)
            )
        discount = discount_for(definition.kind, definition.value, remaining)
        remaining -= discount
        applied.append(Applied(coupon, discount))
    return applied


def _belongs(
    coupon: PersonalCoupon, member_id: int | None, user_id: int | None
) -> bool:
    if coupon.member_id is not None:
        return coupon.member_id == member_id
    return user_id is not None and coupon.line_user_id == user_id


def claim_coupons(
    applied: list[Applied],
    *,
    channel: str,
    store_code: str | None,
    reference: str,
    now: datetime,
) -> None:
    """Mark the coupons used by one sale; raise CouponUsed if one was taken first.

    One conditional UPDATE per coupon: of ten registers applying it at once,
    exactly one changes the row; the others roll back their whole sale.
    """
    for item in applied:
        if not _claim(item.coupon, item.discount, channel, store_code, reference, now):
            raise CouponUsed(item.coupon.code)
    db.session.flush()


def _claim(
    coupon: PersonalCoupon,
    discount: int,
    channel: str,
    store_code: str | None,
    reference: str,
    now: datetime,
) -> bool:
    """Mark a coupon used if it still is usable; False if another sale took it.

    A conditional UPDATE, not a locked read: SQLite has no row locks, and a
    read-then-write let parallel orders each take one single-use coupon.
    """
    claimed = db.session.execute(
        update(PersonalCoupon)
        .where(PersonalCoupon.id == coupon.id, PersonalCoupon.status == USABLE)
        .values(
            status=USED,
            used_at=now,
            used_channel=channel,
            used_store_code=store_code,
            used_reference=reference,
            discount=discount,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    record_redemption(coupon.line_user_id, coupon.code, now)
    return True


def coupons_used_by(reference: str) -> list[PersonalCoupon]:
    """Return the coupons a sale redeemed."""
    return list(
        db.session.scalars(
            select(PersonalCoupon).where(PersonalCoupon.used_reference == reference)
        )
    )


def restore_coupons(reference: str, now: datetime) -> list[PersonalCoupon]:
    """Make a refunded sale's coupons usable again; return those restored.

    One that has expired stays used. One whose coupon was withdrawn (or left
    coupons.yaml) since the sale comes back withdrawn, as its unused copies
    went: the refund must not revive what the marketer stopped.
    """
    restored = []
    for coupon in coupons_used_by(reference):
        if coupon.status != USED or coupon.expires_at <= now:
            continue
        coupon.status = USABLE if coupon.definition.active else WITHDRAWN
        coupon.used_at = coupon.used_channel = coupon.used_store_code = None
        coupon.used_reference = None
        coupon.discount = None
        if coupon.status == USABLE:
            restored.append(coupon)
    db.session.flush()
    return restored


@dataclass(frozen=True)
class OnlineUse:
    """What an order's discount code did: redeemed, repeat, or refused (why)."""

    code: str
    outcome: str
    reason: str | None = None
    discount: int = 0


def redeem_online_codes(
    codes: list[tuple[str, int]],
    reference: str,
    now: datetime,
    member: Member | None = None,
) -> list[OnlineUse]:
    """Redeem the personal codes an online order used, once; say what each did.

    The shop has already applied the discount, so a code is taken as the
    order says; a code used in a store (or expired) is refused and reported,
    and so is another customer's: a member's coupon in anybody else's order,
    a guest's in a member's order (`member`: who ordered, if the shop said).
    The owner keeps it. Codes that are not personal coupon codes (the shop's
    own) are ignored.
    """
    uses = []
    for raw, off in codes:
        code = normalize_code(raw)
        coupon = db.session.scalar(
            select(PersonalCoupon).where(PersonalCoupon.code == code)
        )
        if coupon is None:
            continue
        shown = format_code(code)
        if coupon.status == USED and coupon.used_reference == reference:
            uses.append(OnlineUse(shown, "repeat"))
            continue
        status = coupon.status_at(now)
        if status != USABLE:
            reason = f"{status}_in_{coupon.used_channel}" if status == USED else status
            uses.append(OnlineUse(shown, "refused", reason))
            continue
        if not _orderers(coupon, member):
            uses.append(OnlineUse(shown, "refused", "not_your_coupon"))
            continue
        if "online" not in coupon.definition.channels:
            uses.append(OnlineUse(shown, "refused", "wrong_channel"))
            continue
        if _claim(coupon, off, "online", None, reference, now):
            uses.append(OnlineUse(shown, "redeemed", discount=off))
            continue
        db.session.refresh(coupon)  # taken by a sale running beside this order
        if coupon.used_reference == reference:
            uses.append(OnlineUse(shown, "repeat"))
        else:
            uses.append(OnlineUse(shown, "refused", f"used_in_{coupon.used_channel}"))
    db.session.flush()
    return uses


def _orderers(coupon: PersonalCoupon, member: Member | None) -> bool:
    """Tell whether an online order by `member` (None: unknown) may use the coupon."""
    if member is None:
        return coupon.member_id is None  # a guest's copy: nobody to check against
    return _belongs(coupon, member.id, member.line_user_id)


def withdraw_coupon(code: str, now: datetime) -> PersonalCoupon:
    """Withdraw a usable coupon (issued by mistake); raise why it cannot be."""
    coupon = db.session.scalar(
        select(PersonalCoupon)
        .where(PersonalCoupon.code == normalize_code(code))
        .with_for_update(of=PersonalCoupon)
    )
    if coupon is None:
        raise UnknownCoupon(normalize_code(code))
    status = coupon.status_at(now)
    if status == USED:
        raise CouponUsed(coupon.code)
    if status == EXPIRED:
        raise CouponExpired(coupon.code)
    coupon.status = WITHDRAWN
    db.session.flush()
    return coupon
