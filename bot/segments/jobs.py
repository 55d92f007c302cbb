"""Background jobs for segment sends: scheduled sends and their continuation."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.extensions import db
from bot.jobs import enqueue, job
from bot.models_base import utcnow
from bot.segments.delivery import deliver_send
from bot.segments.models import DONE, SegmentSend

log = logging.getLogger(__name__)

# A job run stays well inside the worker's five-minute time limit, then continues.
RUN_SECONDS = 120


@job()
def run_segment_send(send_id: int) -> None:
    """Deliver a scheduled send once its time has come; continue in later runs."""
    send = db.session.get(SegmentSend, send_id)
    if send is None or send.status == DONE:
        return
    if send.scheduled_at is not None and send.scheduled_at > utcnow():
        # Woken early (a re-queued message): sleep again until the stored time.
        schedule_send(send_id, send.scheduled_at)
        return
    report = deliver_send(send_id, max_seconds=RUN_SECONDS)
    if not report.finished:
        enqueue(run_segment_send, send_id)


def schedule_send(send_id: int, at: datetime) -> str:
    """Queue the send's job to run at `at` (the time is also in the send row)."""
    delay_ms = max(0, int((at - utcnow()).total_seconds() * 1000))
    log.info("segment send queued", extra={"send_id": send_id, "delay_ms": delay_ms})
    return enqueue(run_segment_send, send_id, delay_ms=delay_ms)
