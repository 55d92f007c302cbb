"""Rules for handing a customer to a person: states, messages, timers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, select, update

from bot.extensions import db, get_redis
from bot.handoff.hours import BusinessHours
from bot.handoff.live import publish_after_commit
from bot.handoff.models import (
    CUSTOMER,
    OPEN_STATES,
    OPERATOR,
    PENDING,
    RESOLVED,
    TEXT,
    WAITING,
    WITH_OPERATOR,
    Conversation,
    ConversationMessage,
)
from bot.line.limits import text_fits
from bot.models_base import utcnow

# Two messages in a row the bot did not understand hand the customer to a person.
MISSES_BEFORE_HANDOFF = 2
_MISSES_TTL_SECONDS = 30 * 60


class HandoffError(Exception):
    """An operator action that the conversation's state does not allow."""

    status = 409


class ReplyTextError(HandoffError):
    """An operator's reply text LINE would not take."""

    status = 422


def business_hours() -> BusinessHours:
    """Return the business hours and closed days parsed at start-up."""
    return current_app.extensions["business_hours"]


def open_conversation_of(user_id: int) -> Conversation | None:
    """Return the customer's waiting or active conversation, if any."""
    return db.session.scalar(
        select(Conversation).where(
            Conversation.user_id == user_id, Conversation.state.in_(OPEN_STATES)
        )
    )


# The key of EventContext.preloaded under which the dispatcher puts the
# user's open conversation, read with the event (see open_conversation_join).
OPEN_CONVERSATION = "handoff.open_conversation"


def open_conversation_join(user_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Return the condition that joins a user id to their open conversation."""
    return (Conversation.user_id == user_id) & Conversation.state.in_(OPEN_STATES)


def open_conversation(user_id: int, reason: str, now: datetime) -> Conversation:
    """Queue the customer for a person (or return the queue place they have)."""
    existing = open_conversation_of(user_id)
    if existing is not None:
        return existing
    settings = current_app.config["SETTINGS"]
    opens = business_hours().next_opening(now)
    conversation = Conversation(
        user_id=user_id,
        state=WAITING,
        reason=reason,
        opened_at=now,
        last_activity_at=now,
        apology_due_at=opens + timedelta(minutes=settings.HANDOFF_NO_ANSWER_MINUTES),
    )
    db.session.add(conversation)
    db.session.flush()
    publish_after_commit("queue", conversation.id)
    return conversation


def record_message(
    conversation: Conversation,
    sender: str,
    *,
    kind: str = TEXT,
    text: str | None = None,
    source_event_id: str | None = None,
    operator_id: int | None = None,
    delivery: str | None = None,
    now: datetime | None = None,
    read_token: str | None = None,
) -> ConversationMessage:
    """Store one message of the conversation and note the activity."""
    now = now or utcnow()
    message = ConversationMessage(
        conversation_id=conversation.id,
        sender=sender,
        kind=kind,
        text=text,
        source_event_id=source_event_id,
        operator_id=operator_id,
        delivery=delivery,
        created_at=now,
        read_token=read_token,
    )
    db.session.add(message)
    if sender in (CUSTOMER, OPERATOR):
        conversation.last_activity_at = now
    db.session.flush()
    publish_after_commit("message", conversation.id)
    return message


def claim_conversation(conversation_id: int, operator_id: int, now: datetime) -> bool:
    """Give a waiting conversation to one operator; False if someone was first."""
    claimed = db.session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.state == WAITING)
        .values(
            state=WITH_OPERATOR,
            operator_id=operator_id,
            claimed_at=now,
            last_activity_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is not None:
        db.session.refresh(conversation)
    publish_after_commit("queue", conversation_id)
    return True


def add_operator_reply(
    conversation_id: int, operator_id: int, text: str, *, may_take_over: bool
) -> ConversationMessage:
    """Store an operator's reply for delivery; the conversation must be theirs."""
    conversation = db.session.get(Conversation, conversation_id)
    text = text.strip()
    if conversation is None or conversation.state != WITH_OPERATOR:
        raise HandoffError("この会話は対応中ではありません。")
    if conversation.operator_id != operator_id and not may_take_over:
        raise HandoffError("この会話は他のオペレーターが対応しています。")
    if not text_fits(text):
        raise ReplyTextError(
            "返信は1〜5,000文字で入力してください（絵文字は2文字と数えます）。"
        )
    return record_message(
        conversation, OPERATOR, text=text, operator_id=operator_id, delivery=PENDING
    )


def resolve_conversation(
    conversation_id: int, resolved_by: str, now: datetime
) -> Conversation | None:
    """Close an open conversation; None when it was already closed."""
    closed = db.session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.state.in_(OPEN_STATES))
        .values(state=RESOLVED, resolved_at=now, resolved_by=resolved_by)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        return None
    conversation = db.session.get(Conversation, conversation_id)
    assert conversation is not None
    db.session.refresh(conversation)
    publish_after_commit("queue", conversation_id)
    return conversation


def due_apologies(now: datetime) -> list[int]:
    """Return waiting conversations past their no-answer time without an apology."""
    return list(
        db.session.scalars(
            select(Conversation.id).where(
                Conversation.state == WAITING,
                Conversation.apology_sent_at.is_(None),
                Conversation.apology_due_at <= now,
            )
        )
    )


def idle_conversations(now: datetime) -> list[int]:
    """Return conversations with an operator that have gone quiet for too long."""
    minutes = current_app.config["SETTINGS"].HANDOFF_IDLE_MINUTES
    return list(
        db.session.scalars(
            select(Conversation.id).where(
                Conversation.state == WITH_OPERATOR,
                Conversation.last_activity_at <= now - timedelta(minutes=minutes),
            )
        )
    )


def stale_outgoing_messages(now: datetime, older_than_seconds: int) -> list[int]:
    """Return outgoing messages still pending after the given age, oldest first.

    Such a message missed the queue (Redis was down when it was stored, or
    the job was lost); its push carries a retry key, so queueing it again
    never delivers it twice.
    """
    cutoff = now - timedelta(seconds=older_than_seconds)
    return list(
        db.session.scalars(
            select(ConversationMessage.id)
            .where(
                ConversationMessage.delivery == PENDING,
                ConversationMessage.created_at <= cutoff,
            )
            .order_by(ConversationMessage.id)
            .limit(10_000)
        )
    )


def note_not_understood(
    user_id: int, event_id: str, text: str
) -> list[tuple[str, str]]:
    """Remember a message the bot did not understand; return the run so far."""
    key = f"faq:misses:{user_id}"
    redis = get_redis()
    run = [tuple(json.loads(item)) for item in redis.lrange(key, 0, -1)]
    if any(seen_id == event_id for seen_id, _ in run):
        return run  # type: ignore[return-value]  # a retried event counts once
    pipe = redis.pipeline()
    pipe.rpush(key, json.dumps([event_id, text], ensure_ascii=False))
    pipe.ltrim(key, -MISSES_BEFORE_HANDOFF, -1)
    pipe.expire(key, _MISSES_TTL_SECONDS)
    pipe.lrange(key, 0, -1)
    raw = pipe.execute()[-1]
    return [tuple(json.loads(item)) for item in raw]  # type: ignore[misc]


def clear_not_understood(user_id: int) -> None:
    """Start counting misunderstood messages afresh (the bot answered)."""
    get_redis().delete(f"faq:misses:{user_id}")


def unread_token(conversation_id: int) -> str | None:
    """Return the newest customer message's mark-as-read token not used yet."""
    return db.session.scalar(
        select(ConversationMessage.read_token)
        .where(
            ConversationMessage.conversation_id == conversation_id,
            ConversationMessage.sender == CUSTOMER,
            ConversationMessage.read_token.is_not(None),
            ConversationMessage.read_at.is_(None),
        )
        .order_by(ConversationMessage.created_at.desc(), ConversationMessage.id.desc())
        .limit(1)
    )


def note_read(conversation_id: int, now: datetime) -> None:
    """Mark every customer message of a conversation read (flush only)."""
    db.session.execute(
        update(ConversationMessage)
        .where(
            ConversationMessage.conversation_id == conversation_id,
            ConversationMessage.sender == CUSTOMER,
            ConversationMessage.read_at.is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
