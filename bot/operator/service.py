"""What the console shows: the queue, a conversation and its messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.extensions import db
from bot.handoff.models import (
    CUSTOMER,
    TEXT,
    WAITING,
    WITH_OPERATOR,
    Conversation,
    ConversationMessage,
)
from bot.operator.models import Operator
from bot.users.models import LineUser

PREVIEW_LENGTH = 60
PLACEHOLDERS = {
    "sticker": "［スタンプ］",
    "image": "［画像］",
    "video": "［動画］",
    "audio": "［音声］",
    "file": "［ファイル］",
    "location": "［位置情報］",
}
DELIVERY_LABELS = {
    "pending": "送信中",
    "pushed": "送信済み",
    "already": "送信済み",
    "blocked": "未送信（ブロック中）",
    "failed": "送信失敗",
}
REASONS = {
    "asked": "スタッフを希望",
    "quick_reply": "ボタンから希望",
    "menu": "メニューから希望",
    "not_understood": "自動応答で解決せず",
}


@dataclass(frozen=True)
class QueueItem:
    """One conversation as the queue lists it."""

    id: int
    customer: str
    state: str
    opened_at: datetime
    reason: str
    preview: str
    operator: str | None
    operator_id: int | None
    apology_sent: bool

    def as_json(self) -> dict[str, Any]:
        """Return the item for the console's script."""
        return {
            "id": self.id,
            "customer": self.customer,
            "state": self.state,
            "opened_at": self.opened_at.isoformat(),
            "reason": self.reason,
            "preview": self.preview,
            "operator": self.operator,
            "apology_sent": self.apology_sent,
        }


def customer_name(user: LineUser) -> str:
    """Return the name an operator sees for a customer."""
    return user.display_name or f"LINEユーザー {user.line_user_id[-6:]}"


def message_display_text(message: ConversationMessage) -> str:
    """Return a message's text, or a placeholder for stickers and images."""
    if message.kind == TEXT:
        return message.text or ""
    return PLACEHOLDERS.get(message.kind, f"［{message.kind}］")


def queue_items(
    states: tuple[str, ...], operator_id: int | None = None
) -> list[QueueItem]:
    """Return open conversations in these states, longest waiting first."""
    query = (
        select(Conversation, LineUser, Operator)
        .join(LineUser, LineUser.id == Conversation.user_id)
        .outerjoin(Operator, Operator.id == Conversation.operator_id)
        .where(Conversation.state.in_(states))
        .order_by(Conversation.opened_at, Conversation.id)
    )
    if operator_id is not None:
        query = query.where(Conversation.operator_id == operator_id)
    rows = db.session.execute(query).all()
    previews = _first_customer_messages([c.id for c, _, _ in rows])
    return [
        QueueItem(
            id=conversation.id,
            customer=customer_name(user),
            state=conversation.state,
            opened_at=conversation.opened_at,
            reason=REASONS.get(conversation.reason, conversation.reason),
            preview=previews.get(conversation.id, "")[:PREVIEW_LENGTH],
            operator=operator.display_name if operator else None,
            operator_id=conversation.operator_id,
            apology_sent=conversation.apology_sent_at is not None,
        )
        for conversation, user, operator in rows
    ]


def queue_snapshot(operator: Operator) -> dict[str, list[QueueItem]]:
    """Return the waiting queue and the conversations with operators."""
    active = queue_items((WITH_OPERATOR,))
    return {
        "waiting": queue_items((WAITING,)),
        "mine": [item for item in active if item.operator_id == operator.id],
        "others": [item for item in active if item.operator_id != operator.id],
    }


def _first_customer_messages(conversation_ids: list[int]) -> dict[int, str]:
    if not conversation_ids:
        return {}
    rows = db.session.execute(
        select(ConversationMessage)
        .where(
            ConversationMessage.conversation_id.in_(conversation_ids),
            ConversationMessage.sender == CUSTOMER,
        )
        .order_by(ConversationMessage.id)
    ).scalars()
    first: dict[int, str] = {}
    for message in rows:
        first.setdefault(message.conversation_id, message_display_text(message))
    return first


def messages_of(conversation_id: int, after_id: int = 0) -> list[dict[str, Any]]:
    """Return a conversation's messages after an id, as the console shows them."""
    rows = db.session.execute(
        select(ConversationMessage, Operator)
        .outerjoin(Operator, Operator.id == ConversationMessage.operator_id)
        .where(
            ConversationMessage.conversation_id == conversation_id,
            ConversationMessage.id > after_id,
        )
        .order_by(ConversationMessage.created_at, ConversationMessage.id)
    ).all()
    return [
        {
            "id": message.id,
            "sender": message.sender,
            "kind": message.kind,
            "text": message_display_text(message),
            "placeholder": message.kind != TEXT,
            "operator": operator.display_name if operator else None,
            "delivery": DELIVERY_LABELS.get(message.delivery or ""),
            "created_at": message.created_at.isoformat(),
        }
        for message, operator in rows
    ]


def conversation_with_people(
    conversation_id: int,
) -> tuple[Conversation, LineUser, Operator | None] | None:
    """Return a conversation with its customer and operator, if it exists."""
    row = db.session.execute(
        select(Conversation, LineUser, Operator)
        .join(LineUser, LineUser.id == Conversation.user_id)
        .outerjoin(Operator, Operator.id == Conversation.operator_id)
        .where(Conversation.id == conversation_id)
    ).first()
    return (row[0], row[1], row[2]) if row else None
