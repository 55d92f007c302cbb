"""Turn a segment definition into one SQL query over LINE friends."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, exists, extract, func, select

from bot.members.models import Member
from bot.purchases.models import ONLINE, STORE, Purchase
from bot.segments.definition import SegmentDefinition
from bot.stores.models import StoreVisit
from bot.users.models import LineUser


def segment_users(
    definition: SegmentDefinition, now: datetime, timezone_name: str
) -> Select[tuple[int, str]]:
    """Select (LineUser.id, LINE user id) of reachable friends in the segment."""
    member = Member.__table__.alias("segment_member")
    query = select(LineUser.id, LineUser.line_user_id).where(
        LineUser.is_friend.is_(True), LineUser.blocked_at.is_(None)
    )
    has_member = exists().where(member.c.line_user_id == LineUser.id)
    if definition.needs_member or definition.linked is True:
        query = query.join(member, member.c.line_user_id == LineUser.id)
    elif definition.linked is False:
        query = query.where(~has_member)
    if definition.home_store is not None:
        query = query.where(member.c.home_store_code == definition.home_store)
    if definition.rank is not None:
        query = query.where(member.c.rank == definition.rank)
    if definition.birthday_month is not None:
        month = extract("month", member.c.birthday)
        query = query.where(month == definition.birthday_month)
    if definition.channel is not None:
        query = query.where(*_bought_in(definition.channel, member.c.id))
    if definition.dormant_days is not None:
        since = now - timedelta(days=definition.dormant_days)
        recent = exists().where(
            Purchase.member_id == member.c.id,
            Purchase.purchased_at >= since,
            Purchase.refunded_at.is_(None),
        )
        query = query.where(~recent)
    if definition.min_visits is not None:
        query = query.where(
            LineUser.id.in_(_frequent_visitors(definition, now, timezone_name))
        )
    return query.order_by(LineUser.id)


def _bought_in(channel: str, member_id: ColumnElement[int]) -> list[ColumnElement]:
    def bought(where: str) -> ColumnElement[bool]:
        return exists().where(
            Purchase.member_id == member_id,
            Purchase.channel == where,
            Purchase.refunded_at.is_(None),
        )

    if channel == "both":
        return [bought(STORE), bought(ONLINE)]
    return [bought(STORE if channel == "store" else ONLINE)]


def _frequent_visitors(
    definition: SegmentDefinition, now: datetime, timezone_name: str
) -> Select[tuple[int]]:
    """Select LINE users with at least K visits (distinct store and day) in N days."""
    from zoneinfo import ZoneInfo

    visitor = Member.__table__.alias("visit_member")
    user_id = func.coalesce(StoreVisit.line_user_id, visitor.c.line_user_id)
    conditions = [user_id.is_not(None)]
    if definition.days is not None:
        today = now.astimezone(ZoneInfo(timezone_name)).date()
        conditions.append(
            StoreVisit.visit_date > today - timedelta(days=definition.days)
        )
    # A member may have a guest visit and a member visit on one day: count it once.
    visits = (
        select(user_id.label("user_id"), StoreVisit.store_id, StoreVisit.visit_date)
        .outerjoin(visitor, visitor.c.id == StoreVisit.member_id)
        .where(and_(*conditions))
        .distinct()
        .subquery()
    )
    return (
        select(visits.c.user_id)
        .group_by(visits.c.user_id)
        .having(func.count() >= definition.min_visits)
    )
