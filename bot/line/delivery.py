"""Delivering messages to customers exactly once, across job retries.

Reply tokens are single use, and LINE answers "Invalid reply token" both for a
token already used and for one that expired. So each reply attempt that may
have reached LINE is remembered: the marker is written once the request has
left this process (not before the call, so a worker killed before sending
leaves none), and taken back when LINE refused the request before handling
it (429). When a retry then finds the token invalid, a remembered attempt
counts as delivered and no paid push follows; otherwise every attempt was
refused or never sent, the token simply died, and a push goes out instead.
A 5xx or a timeout may come after LINE accepted the reply, so it stays
remembered.
A push carries a retry key derived from what it answers, so a retried push is
refused by LINE with 409 instead of being delivered twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from bot.extensions import get_redis
from bot.line.client import (
    InvalidReplyToken,
    LineTransientError,
    RetryKeyAlreadyAccepted,
    line_client,
)
from bot.users.models import LineUser

log = logging.getLogger(__name__)

MAX_MESSAGES_PER_CALL = 5
_RETRY_KEY_NAMESPACE = uuid.UUID("6f1c2a52-3f0e-4c41-9d55-7a4c0e8f1b20")
_ATTEMPT_TTL_SECONDS = 24 * 3600


def retry_key_for(*parts: object) -> str:
    """Return a stable X-Line-Retry-Key for one logical push."""
    return str(uuid.uuid5(_RETRY_KEY_NAMESPACE, ":".join(str(p) for p in parts)))


def reply_to_event(
    webhook_event_id: str,
    reply_token: str | None,
    user: LineUser | None,
    messages: Sequence[dict[str, Any]],
    *,
    fallback_push: bool = True,
) -> str:
    """Reply to an event; return how it went: replied, already, pushed or dropped."""
    _check_count(messages)
    if reply_token:
        outcome = _reply(webhook_event_id, reply_token, messages)
        if outcome != "expired":
            return outcome
    if not fallback_push or user is None:
        return "dropped"
    return push_to_user(user, messages, retry_key_for("event", webhook_event_id))


# LINE's answers that say the request was turned away before it was handled.
REFUSED_BEFORE_HANDLING = frozenset({429})


def _marker(webhook_event_id: str) -> str:
    return f"reply-attempt:{webhook_event_id}"


def _reply(
    webhook_event_id: str, reply_token: str, messages: Sequence[dict[str, Any]]
) -> str:
    """Try the reply token; return replied, already (used by us) or expired."""
    redis = get_redis()
    marker = _marker(webhook_event_id)
    # Whether an earlier attempt left the marker: read by the SET that writes
    # this attempt's (one round trip on the common path), or, when this
    # request never left, read on its own.
    earlier: list[bool] = []

    def sent() -> None:
        earlier.append(
            redis.set(marker, 1, ex=_ATTEMPT_TTL_SECONDS, get=True) is not None
        )

    def remembered() -> bool:
        if not earlier:
            earlier.append(bool(redis.exists(marker)))
        return earlier[0]

    try:
        line_client().reply(reply_token, messages, on_sent=sent)
    except InvalidReplyToken:
        if remembered():
            log.info("reply token used by our earlier attempt: counted as delivered")
            return "already"
        # Refused outright: this attempt reached nobody, so forget it.
        redis.delete(marker)
        log.info("reply token expired before any attempt of ours reached LINE")
        return "expired"
    except LineTransientError as exc:
        if exc.status in REFUSED_BEFORE_HANDLING and not remembered():
            redis.delete(marker)
        raise
    return "replied"


def push_to_user(
    user: LineUser, messages: Sequence[dict[str, Any]], retry_key: str
) -> str:
    """Push to a user who still follows us; return pushed, already or blocked."""
    _check_count(messages)
    if not user.can_receive_push:
        log.info("push skipped: user blocked the account", extra={"user": user.id})
        return "blocked"
    try:
        line_client().push(user.line_user_id, messages, retry_key)
    except RetryKeyAlreadyAccepted:
        log.info("push already accepted by LINE under this retry key")
        return "already"
    return "pushed"


def _check_count(messages: Sequence[dict[str, Any]]) -> None:
    if not 1 <= len(messages) <= MAX_MESSAGES_PER_CALL:
        raise ValueError(f"LINE takes 1 to 5 messages per call, got {len(messages)}")
