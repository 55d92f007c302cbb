"""Closing conversations and the two timers: no answer yet, and gone quiet."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import update

from bot.extensions import after_commit, db
from bot.handoff import service
from bot.handoff.jobs import deliver_message, restore_menu
from bot.handoff.models import (
    BOT_SENDER,
    PENDING,
    WAITING,
    Conversation,
    ConversationMessage,
)
from bot.jobs import enqueue
from bot.messages import render
from bot.models_base import utcnow

log = logging.getLogger(__name__)

# resolved_by of a conversation closed because the customer blocked the shop.
BLOCKED = "blocked"
CLOSING_TEMPLATES = {
    "operator": "handoff_closing",
    "idle": "handoff_closing_idle",
}


def send_later(message: ConversationMessage) -> None:
    """Push a stored outgoing message once the transaction commits."""
    message_id = message.id
    after_commit(lambda: enqueue(deliver_message, message_id))


def close_conversation(
    conversation_id: int, resolved_by: str, now: datetime
) -> Conversation | None:
    """Resolve a conversation, send the closing message and restore the menu."""
    conversation = service.resolve_conversation(conversation_id, resolved_by, now)
    if conversation is None:
        return None
    closing = service.record_message(
        conversation,
        BOT_SENDER,
        text=render(CLOSING_TEMPLATES[resolved_by]),
        delivery=PENDING,
        now=now,
    )
    send_later(closing)
    user_id = conversation.user_id
    after_commit(lambda: enqueue(restore_menu, user_id))
    return conversation


def close_for_blocked_customer(user_id: int, now: datetime) -> Conversation | None:
    """Close the open conversation of a customer who blocked the shop.

    Nothing is sent (LINE would not deliver it) and the menu is left alone;
    the console shows the conversation closed because of the block, so no
    operator keeps answering into the void.
    """
    conversation = service.open_conversation_of(user_id)
    if conversation is None:
        return None
    return service.resolve_conversation(conversation.id, BLOCKED, now)


def apologise_for_wait(conversation_id: int, now: datetime) -> bool:
    """Apologise once to a customer still waiting; they stay in the queue."""
    marked = db.session.execute(
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.state == WAITING,
            Conversation.apology_sent_at.is_(None),
        )
        .values(apology_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:
        return False
    conversation = db.session.get(Conversation, conversation_id)
    assert conversation is not None
    apology = service.record_message(
        conversation,
        BOT_SENDER,
        text=render("handoff_no_answer"),
        delivery=PENDING,
        now=now,
    )
    send_later(apology)
    return True


def run_due_timers(now: datetime) -> tuple[list[int], list[int]]:
    """Run every due timer, committing each conversation on its own."""
    apologised, returned = [], []
    for conversation_id in service.due_apologies(now):
        if apologise_for_wait(conversation_id, now):
            apologised.append(conversation_id)
        db.session.commit()
    for conversation_id in service.idle_conversations(now):
        if close_conversation(conversation_id, "idle", now) is not None:
            returned.append(conversation_id)
        db.session.commit()
    return apologised, returned


def sweep_handoff_timers() -> None:
    """Apologise to customers nobody answered; return idle conversations to the bot."""
    apologised, returned = run_due_timers(utcnow())
    if apologised or returned:
        log.info(
            "handoff timers ran",
            extra={"apologised": len(apologised), "returned": len(returned)},
        )


# Pending outgoing messages older than this missed the queue.
STALE_AFTER_SECONDS = 120


def requeue_stale_messages(older_than_seconds: int = STALE_AFTER_SECONDS) -> list[int]:
    """Queue outgoing messages still pending after the given age; return ids."""
    ids = service.stale_outgoing_messages(utcnow(), older_than_seconds)
    db.session.rollback()
    for message_id in ids:
        enqueue(deliver_message, message_id)
    return ids


def sweep_stale_messages() -> None:
    """Each minute in the worker, queue operator and bot messages left pending."""
    ids = requeue_stale_messages()
    if ids:
        log.warning("requeued stale pending messages", extra={"count": len(ids)})
