"""What the bot delivered to users, as the emulator records it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from line_emulator.ids import new_message_id, new_quote_token

# Draws a multicast recipient's message ids once, however many threads read them.
_issue_lock = threading.Lock()
# Only these message types can be quoted, so only they get a quote token.
QUOTABLE_TYPES = {"text", "textV2", "sticker", "image", "video", "audio", "location"}


@dataclass
class Delivery:
    """One set of messages sent to one user by reply, push or multicast.

    A multicast to 500 users makes 500 of these; their message ids are drawn
    only when someone reads them (LINE's multicast answer has none).
    """

    user_id: str
    via: str
    messages: list[dict[str, Any]]
    delivered: bool
    request_id: str
    timestamp: float
    issued_ids: list[dict[str, str]] | None = field(default=None, repr=False)

    @property
    def sent_messages(self) -> list[dict[str, str]]:
        """Return the message ids (and quote tokens) LINE gave these messages."""
        if self.issued_ids is None:
            with _issue_lock:
                if self.issued_ids is None:
                    self.issued_ids = sent_message_ids(self.messages)
        return self.issued_ids

    def as_dict(self) -> dict[str, Any]:
        """Return the delivery as JSON-friendly values."""
        return {
            "userId": self.user_id,
            "via": self.via,
            "messages": self.messages,
            "sentMessages": self.sent_messages,
            "delivered": self.delivered,
            "requestId": self.request_id,
            "timestamp": self.timestamp,
        }


def sent_message_ids(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Return the sentMessages entries LINE answers for these messages."""
    sent = []
    for message in messages:
        entry = {"id": new_message_id()}
        if message.get("type") in QUOTABLE_TYPES:
            entry["quoteToken"] = new_quote_token()
        sent.append(entry)
    return sent
