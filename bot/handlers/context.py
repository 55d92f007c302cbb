"""What a handler gets: the event, its user, and ways to answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.line.delivery import push_to_user, reply_to_event, retry_key_for
from bot.users.models import LineUser
from bot.webhook.models import WebhookEvent


@dataclass
class EventContext:
    """One stored event being handled in the worker."""

    event: WebhookEvent
    user: LineUser | None

    @property
    def payload(self) -> dict[str, Any]:
        """Return the event exactly as LINE sent it."""
        return self.event.payload

    @property
    def line_user_id(self) -> str | None:
        """Return the LINE user id of the event's source, if any."""
        return self.event.line_user_id

    @property
    def occurred_at(self) -> datetime:
        """Return when LINE says the event happened (or when we got it)."""
        return self.event.occurred_at or self.event.received_at

    def reply(
        self, messages: Sequence[dict[str, Any]], *, fallback_push: bool = True
    ) -> str:
        """Answer the event once: reply token first, push only if it had expired."""
        return reply_to_event(
            self.event.webhook_event_id,
            self.payload.get("replyToken"),
            self.user,
            messages,
            fallback_push=fallback_push,
        )

    def push(self, messages: Sequence[dict[str, Any]], purpose: str) -> str:
        """Push to the event's user, once per event and purpose."""
        if self.user is None:
            return "dropped"
        key = retry_key_for("event", self.event.webhook_event_id, purpose)
        return push_to_user(self.user, messages, key)
