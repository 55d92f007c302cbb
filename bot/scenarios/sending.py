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
from collections import defaultdict
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

SENDER_THREADS = 16
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


def deliver(outbox: Outbox, now: datetime) -> DeliveryOutcome:
    """Send an outbox within LINE's rate limits, recording each answer as it comes."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    outcome = DeliveryOutcome()
    futures: list[tuple[Future[str], list[int]]] = []
    # Measurement: one customAggregationUnit per scenario, step and variant.
    send_units, batch_units = scenario_units(
        [push[0] for push in outbox.pushes], list(outbox.batches), now
    )
    with ThreadPoolExecutor(SENDER_THREADS, thread_name_prefix="scenario") as pool:
        for send_id, enrollment_id, step_no, to, messages in outbox.pushes:
            key = step_retry_key(enrollment_id, step_no)
            unit = send_units.get(send_id)
            future = pool.submit(_push_in_app, app, to, messages, key, unit)
            futures.append((future, [send_id]))
        for batch_id, (to, ids, messages) in outbox.batches.items():
            for start in range(0, len(to), MAX_RECIPIENTS):
                # A batch is at most 500 by construction; the slice is a guard.
                chunk = to[start : start + MAX_RECIPIENTS]
                key = batch_retry_key(batch_id)
                unit = batch_units.get(batch_id)
                future = pool.submit(_multicast_in_app, app, chunk, messages, key, unit)
                futures.append((future, ids))
        done: dict[str, list[int]] = defaultdict(list)
        for future, ids in futures:
            try:
                result = future.result()
            except LineTransientError:
                outcome.retry_later += len(ids)
                continue
            except LineApiError as exc:
                log.warning("scenario send refused", extra={"status": exc.status})
                done[FAILED].extend(ids)
                outcome.failed += len(ids)
                continue
            done[SENT].extend(ids)
            if result == "already":
                outcome.already += len(ids)
            else:
                outcome.delivered += len(ids)
            if len(done[SENT]) >= 5000:
                mark_sent(done.pop(SENT), now, SENT)
        mark_sent(done.get(SENT, []), now, SENT)
        mark_sent(done.get(FAILED, []), now, FAILED)
    if outbox.batches:
        db.session.execute(
            update(SendBatch)
            .where(SendBatch.id.in_(list(outbox.batches)))
            .values(status=SENT, sent_at=now)
        )
        db.session.commit()
    return outcome


def mark_sent(send_ids: list[int], now: datetime, status: str) -> None:
    """Record LINE's answer for step sends, and commit."""
    for start in range(0, len(send_ids), 5000):
        db.session.execute(
            update(StepSend)
            .where(in_ids(StepSend.id, send_ids[start : start + 5000]))
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
