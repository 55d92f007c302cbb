"""The life of stored events after the request: failed ones, stale ones, retries.

Functions here read and mark rows; queueing them is the caller's (see
`bot.webhook.jobs.queue_events`), so this module imports no job.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.extensions import db
from bot.models_base import utcnow
from bot.webhook.models import FAILED, PENDING, SENDING, WebhookEvent
from bot.webhook.store import StoredEvent


def failed_events(limit: int = 100) -> list[WebhookEvent]:
    """Return the events that failed for good, oldest first."""
    return list(
        db.session.scalars(
            select(WebhookEvent)
            .where(WebhookEvent.status == FAILED)
            .order_by(WebhookEvent.id)
            .limit(limit)
        )
    )


def mark_failed_for_retry(ids: list[int] | None) -> list[StoredEvent]:
    """Mark failed events (all, or these ids) to be handled again; flush only."""
    query = select(WebhookEvent).where(WebhookEvent.status == FAILED)
    if ids is not None:
        query = query.where(WebhookEvent.id.in_(ids))
    events = list(db.session.scalars(query.order_by(WebhookEvent.id)))
    for event in events:
        # Handled but not delivered: send what was answered, not handle again.
        event.status = SENDING if event.outbox else PENDING
    db.session.flush()
    return [StoredEvent(e.id, e.line_user_id) for e in events]


def stale_events(older_than_seconds: int, limit: int = 10_000) -> list[StoredEvent]:
    """Return events that should have been handled by now, oldest first.

    A pending event may have missed the queue (Redis was down when it was
    stored); a sending one may have lost its worker between the commit and
    LINE. Queueing either twice is harmless: the job skips finished events,
    and sends a stored outbox under the same retry keys.
    """
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    rows = db.session.execute(
        select(WebhookEvent.id, WebhookEvent.line_user_id)
        .where(
            ((WebhookEvent.status == PENDING) & (WebhookEvent.received_at <= cutoff))
            | ((WebhookEvent.status == SENDING) & (WebhookEvent.handled_at <= cutoff))
        )
        .order_by(WebhookEvent.id)
        .limit(limit)
    )
    return [StoredEvent(pk, line_user_id) for pk, line_user_id in rows]
