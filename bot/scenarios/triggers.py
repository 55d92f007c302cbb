"""What starts a scenario: events fired after commit, and the time-based sweep."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, select

from bot.extensions import after_commit, db
from bot.members.models import Member
from bot.points.models import PointEntry
from bot.points.service import point_summary
from bot.purchases.models import Purchase
from bot.scenarios.definition import TIME_TRIGGERS, Scenario
from bot.scenarios.service import (
    Candidate,
    enroll,
    enrolling_scenarios,
    exit_enrollments,
    matches_event,
    reachable_in_segment,
)
from bot.segments.query import segment_users
from bot.stores.models import Store, StoreVisit

log = logging.getLogger(__name__)


def fire_event(
    event: str,
    user_id: int,
    occurrence: str,
    at: datetime,
    context: dict[str, Any] | None = None,
) -> None:
    """Once the current transaction commits, queue the scenarios' look at an event.

    `event` is follow, link, purchase or store_visit; a purchase with
    `context["first"]` also fires first_purchase.
    """
    from bot.jobs import enqueue
    from bot.scenarios.jobs import handle_customer_event

    args = (event, user_id, occurrence, at.isoformat(), context or {})
    after_commit(lambda: enqueue(handle_customer_event, *args))


def apply_event(
    event: str, user_id: int, occurrence: str, at: datetime, context: dict[str, Any]
) -> list[int]:
    """Make the customer leave scenarios that exit on this event, then enroll them."""
    exit_enrollments(user_id, event, at, event=event)
    triggers = [event]
    if event == "purchase" and context.get("first"):
        triggers.append("first_purchase")
    new_ids: list[int] = []
    for trigger in triggers:
        for scenario in enrolling_scenarios(trigger):
            if not matches_event(scenario, context):
                continue
            if user_id not in reachable_in_segment(scenario, [user_id], at):
                continue
            candidate = Candidate(user_id, f"{trigger}:{occurrence}", at, context)
            new_ids += enroll(scenario, [candidate], at)
    db.session.flush()
    return new_ids


def evaluate_time_triggers(now: datetime, heavy: bool = True) -> int:
    """Enroll customers whose time-based trigger holds at `now`; return how many.

    `heavy` includes the whole-customer-base triggers (dormant, birthday month,
    points expiring), which the sweep evaluates once an hour.
    """
    from bot.ec.checkouts import claim_abandoned_checkouts

    enrolled = 0
    carts = claim_abandoned_checkouts(now)
    for trigger in TIME_TRIGGERS:
        if not heavy and trigger in ("dormant", "birthday_month", "points_expiring"):
            continue
        for scenario in enrolling_scenarios(trigger):
            if trigger == "cart_abandoned":
                candidates = [
                    Candidate(
                        cart.line_user_id,
                        f"cart:{cart.token}",
                        cart.abandoned_at,
                        {"recovery_url": cart.recovery_url, "checkout": cart.token},
                    )
                    for cart in carts
                ]
            else:
                candidates = _FINDERS[trigger](scenario, now)
            if not candidates:
                continue
            allowed = reachable_in_segment(
                scenario, sorted({c.user_id for c in candidates}), now
            )
            enrolled += len(
                enroll(scenario, [c for c in candidates if c.user_id in allowed], now)
            )
    db.session.flush()
    return enrolled


def _zone() -> Any:
    return current_app.config["SETTINGS"].timezone


def _dormant(scenario: Scenario, now: datetime) -> list[Candidate]:
    """Customers with a purchase once, but none in the last N days."""
    users = segment_users(
        scenario.segment, now, current_app.config["SETTINGS"].BOT_TIMEZONE
    )
    subquery = users.subquery()
    rows = db.session.execute(
        select(subquery.c.id, func.max(Purchase.id), func.max(Purchase.purchased_at))
        .join(Member, Member.line_user_id == subquery.c.id)
        .join(Purchase, Purchase.member_id == Member.id)
        .group_by(subquery.c.id)
    )
    days = timedelta(days=scenario.segment.dormant_days or 0)
    return [
        Candidate(uid, f"dormant:{last_id}", last_at + days, {})
        for uid, last_id, last_at in rows
    ]


def _birthday_month(scenario: Scenario, now: datetime) -> list[Candidate]:
    """Members whose birthday falls in this local month."""
    local = now.astimezone(_zone())
    definition = replace(scenario.segment, birthday_month=local.month)
    users = segment_users(definition, now, current_app.config["SETTINGS"].BOT_TIMEZONE)
    start = datetime.combine(local.date().replace(day=1), time(0), tzinfo=_zone())
    return [
        Candidate(row.id, f"birthday:{local.year}", start, {})
        for row in db.session.execute(users)
    ]


def _points_expiring(scenario: Scenario, now: datetime) -> list[Candidate]:
    """Members holding points that lapse within the next N days."""
    days = int(scenario.event_conditions["points_expiring_days"])
    members = db.session.execute(
        select(Member.id, Member.line_user_id)
        .join(PointEntry, PointEntry.member_id == Member.id)
        .where(
            Member.line_user_id.is_not(None),
            PointEntry.delta > 0,
            PointEntry.expires_at > now,
            PointEntry.expires_at <= now + timedelta(days=days),
        )
        .distinct()
    )
    candidates = []
    for member_id, user_id in members:
        summary = point_summary(member_id, now)
        if summary.next_expiry is None or summary.expiring_points <= 0:
            continue
        if summary.next_expiry > now + timedelta(days=days):
            continue
        expires = summary.next_expiry.astimezone(_zone()).date().isoformat()
        context = {"points": summary.expiring_points, "expires": expires}
        candidates.append(
            Candidate(
                user_id,
                f"points:{expires}",
                summary.next_expiry - timedelta(days=days),
                context,
            )
        )
    return candidates


def _visit_without_purchase(scenario: Scenario, now: datetime) -> list[Candidate]:
    """Beacon visits of the last two days that ended with no purchase that day."""
    today = now.astimezone(_zone()).date()
    member = Member.__table__.alias("visit_member")
    user_id = func.coalesce(StoreVisit.line_user_id, member.c.line_user_id)
    rows = db.session.execute(
        select(user_id, StoreVisit.member_id, StoreVisit.visit_date, Store.code)
        .join(Store, Store.id == StoreVisit.store_id)
        .outerjoin(member, member.c.id == StoreVisit.member_id)
        .where(
            StoreVisit.source == "beacon",
            StoreVisit.visit_date < today,
            StoreVisit.visit_date >= today - timedelta(days=2),
            user_id.is_not(None),
        )
    ).all()
    candidates = []
    for uid, member_id, day, store_code in rows:
        day_start = datetime.combine(day, time(0), tzinfo=_zone())
        day_end = day_start + timedelta(days=1)
        if member_id is not None and _bought_between(member_id, day_start, day_end):
            continue
        context = {"store": store_code, "visit_date": day.isoformat()}
        candidates.append(Candidate(uid, f"visit:{day}:{store_code}", day_end, context))
    return candidates


def _bought_between(member_id: int, start: datetime, end: datetime) -> bool:
    return (
        db.session.scalar(
            select(Purchase.id)
            .where(
                and_(
                    Purchase.member_id == member_id,
                    Purchase.purchased_at >= start,
                    Purchase.purchased_at < end,
                )
            )
            .limit(1)
        )
        is not None
    )


_FINDERS = {
    "dormant": _dormant,
    "birthday_month": _birthday_month,
    "points_expiring": _points_expiring,
    "visit_without_purchase": _visit_without_purchase,
}
