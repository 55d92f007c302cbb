"""Withdrawing a coupon: its unused copies stop working and no more are issued."""

from __future__ import annotations

from sqlalchemy import update

from bot.coupons.models import USABLE, WITHDRAWN, CouponDefinition, PersonalCoupon
from bot.extensions import db


class CouponNotFound(LookupError):
    """No coupon definition has this id."""


def withdraw_definition(coupon_id: str) -> int:
    """Withdraw a coupon's usable copies and stop issuing it; return how many.

    Used coupons stay used (the sale happened). Loading coupons.yaml again
    with the entry still in it makes the definition active again, for new
    issues only: withdrawn copies stay withdrawn.
    """
    definition = db.session.get(CouponDefinition, coupon_id, with_for_update=True)
    if definition is None:
        raise CouponNotFound(coupon_id)
    definition.active = False
    result = db.session.execute(
        update(PersonalCoupon)
        .where(PersonalCoupon.coupon_id == coupon_id, PersonalCoupon.status == USABLE)
        .values(status=WITHDRAWN)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return result.rowcount or 0
