"""Run the handler for a stored event, one event per user at a time."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from flask import current_app
from redis.exceptions import LockError
from sqlalchemy import select

from bot.extensions import db, get_redis
from bot.handlers.context import EventContext
from bot.jobs import TransientError
from bot.routing import EVENT, get_router
from bot.users.models import LineUser
from bot.users.service import first_contact
from bot.webhook.models import WebhookEvent

log = logging.getLogger(__name__)


class UserBusy(TransientError):
    """Another worker is handling an event of the same user; try again shortly."""


@contextlib.contextmanager
def user_lock(key: str) -> Iterator[None]:
    """Hold the per-user lock so that two events of one user never run at once."""
    settings = current_app.config["SETTINGS"]
    lock = get_redis().lock(
        f"lock:user:{key}",
        timeout=settings.USER_LOCK_SECONDS,
        blocking_timeout=settings.USER_LOCK_SECONDS / 2,
    )
    if not lock.acquire():
        raise UserBusy(f"user {key} is busy")
    try:
        yield
    finally:
        with contextlib.suppress(LockError):
            lock.release()


def load_event(event_pk: int) -> tuple[WebhookEvent, LineUser | None] | None:
    """Return a stored event and its user (if known) with one query."""
    row = db.session.execute(
        select(WebhookEvent, LineUser)
        .outerjoin(LineUser, LineUser.line_user_id == WebhookEvent.line_user_id)
        .where(WebhookEvent.id == event_pk)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def dispatch_event(event: WebhookEvent, user: LineUser | None) -> EventContext:
    """Run the handler for the event's type; return its context and outbox.

    Every handled event from a user has the user's row: this is the one place
    it is created on first contact (with the LINE profile), so handlers never
    create it themselves.
    """
    ctx = EventContext(event=event, user=user)
    route = get_router().find(EVENT, event.event_type)
    if route is None:
        log.info("event type not handled", extra={"event_type": event.event_type})
        return ctx
    if ctx.user is None and event.line_user_id is not None:
        ctx.user = first_contact(event.line_user_id)
        ctx.first_contact = True
    route.fn(ctx)
    return ctx
