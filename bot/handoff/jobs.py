"""Background work of a handoff: pushing outgoing messages, menus, timers."""

from __future__ import annotations

import logging

from bot.extensions import db
from bot.handoff import service
from bot.handoff.live import publish_after_commit
from bot.handoff.models import PENDING, Conversation, ConversationMessage
from bot.jobs import is_final_attempt
from bot.line.client import LineApiError, LineTransientError, line_client
from bot.line.delivery import push_to_user, retry_key_for
from bot.messages import text_message
from bot.models_base import utcnow
from bot.richmenu import service as richmenu_service
from bot.users.models import LineUser

log = logging.getLogger(__name__)


def deliver_message(message_id: int) -> None:
    """Push one stored operator or bot message to the customer, once."""
    message = db.session.get(ConversationMessage, message_id)
    if message is None or message.delivery != PENDING or not message.text:
        return
    conversation = db.session.get(Conversation, message.conversation_id)
    assert conversation is not None
    user = db.session.get(LineUser, conversation.user_id)
    assert user is not None
    key = retry_key_for("handoff-message", message.id)
    try:
        outcome = push_to_user(user, [text_message(message.text)], key)
    except LineTransientError:
        if not is_final_attempt():
            raise
        outcome = "failed"
    except LineApiError as exc:
        log.warning("message not delivered", extra={"status": exc.status})
        outcome = "failed"
    message.delivery = outcome
    publish_after_commit("message", conversation.id)
    db.session.commit()
    log.info("handoff message delivered", extra={"outcome": outcome})


def restore_menu(user_id: int) -> None:
    """Put a customer back on the rich menu that fits them (after a handoff)."""
    user = db.session.get(LineUser, user_id)
    if user is None:
        return
    richmenu_service.apply_menu(user)
    db.session.commit()


def mark_conversation_read(conversation_id: int) -> None:
    """Show the customer that an operator has read their messages."""
    token = service.unread_token(conversation_id)
    if token is None:
        return
    try:
        line_client().mark_as_read(token)
    except LineTransientError:
        if not is_final_attempt():
            raise
        return
    except LineApiError as exc:
        log.warning("messages not marked read", extra={"status": exc.status})
    service.note_read(conversation_id, utcnow())
    db.session.commit()
