"""Sending frozen steps to LINE: multicast for shared content, push for personal.

Each step's record is written PENDING, with its retry key fixed by the record
(push: enrollment and step; multicast: the batch), and committed before
anything goes to LINE. A run that dies after LINE accepted a send but before
the record says SENT sends it again on the next run under the same retry key:
LINE answers 409 and the record is marked sent, so nobody gets a step twice
and no step is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select, update

from bot.bulk import in_ids
from bot.extensions import db
from bot.line.client import (
    LineApiError,
    LineTransientError,
    RetryKeyAlreadyAccepted,
    line_client,
)
from bot.line.delivery import retry_key_for
from bot.line.multicast import MAX_RECIPIENTS, send_multicast
from bot.line.rate_limits import rate_limit
from bot.measure.units import scenario_units
from bot.scenarios.models import PENDING, SENT, Enrollment, SendBatch, StepSend
from bot.users.models import LineUser

log = logging.getLogger(__name__)

# Enough to keep LINE's push limit busy over keep-alive connections; the LINE
# client's connection pool is at least this large, so each thread keeps one.
SENDER_THREADS = 32
FAILED = "failed"


@dataclass
class Outbox:
    """Frozen sends: personal pushes and shared multicast batches."""

    # (step-send id, enrollment id, step no, LINE user id, messages)
    pushes: list[tuple[int, int, int, str, list[dict[str, Any]]]] = field(
        default_factory=list
    )
    # batch id -> (LINE user ids, step-send ids, messages)
    batches: dict[int, tuple[list[str], list[int], list[dict[str, Any]]]] = field(
        default_factory=dict
    )

    def __len__(self) -> int:
        return len(self.pushes) + sum(len(b[0]) for b in self.batches.values())

    def extend(self, other: Outbox) -> None:
        """Add another outbox's sends to this one."""
        self.pushes.extend(other.pushes)
        self.batches.update(other.batches)


@dataclass
class DeliveryOutcome:
    """What LINE did with an outbox."""

    delivered: int = 0
    already: int = 0
    failed: int = 0
    retry_later: int = 0


def step_retry_key(enrollment_id: int, step_no: int) -> str:
    """Return the X-Line-Retry-Key of one customer's step."""
    return retry_key_for("scenario-step", enrollment_id, step_no)


def batch_retry_key(batch_id: int) -> str:
    """Return the X-Line-Retry-Key of one multicast batch."""
    return retry_key_for("scenario-batch", batch_id)


def pending_outbox() -> Outbox:
    """Load the sends frozen by an earlier run that never recorded LINE's answer."""
    outbox = Outbox()
    rows = db.session.execute(
        select(
            StepSend.id,
            StepSend.enrollment_id,
            StepSend.step_no,
            StepSend.batch_id,
            StepSend.messages,
            LineUser.line_user_id,
        )
        .join(Enrollment, Enrollment.id == StepSend.enrollment_id)
        .join(LineUser, LineUser.id == Enrollment.line_user_id)
        .where(StepSend.status == PENDING)
        .order_by(StepSend.id)
    ).all()
    batch_ids = {row.batch_id for row in rows if row.batch_id is not None}
    messages = dict(
        db.session.execute(
            select(SendBatch.id, SendBatch.messages).where(SendBatch.id.in_(batch_ids))
        ).all()
    )
    for row in rows:
        if row.batch_id is None:
            outbox.pushes.append(
                (row.id, row.enrollment_id, row.step_no, row.line_user_id, row.messages)
            )
        else:
            to, ids, _ = outbox.batches.setdefault(
                row.batch_id, ([], [], messages[row.batch_id])
            )
            to.append(row.line_user_id)
            ids.append(row.id)
    return outbox


class Delivery:
    """Send outboxes on sender threads while the caller freezes the next ones.

    `submit` starts an outbox's requests at once; `record_finished` writes
    LINE's answers that have come back (push by record, multicast by batch)
    and commits, without waiting; `close` waits for the rest.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.app = current_app._get_current_object()  # type: ignore[attr-defined]
        self.pool = ThreadPoolExecutor(SENDER_THREADS, thread_name_prefix="scenario")
        self.outcome = DeliveryOutcome()
        # (future, step-send ids, batch id or None)
        self.waiting: list[tuple[Future[str], list[int], int | None]] = []

    def submit(self, outbox: Outbox) -> None:
        """Start sending an outbox whose records are committed PENDING."""
        # Measurement: one customAggregationUnit per scenario, step and variant.
        send_units, batch_units = scenario_units(
            [push[0] for push in outbox.pushes], list(outbox.batches), self.now
        )
        app = self.app
        for send_id, enrollment_id, step_no, to, messages in outbox.pushes:
            key = step_retry_key(enrollment_id, step_no)
            unit = send_units.get(send_id)
            future = self.pool.submit(_push_in_app, app, to, messages, key, unit)
            self.waiting.append((future, [send_id], None))
        for batch_id, (to, ids, messages) in outbox.batches.items():
            # A batch is at most 500 by construction: one request, one retry key.
            for start in range(0, len(to), MAX_RECIPIENTS):
                chunk = to[start : start + MAX_RECIPIENTS]
                key = batch_retry_key(batch_id)
                unit = batch_units.get(batch_id)
                future = self.pool.submit(
                    _multicast_in_app, app, chunk, messages, key, unit
                )
                self.waiting.append((future, ids, batch_id))

    def record_finished(self, wait: bool = False) -> None:
        """Record the answers LINE gave so far (all of them with `wait`)."""
        still: list[tuple[Future[str], list[int], int | None]] = []
        sent: list[int] = []
        batches: list[int] = []
        failed: list[int] = []
        failed_batches: list[int] = []
        for future, ids, batch_id in self.waiting:
            if not wait and not future.done():
                still.append((future, ids, batch_id))
                continue
            try:
                result = future.result()
            except LineTransientError:
                self.outcome.retry_later += len(ids)
                continue
            except LineApiError as exc:
                log.warning("scenario send refused", extra={"status": exc.status})
                if batch_id is None:
                    failed.extend(ids)
                else:
                    failed_batches.append(batch_id)
                self.outcome.failed += len(ids)
                continue
            if batch_id is None:
                sent.extend(ids)
            else:
                batches.append(batch_id)
            if result == "already":
                self.outcome.already += len(ids)
            else:
                self.outcome.delivered += len(ids)
        self.waiting = still
        if sent or batches:
            mark_sent(sent, self.now, SENT, batches)
        if failed or failed_batches:
            mark_sent(failed, self.now, FAILED, failed_batches)

    def close(self) -> DeliveryOutcome:
        """Wait for every request, record the answers and stop the threads."""
        try:
            self.record_finished(wait=True)
        finally:
            self.pool.shutdown(wait=True)
        return self.outcome


def deliver(outbox: Outbox, now: datetime) -> DeliveryOutcome:
    """Send an outbox within LINE's rate limits, recording each answer as it comes."""
    delivery = Delivery(now)
    try:
        delivery.submit(outbox)
    except BaseException:
        delivery.pool.shutdown(wait=True)
        raise
    return delivery.close()


def mark_sent(
    send_ids: list[int], now: datetime, status: str, batch_ids: Sequence[int] = ()
) -> None:
    """Record LINE's answer for step sends and whole batches, and commit."""
    for start in range(0, len(send_ids), 5000):
        db.session.execute(
            update(StepSend)
            .where(in_ids(StepSend.id, send_ids[start : start + 5000]))
            .values(status=status, sent_at=now)
        )
    # A multicast's answer is one for its batch: one statement for all of them.
    for start in range(0, len(batch_ids), 500):
        chunk = list(batch_ids[start : start + 500])
        db.session.execute(
            update(StepSend)
            .where(in_ids(StepSend.batch_id, chunk), StepSend.status == PENDING)
            .values(status=status, sent_at=now)
        )
        db.session.execute(
            update(SendBatch)
            .where(in_ids(SendBatch.id, chunk))
            .values(status=status, sent_at=now)
        )
    db.session.commit()


def _push_in_app(
    app: Flask,
    to: str,
    messages: list[dict[str, Any]],
    retry_key: str,
    unit: str | None = None,
) -> str:
    with app.app_context():
        rate_limit("push").take()
        try:
            line_client().push(to, messages, retry_key, unit)
        except RetryKeyAlreadyAccepted:
            return "already"
        return "sent"


def _multicast_in_app(
    app: Flask,
    to: list[str],
    messages: list[dict[str, Any]],
    retry_key: str,
    unit: str | None = None,
) -> str:
    with app.app_context():
        return send_multicast(to, messages, retry_key, unit)
