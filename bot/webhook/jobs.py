"""The job that handles one stored webhook event."""

from __future__ import annotations

import logging
from typing import Any

from bot.extensions import db
from bot.jobs import is_final_attempt, is_transient
from bot.logs import log_context
from bot.models_base import utcnow
from bot.webhook.models import DONE, FAILED, FINISHED, WebhookEvent

log = logging.getLogger(__name__)


# Events one job carries: a round of deliveries, or a slice of a requeue.
EVENTS_PER_JOB = 50


def handle_webhook_events(events: list[list[Any]]) -> None:
    """Handle events stored together, in order; retry only those that need it.

    A job carries the new events of one round of webhook deliveries, each as
    [row id, LINE user id]. Each is handled and recorded on its own; when one
    fails in a way worth retrying, the others still run, and the retried job
    skips the events already done.
    """
    retry: Exception | None = None
    for event_pk, line_user_id in events:
        try:
            handle_webhook_event(event_pk, line_user_id)
        except Exception as exc:  # noqa: BLE001 - transient: finish the others first
            retry = exc
    if retry is not None:
        raise retry


def handle_webhook_event(event_pk: int, line_user_id: str | None) -> None:
    """Dispatch one stored event; record it done, or failed after the last retry.

    The user's lock comes first and the row is read once under it (with its
    user, in the same query), so a duplicate job that waited for the lock sees
    the event already done.
    Raises only a failure worth retrying, and only before the last attempt.
    """
    from bot.webhook.dispatch import dispatch_event, load_event, user_lock

    with user_lock(line_user_id or f"event-{event_pk}"):
        loaded = load_event(event_pk)
        if loaded is None:
            log.warning("queued event not found", extra={"event_pk": event_pk})
            return
        event, user = loaded
        with log_context(event_id=event.webhook_event_id, event_type=event.event_type):
            if event.status in FINISHED:
                log.info("event already handled")
                return
            try:
                dispatch_event(event, user)
                event.status = DONE
                event.attempts += 1
                event.handled_at = utcnow()
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                _record_failure(event_pk, exc)
                if is_transient(exc) and not is_final_attempt():
                    raise
                log.exception("event failed for good; see `flask events failed`")
                return
            log.info("event handled")


def _record_failure(event_pk: int, exc: Exception) -> None:
    event = db.session.get(WebhookEvent, event_pk)
    if event is None:
        return
    event.attempts += 1
    event.last_error = _describe(exc)
    final = not is_transient(exc) or is_final_attempt()
    if final:
        event.status = FAILED
    db.session.commit()
    log.warning(
        "event attempt failed",
        extra={"attempt": event.attempts, "final": final, "error": event.last_error},
    )


def _describe(exc: Exception) -> str:
    # The class and LINE's status, never the exception text (it may quote a body).
    status = getattr(exc, "status", None)
    operation = getattr(exc, "operation", None)
    parts = [type(exc).__name__]
    if operation:
        parts.append(f"operation={operation}")
    if status is not None:
        parts.append(f"status={status}")
    return " ".join(parts)[:300]


# Pending events older than this missed the queue (Redis was down when stored).
STALE_AFTER_SECONDS = 120


def requeue_stale_events() -> None:
    """Each minute in the worker, queue events that never reached the queue."""
    from bot.webhook.service import requeue_stale_events as requeue

    ids = requeue(STALE_AFTER_SECONDS)
    if ids:
        log.warning("requeued stale pending events", extra={"count": len(ids)})
