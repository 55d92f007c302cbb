"""The customer panel: membership, points, store, purchases, visits, history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select

from bot.extensions import db
from bot.handoff.models import Conversation, ConversationMessage
from bot.members.service import member_for_user, rank_label
from bot.points import service as points_service
from bot.purchases.models import Purchase
from bot.stores.models import Store, StoreVisit

RECENT = 5


@dataclass(frozen=True)
class CustomerPanel:
    """What an operator sees about the customer beside the chat."""

    member_no: str | None = None
    member_name: str | None = None
    rank: str | None = None
    points: int | None = None
    home_store: str | None = None
    purchases: list[tuple[datetime, str, int, str]] = field(default_factory=list)
    visits: list[tuple[date, str]] = field(default_factory=list)
    earlier: list[tuple[int, datetime, str, int]] = field(default_factory=list)


def customer_panel(user_id: int, conversation_id: int) -> CustomerPanel:
    """Collect the panel for a LINE user, leaving out the open conversation."""
    earlier = _earlier_conversations(user_id, conversation_id)
    member = member_for_user(user_id)
    stores = _store_names()
    member_id = member.id if member is not None else None
    purchases = _purchases(user_id, member_id, stores)
    visits = _visits(user_id, member_id)
    if member is None:  # a guest: sales made with coupons, no points
        return CustomerPanel(purchases=purchases, visits=visits, earlier=earlier)
    return CustomerPanel(
        member_no=member.member_no,
        member_name=member.name,
        rank=rank_label(member.rank),
        points=points_service.balance(member.id),
        home_store=stores.get(member.home_store_code or "", member.home_store_code),
        purchases=purchases,
        visits=visits,
        earlier=earlier,
    )


def _purchases(
    user_id: int, member_id: int | None, stores: dict[str, str]
) -> list[tuple[datetime, str, int, str]]:
    who = Purchase.line_user_id == user_id
    if member_id is not None:
        who = or_(who, Purchase.member_id == member_id)
    return [
        (
            purchase.purchased_at,
            "オンライン"
            if purchase.channel == "ec"
            else stores.get(purchase.origin, purchase.origin),
            purchase.amount,
            purchase.status,
        )
        for purchase in db.session.scalars(
            select(Purchase)
            .where(who)
            .order_by(Purchase.purchased_at.desc())
            .limit(RECENT)
        )
    ]


def _store_names() -> dict[str, str]:
    rows = db.session.execute(select(Store.code, Store.name)).tuples()
    return {code: name for code, name in rows}


def _visits(user_id: int, member_id: int | None) -> list[tuple[date, str]]:
    who = StoreVisit.line_user_id == user_id
    if member_id is not None:
        who = or_(who, StoreVisit.member_id == member_id)
    rows = db.session.execute(
        select(StoreVisit.visit_date, Store.name)
        .join(Store, Store.id == StoreVisit.store_id)
        .where(who)
        .order_by(StoreVisit.visit_date.desc())
        .limit(RECENT)
    ).tuples()
    return list(rows)


def _earlier_conversations(
    user_id: int, conversation_id: int
) -> list[tuple[int, datetime, str, int]]:
    counts = (
        select(func.count(ConversationMessage.id))
        .where(ConversationMessage.conversation_id == Conversation.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Conversation.id, Conversation.opened_at, Conversation.state, counts)
        .where(Conversation.user_id == user_id, Conversation.id != conversation_id)
        .order_by(Conversation.opened_at.desc())
        .limit(RECENT)
    ).tuples()
    return list(rows)
