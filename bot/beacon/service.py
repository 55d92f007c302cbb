"""Beacon rules: which store, which customer, one visit a day, one message a window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import select

from bot.extensions import db, get_redis
from bot.members.models import Member
from bot.members.service import member_for_user
from bot.stores.models import Store, StoreBeacon
from bot.stores.service import visit_customer_key
from bot.users.models import LineUser

if TYPE_CHECKING:
    from bot.coupons.models import PersonalCoupon

BEACON = "beacon"


@dataclass(frozen=True)
class Customer:
    """Who stood in front of the beacon: a LINE user, and their member if linked."""

    user: LineUser
    member: Member | None

    @property
    def key(self) -> str:
        """Return the visit key: one per person, member or guest."""
        return visit_customer_key(
            self.member.id if self.member is not None else None, self.user.id
        )


def store_for_hwid(hwid: str) -> Store | None:
    """Return the store whose beacon has this hardware id."""
    return db.session.scalar(
        select(Store).join(StoreBeacon).where(StoreBeacon.hwid == hwid)
    )


def customer_for(user: LineUser) -> Customer:
    """Return the customer for a LINE user, with their linked member if any."""
    member = member_for_user(user.id)
    return Customer(user=user, member=member)


def claim_beacon_message(store_id: int, user_id: int, event_id: str) -> bool:
    """Take the store's message slot for this LINE user; False inside the window.

    SET NX EX in Redis, so parallel workers agree. The slot holds the event id,
    so a retry of the same event (its reply may not have gone out) still sends.
    The slot is the LINE account's, the one the message goes to: keyed by the
    member, linking in the store gave a second welcome and a second coupon.
    """
    hours = current_app.config["SETTINGS"].BEACON_COOLDOWN_HOURS
    key = f"beacon:cooldown:{store_id}:u:{user_id}"
    redis = get_redis()
    if redis.set(key, event_id, nx=True, ex=max(1, hours * 3600)):
        return True
    holder = redis.get(key)
    return holder is not None and holder.decode() == event_id


def issue_store_coupon(
    store_code: str, user_id: int, now: datetime
) -> PersonalCoupon | None:
    """Issue the coupon naming this store in beacon_stores, if any and allowed."""
    from bot.coupons.definitions import beacon_coupon_for
    from bot.coupons.service import issue_coupon

    definition = beacon_coupon_for(store_code)
    if definition is None:
        return None
    return issue_coupon(user_id, definition.id, now, source=f"beacon:{store_code}")
