"""Background jobs for segment sends: scheduled sends and their continuation."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from bot.extensions import db
from bot.jobs import enqueue
from bot.models_base import utcnow
from bot.segments.delivery import QuietHoursNow, deliver_send
from bot.segments.models import CANCELLED, DONE, SCHEDULED, SegmentSend

log = logging.getLogger(__name__)

# A job run stays well inside the worker's five-minute time limit, then continues.
RUN_SECONDS = 120


def run_segment_send(send_id: int) -> None:
    """Deliver a scheduled send once its time has come; continue in later runs."""
    send = db.session.get(SegmentSend, send_id)
    if send is None or send.status in (DONE, CANCELLED):
        return
    if send.scheduled_at is not None and send.scheduled_at > utcnow():
        # Woken early (a re-queued message): sleep again until the stored time.
        schedule_send(send_id, send.scheduled_at)
        return
    try:
        report = deliver_send(send_id, max_seconds=RUN_SECONDS)
    except QuietHoursNow as exc:
        # Asked for inside the quiet hours: the send waits until they end.
        send.status, send.scheduled_at = SCHEDULED, exc.until
        db.session.commit()
        return
    if not report.finished:
        enqueue(run_segment_send, send_id)


def schedule_send(send_id: int, at: datetime) -> str | None:
    """Queue the send's job if its time has come; later ones wait in the database.

    The time is in the send row; the worker's minute sweep queues it when due,
    so nothing scheduled days ahead sits in Redis or in a worker's memory.
    """
    if at > utcnow():
        log.info("segment send scheduled", extra={"send_id": send_id})
        return None
    return enqueue(run_segment_send, send_id)


def queue_due_sends() -> None:
    """Each minute in the worker, queue scheduled sends whose time has come."""
    due = list(
        db.session.scalars(
            select(SegmentSend.id).where(
                SegmentSend.status == SCHEDULED, SegmentSend.scheduled_at <= utcnow()
            )
        )
    )
    db.session.rollback()
    for send_id in due:
        enqueue(run_segment_send, send_id)
