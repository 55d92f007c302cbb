"""beacon: a customer's phone saw a store's LINE Beacon (enter, banner, stay)."""

from __future__ import annotations

import logging

from bot.beacon import messages
from bot.beacon.service import (
    BEACON,
    claim_beacon_message,
    customer_for,
    issue_store_coupon,
    store_for_hwid,
)
from bot.coupons.service import coupon_message
from bot.handlers.context import EventContext
from bot.points.service import balance
from bot.scenarios.triggers import fire_event
from bot.stores.service import local_date, record_store_visit

log = logging.getLogger(__name__)


def handle_beacon(ctx: EventContext) -> None:
    """Record the visit; greet on enter (once a window), inform on banner."""
    beacon = ctx.payload.get("beacon") or {}
    hwid, kind = str(beacon.get("hwid", "")), beacon.get("type")
    if ctx.line_user_id is None:
        log.info("beacon event without a user ignored")
        return
    store = store_for_hwid(hwid)
    if store is None:
        log.warning("beacon with an unknown hardware id ignored", extra={"hwid": hwid})
        return
    user = ctx.user
    assert user is not None  # the dispatcher creates it for every user event
    customer = customer_for(user)
    visit_date = local_date(ctx.occurred_at)
    new_visit = record_store_visit(
        store.id,
        visit_date,
        BEACON,
        member_id=customer.member.id if customer.member else None,
        line_user_id=user.id,
    )
    log.info(
        "beacon seen",
        extra={"store": store.code, "beacon_type": kind, "new_visit": new_visit},
    )
    if not user.can_receive_push:
        log.info("beacon from a user who blocked us: no message")
        return
    if kind == "enter":
        occurrence = f"{visit_date}:{store.code}"
        fire_event(
            "store_visit", user.id, occurrence, ctx.occurred_at, {"store": store.code}
        )
    if kind == "banner":
        ctx.reply(messages.store_info_messages(store))
    elif kind == "enter":
        if not claim_beacon_message(store.id, user.id, ctx.event.webhook_event_id):
            log.info("beacon message already sent in the window")
            return
        coupon = issue_store_coupon(store.code, user.id, ctx.occurred_at)
        coupons = [coupon_message(coupon)] if coupon is not None else []
        if customer.member is not None:
            member = customer.member
            welcome = messages.member_messages(
                store, member.name, balance(member.id), member.rank
            )
            ctx.reply(welcome + coupons)
        else:
            # LINE shows a quick reply only on the last message: the invite.
            ctx.reply(coupons + messages.guest_messages(store))
