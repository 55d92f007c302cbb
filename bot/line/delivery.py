"""Delivering messages to customers exactly once, across job retries.

Reply tokens are single use. When a job is retried after a reply attempt that
may have reached LINE (a timeout or 5xx), LINE calls the token used on the
retry: that counts as delivered, and no paid push is sent. A reply LINE
refused outright (expired token) reached nobody, so it is not remembered.
A push carries a retry key derived from what it answers, so a retried push is
refused by LINE with 409 instead of being delivered twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from bot.extensions import get_redis
from bot.line.client import InvalidReplyToken, RetryKeyAlreadyAccepted, line_client
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
        marker = f"reply-attempt:{webhook_event_id}"
        redis = get_redis()
        attempted_before = not redis.set(marker, 1, nx=True, ex=_ATTEMPT_TTL_SECONDS)
        try:
            line_client().reply(reply_token, messages)
            return "replied"
        except InvalidReplyToken:
            if attempted_before:
                log.info(
                    "reply token used by our earlier attempt: counted as delivered"
                )
                return "already"
            # LINE refused this reply outright, so nothing reached the customer:
            # forget the attempt, or a retry would wrongly count it as delivered.
            redis.delete(marker)
            log.info("reply token expired before we answered")
    if not fallback_push or user is None:
        return "dropped"
    return push_to_user(user, messages, retry_key_for("event", webhook_event_id))


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
