"""Run the handler for a stored event, one event per user at a time."""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from bot.extensions import db, get_redis
from bot.handlers.context import EventContext
from bot.handoff.models import Conversation
from bot.handoff.service import OPEN_CONVERSATION, open_conversation_join
from bot.jobs import TransientError
from bot.routing import EVENT, get_router
from bot.users.models import LineUser
from bot.users.service import first_contact
from bot.webhook.models import PENDING, WebhookEvent
from bot.webhook.parsing import payload_problem

log = logging.getLogger(__name__)


class UserBusy(TransientError):
    """Another worker is handling an event of the same user; try again shortly."""


# Take every key or none, in one round trip: all-or-nothing cannot deadlock
# two jobs that share users, whatever order their events come in.
_ACQUIRE_ALL = """
for i, key in ipairs(KEYS) do
  if redis.call('exists', key) == 1 then return 0 end
end
for i, key in ipairs(KEYS) do
  redis.call('set', key, ARGV[1], 'px', ARGV[2])
end
return 1
"""
_RELEASE_ALL = """
local released = 0
for i, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then
    redis.call('del', key)
    released = released + 1
  end
end
return released
"""
_RETRY_EVERY_SECONDS = 0.05


@contextlib.contextmanager
def user_locks(keys: Sequence[str]) -> Iterator[None]:
    """Hold the locks of every user of a job, so no two of a user's events overlap.

    One round trip takes them all and one gives them back, instead of two
    per event; a job waits while another job holds any of its users.
    """
    settings = current_app.config["SETTINGS"]
    redis = get_redis()
    names = sorted({f"lock:user:{key}" for key in keys})
    token = uuid.uuid4().hex
    ttl_ms = settings.USER_LOCK_SECONDS * 1000
    deadline = time.monotonic() + settings.USER_LOCK_SECONDS / 2
    while not redis.eval(_ACQUIRE_ALL, len(names), *names, token, ttl_ms):
        if time.monotonic() >= deadline:
            raise UserBusy(f"{len(names)} user(s) busy")
        time.sleep(_RETRY_EVERY_SECONDS)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            redis.eval(_RELEASE_ALL, len(names), *names, token)


def load_event(
    event_pk: int,
) -> tuple[WebhookEvent, LineUser | None, Conversation | None, bool] | None:
    """Return a stored event, its user, their open conversation, and whether an
    earlier event of theirs is still pending, in one query.

    The conversation is what the handoff interceptor asks of every message;
    reading it here saves the handler a round trip. The last answer comes from
    the partial index of pending events (a few rows per customer at most).
    """
    row = db.session.execute(
        select(WebhookEvent, LineUser, Conversation, _EARLIER_PENDING)
        .outerjoin(LineUser, LineUser.line_user_id == WebhookEvent.line_user_id)
        .outerjoin(Conversation, open_conversation_join(LineUser.id))
        .where(WebhookEvent.id == event_pk)
    ).one_or_none()
    return None if row is None else (row[0], row[1], row[2], bool(row[3]))


_EARLIER = aliased(WebhookEvent)
_EARLIER_PENDING = (
    select(_EARLIER.id)
    .where(
        _EARLIER.line_user_id == WebhookEvent.line_user_id,
        _EARLIER.status == PENDING,
        _EARLIER.id < WebhookEvent.id,
    )
    .exists()
)


def earlier_pending(line_user_id: str | None, event_pk: int) -> list[int]:
    """Return the customer's pending events stored before this one, oldest first."""
    return list(
        db.session.scalars(
            select(WebhookEvent.id)
            .where(
                WebhookEvent.line_user_id == line_user_id,
                WebhookEvent.status == PENDING,
                WebhookEvent.id < event_pk,
            )
            .order_by(WebhookEvent.id)
        )
    )


def dispatch_event(
    event: WebhookEvent,
    user: LineUser | None,
    open_conversation: Conversation | None = None,
) -> EventContext:
    """Run the handler for the event's type; return its context and outbox.

    Every handled event from a user has the user's row: this is the one place
    it is created on first contact (with the LINE profile), so handlers never
    create it themselves. `open_conversation` is the user's, read with the
    event (a user created here has none).
    """
    ctx = EventContext(event=event, user=user)
    if user is not None:
        ctx.preloaded[OPEN_CONVERSATION] = open_conversation
    route = get_router().find(EVENT, event.event_type)
    if route is None:
        log.info("event type not handled", extra={"event_type": event.event_type})
        return ctx
    if _from_shared_chat(event.payload):
        # This bot talks with one customer at a time: in a group its answers
        # (points, a handoff, the menu) would be one member's business shown
        # to all, so a channel that lets it join groups gets no answer there.
        log.info("group or room event ignored", extra={"event_type": event.event_type})
        return ctx
    problem = payload_problem(event.payload)
    if problem is not None:
        # A handler would fail on it for good; nothing can be answered.
        log.warning("event not understood", extra={"problem": problem})
        return ctx
    if ctx.user is None and event.line_user_id is not None:
        ctx.user = first_contact(event.line_user_id)
        ctx.first_contact = True
    route.fn(ctx)
    return ctx


def _from_shared_chat(payload: dict[str, Any]) -> bool:
    """Tell whether the event comes from a group chat or a multi-person room."""
    source = payload.get("source")
    return isinstance(source, dict) and source.get("type") in ("group", "room")
