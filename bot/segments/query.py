"""Turn a segment definition into one SQL query over LINE friends."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    extract,
    func,
    or_,
    select,
)

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
        query = query.where(*_member_conditions(definition, member, now))
    elif definition.linked is False:
        query = query.where(~has_member)
    if definition.min_visits is not None:
        query = query.where(
            LineUser.id.in_(_frequent_visitors(definition, now, timezone_name))
        )
    return query.order_by(LineUser.id)


def segment_user_ids(
    definition: SegmentDefinition, now: datetime, timezone_name: str
) -> Select[tuple[int]]:
    """Select the row ids of the segment's reachable friends, by the cheapest route.

    A segment of members is read from the members table less the members
    whose LINE user cannot receive: those are few and indexed, so this reads
    one index of the members instead of joining every friend to every member.
    """
    if not (definition.needs_member or definition.linked is True):
        query = segment_users(definition, now, timezone_name)
        return query.with_only_columns(LineUser.id.label("id")).order_by(None)
    member = Member.__table__.alias("segment_member")
    cannot_receive = exists().where(
        LineUser.id == member.c.line_user_id,
        or_(LineUser.is_friend.is_not(True), LineUser.blocked_at.is_not(None)),
    )
    query = (
        select(member.c.line_user_id.label("id"))
        .where(member.c.line_user_id.is_not(None), ~cannot_receive)
        .where(*_member_conditions(definition, member, now))
    )
    if definition.min_visits is not None:
        query = query.where(
            member.c.line_user_id.in_(
                _frequent_visitors(definition, now, timezone_name)
            )
        )
    return query


def count_segment_users(
    definition: SegmentDefinition, now: datetime, timezone_name: str
) -> Select[tuple[int]]:
    """Select how many reachable friends are in the segment (what segment_users lists).

    Without member conditions the count reads a partial index of just the
    reachable friends (all, linked or unlinked: `line_users.linked` is kept by
    triggers on members), not every friend joined to every member.
    """
    if definition.needs_member:
        ids = segment_user_ids(definition, now, timezone_name).subquery()
        return select(func.count()).select_from(ids)
    users = LineUser.__table__
    query = (
        select(func.count())
        .select_from(users)
        .where(users.c.is_friend.is_(True), users.c.blocked_at.is_(None))
    )
    if definition.linked is not None:
        query = query.where(users.c.linked.is_(definition.linked))
    if definition.min_visits is not None:
        query = query.where(
            users.c.id.in_(_frequent_visitors(definition, now, timezone_name))
        )
    return query


def _member_conditions(
    definition: SegmentDefinition, member: Any, now: datetime
) -> list[ColumnElement[bool]]:
    """Return the conditions on a member row (an alias of the members table)."""
    conditions: list[ColumnElement[bool]] = []
    if definition.home_store is not None:
        conditions.append(member.c.home_store_code == definition.home_store)
    if definition.rank is not None:
        conditions.append(member.c.rank == definition.rank)
    if definition.birthday_month is not None:
        month = extract("month", member.c.birthday)
        conditions.append(month == definition.birthday_month)
    if definition.channel is not None:
        conditions += _bought_in(definition.channel, member.c.id)
    if definition.dormant_days is not None:
        since = now - timedelta(days=definition.dormant_days)
        recent = exists().where(
            Purchase.member_id == member.c.id,
            Purchase.purchased_at >= since,
            Purchase.refunded_at.is_(None),
        )
        conditions.append(~recent)
    return conditions


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
