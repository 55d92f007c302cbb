"""Sending an event's outbox: what its handler answered, after the commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.extensions import db
from bot.handlers.context import REPLY
from bot.line.delivery import push_to_user, reply_to_event, retry_key_for
from bot.users.models import LineUser


@dataclass(frozen=True)
class Recipient:
    """What delivery needs of a user, read before the commit expires the row."""

    id: int
    line_user_id: str
    can_receive_push: bool


def recipient(user: LineUser | None) -> Recipient | None:
    """Snapshot a user for sending after the commit (no reload per attribute)."""
    if user is None or user.id is None:
        return None
    return Recipient(user.id, user.line_user_id, user.can_receive_push)


def send_outbox(
    webhook_event_id: str,
    reply_token: str | None,
    user: Recipient | None,
    outbox: list[dict[str, Any]],
) -> None:
    """Send every answer once: replies by token (push fallback), pushes by key."""
    for item in outbox:
        if item["via"] == REPLY:
            reply_to_event(
                webhook_event_id,
                reply_token,
                user,  # type: ignore[arg-type] - delivery reads these fields only
                item["messages"],
                fallback_push=item["fallback_push"],
            )
            continue
        target: Any = user
        if user is None or user.id != item["user_pk"]:
            target = recipient(db.session.get(LineUser, item["user_pk"]))
        if target is None:
            continue
        key = retry_key_for("event", webhook_event_id, item["purpose"])
        push_to_user(target, item["messages"], key)
