"""What a handler gets: the event, its user, and ways to answer.

Handlers change data and say what to send; nothing reaches LINE from here.
`reply()` and `push()` put messages in the event's outbox, which the event job
stores with the handler's data in one commit and sends only after it (see
`bot.webhook.jobs`), so a customer never reads about data that was rolled back,
and a retried job sends the stored outbox again under the same retry keys
instead of running the handler twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.extensions import db
from bot.line.delivery import MAX_MESSAGES_PER_CALL
from bot.users.models import LineUser
from bot.webhook.models import WebhookEvent

REPLY = "reply"
PUSH = "push"


@dataclass
class EventContext:
    """One stored event being handled in the worker."""

    event: WebhookEvent
    user: LineUser | None
    outbox: list[dict[str, Any]] = field(default_factory=list)
    # True when this event created the user's row (profile fetched just now).
    first_contact: bool = False
    # What the dispatcher read with the event for a domain, by name (one query
    # instead of one per handler); a name missing here was not read.
    preloaded: dict[str, Any] = field(default_factory=dict)

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
    ) -> None:
        """Answer the event once after commit: its reply token, else one push.

        A second call adds to the same reply (a token takes one call of up to
        five messages).
        """
        queued = next((o for o in self.outbox if o["via"] == REPLY), None)
        if queued is None:
            queued = {"via": REPLY, "messages": [], "fallback_push": fallback_push}
            self.outbox.append(queued)
        queued["messages"].extend(messages)
        _check_count(queued["messages"])

    def push(
        self,
        messages: Sequence[dict[str, Any]],
        purpose: str,
        to: LineUser | None = None,
    ) -> None:
        """Push after commit to the event's user (or `to`), once per purpose."""
        target = to or self.user
        if target is None:
            return
        _check_count(messages)
        if target.id is None:
            db.session.flush()  # a user created by this handler gets its id
        self.outbox.append(
            {
                "via": PUSH,
                "messages": list(messages),
                "purpose": purpose,
                "user_pk": target.id,
            }
        )


def _check_count(messages: Sequence[dict[str, Any]]) -> None:
    if not 1 <= len(messages) <= MAX_MESSAGES_PER_CALL:
        raise ValueError(f"LINE takes 1 to 5 messages per call, got {len(messages)}")
