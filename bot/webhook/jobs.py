"""The job that handles one stored webhook event."""

from __future__ import annotations

import functools
import logging
from typing import Any

import psycopg
from sqlalchemy import Connection, TextClause, bindparam, text, update
from sqlalchemy.exc import OperationalError

from bot.extensions import db, one_connection_session
from bot.jobs import enqueue, is_final_attempt, is_transient
from bot.logs import log_context
from bot.models_base import utcnow
from bot.webhook import service
from bot.webhook.models import DONE, FAILED, FINISHED, SENDING, WebhookEvent
from bot.webhook.outbox import recipient, send_outbox
from bot.webhook.store import StoredEvent

log = logging.getLogger(__name__)


# Events one job carries: a round of deliveries, or a slice of a requeue.
EVENTS_PER_JOB = 50


def handle_webhook_events(events: list[list[Any]]) -> None:
    """Handle events stored together, in order; retry only those that need it.

    A job carries the new events of one round of webhook deliveries, each as
    [row id, LINE user id]. Each is handled and recorded on its own (after
    its customer's earlier pending events: handle_webhook_event); when one
    fails in a way worth retrying, the others still run, and the retried job
    skips the events already done. The job holds the locks of all its users
    (taken in one round trip) and one database connection throughout.
    """
    from bot.webhook.dispatch import user_locks

    retry: Exception | None = None
    sent: list[int] = []
    keys = [line_user_id or f"event-{pk}" for pk, line_user_id in events]
    with one_connection_session(), user_locks(keys):
        try:
            for event_pk, _ in events:
                try:
                    handle_webhook_event(event_pk, sent)
                except Exception as exc:  # noqa: BLE001 - transient: finish the others
                    retry = exc
        finally:
            # One statement for the job: a worker lost before it leaves the
            # events `sending`, and a retry sends their outboxes again under
            # the same keys.
            if sent:
                _mark_sent(sent)
    if retry is not None:
        raise retry


def handle_webhook_event(event_pk: int, sent: list[int]) -> None:
    """Dispatch one stored event, commit, then send its outbox (noted in `sent`).

    The caller holds the user's lock, and the row is read once under it (with
    its user and their open conversation, in the same query), so a duplicate
    job that waited for the lock sees the event already done. The handler's
    data, the outbox and the status `sending` are committed together; the
    messages go out after that commit, and the event is `done` once they have
    (the caller marks every sent event of its job in one statement). A retry
    of an event found `sending` sends the stored outbox again (same retry
    keys, the reply token's attempt marker) without running the handler twice.
    An event whose outbox went out is added to `sent`, to be marked.
    Raises only a failure worth retrying, and only before the last attempt.

    A customer's events are handled in the order they were stored: when the
    event's own query finds an earlier event of the same customer still
    pending (its job queued behind this one, or taken by a thread that has
    not got the lock yet), that one is handled first, here, and its own job
    later finds it done. Without this, worker threads racing for the lock
    answered six questions as 6, 2, 1, 4, 3, 5.
    """
    from bot.webhook.dispatch import dispatch_event, earlier_pending, load_event

    loaded = load_event(event_pk)
    if loaded is not None and loaded[3] and loaded[0].status not in FINISHED:
        line_user_id = loaded[0].line_user_id
        db.session.rollback()
        for earlier_pk in earlier_pending(line_user_id, event_pk):
            handle_webhook_event(earlier_pk, sent)
        loaded = load_event(event_pk)
    if loaded is None:
        log.warning("queued event not found", extra={"event_pk": event_pk})
        db.session.rollback()
        return
    event, user, conversation, _ = loaded
    with log_context(event_id=event.webhook_event_id, event_type=event.event_type):
        if event.status in FINISHED:
            log.info("event already handled")
            db.session.rollback()
            return
        webhook_event_id = event.webhook_event_id
        reply_token = event.payload.get("replyToken")
        try:
            if event.status == SENDING and event.outbox:
                outbox, to = event.outbox, recipient(user)
                db.session.rollback()
            else:
                ctx = dispatch_event(event, user, conversation)
                outbox, to = ctx.outbox, recipient(ctx.user)
                _record_handled(event_pk, outbox)
                db.session.commit()
            if outbox:
                send_outbox(webhook_event_id, reply_token, to, outbox)
        except Exception as exc:
            db.session.rollback()
            _record_failure(event_pk, exc)
            if is_transient(exc) and not is_final_attempt():
                raise
            log.exception("event failed for good; see `flask events failed`")
            return
        log.info("event handled")
        if outbox:
            sent.append(event_pk)


@functools.cache
def _record_handled_statement() -> TextClause:
    table = WebhookEvent.__table__
    return text(
        f"UPDATE {table.name} SET status = :status, outbox = :outbox,"
        " handled_at = :handled_at, attempts = attempts + :tried WHERE id = :id"
    ).bindparams(
        bindparam("outbox", type_=table.c.outbox.type),
        bindparam("handled_at", type_=table.c.handled_at.type),
    )


def _record_handled(event_pk: int, outbox: list[dict[str, Any]]) -> None:
    """Store the handler's outbox and the event's status with its data."""
    # One statement of constant text in the session's transaction instead of
    # the ORM's unit of work for one row (its flush was 9% of the worker).
    db.session.execute(
        _record_handled_statement(),
        {
            "status": SENDING if outbox else DONE,
            "outbox": outbox or None,
            "handled_at": utcnow(),
            # A try counts when it ends: here, in _mark_sent once the outbox
            # is out, or in _record_failure.
            "tried": 0 if outbox else 1,
            "id": event_pk,
        },
    )


def _mark_sent(event_pks: list[int]) -> None:
    # On the job's connection, outside the session's transactions: one
    # statement that commits itself (one round trip, not BEGIN, UPDATE, COMMIT).
    db.session.rollback()
    connection = db.session().bind
    assert isinstance(connection, Connection), "runs in one_connection_session"
    if connection.dialect.name == "postgresql":
        _mark_sent_on_postgresql(connection, event_pks)
        return
    default = connection.default_isolation_level
    connection.execution_options(isolation_level="AUTOCOMMIT")
    try:
        connection.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id.in_(event_pks), WebhookEvent.status == SENDING)
            .values(status=DONE, outbox=None, attempts=WebhookEvent.attempts + 1)
        )
        connection.commit()
    finally:
        connection.execution_options(isolation_level=default)


_MARK_SENT_SQL = (
    f"UPDATE {WebhookEvent.__tablename__}"
    " SET status = %(done)s, outbox = NULL, attempts = attempts + 1"
    " WHERE id = ANY(%(ids)s) AND status = %(sending)s"
)


def _mark_sent_on_postgresql(connection: Connection, event_pks: list[int]) -> None:
    # Straight through psycopg, in autocommit: building and running the same
    # UPDATE through SQLAlchemy cost more CPU than the round trip it saves
    # (bench/README.md, issue 22).
    driver = connection.connection.driver_connection
    driver.autocommit = True
    try:
        driver.execute(
            _MARK_SENT_SQL, {"done": DONE, "sending": SENDING, "ids": event_pks}
        )
    except psycopg.OperationalError as exc:
        # As SQLAlchemy would report it: transient, and the connection is
        # not handed out again.
        connection.invalidate(exc)
        raise OperationalError(_MARK_SENT_SQL, None, exc) from exc
    finally:
        if not driver.closed:
            driver.autocommit = False  # the pool hands it out again


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


def queue_events(events: list[StoredEvent]) -> None:
    """Queue stored events for the worker, in jobs of at most EVENTS_PER_JOB."""
    for start in range(0, len(events), EVENTS_PER_JOB):
        enqueue(handle_webhook_events, events[start : start + EVENTS_PER_JOB])


# Pending events older than this missed the queue (Redis was down when stored).
STALE_AFTER_SECONDS = 120


def requeue_stale_events() -> None:
    """Each minute in the worker, queue events that never reached the queue."""
    stale = service.stale_events(STALE_AFTER_SECONDS)
    db.session.rollback()
    queue_events(stale)
    if stale:
        log.warning("requeued stale events", extra={"count": len(stale)})


def retry_failed_events(ids: list[int] | None) -> list[int]:
    """Handle failed events again (all, or these ids): commit, then queue them."""
    events = service.mark_failed_for_retry(ids)
    db.session.commit()
    queue_events(events)
    return [event.pk for event in events]
