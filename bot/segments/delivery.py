"""Delivering a segment send: batches of up to 500 by multicast, resumably.

This module is an edge: it commits the batches LINE accepted as they come
back, so an interrupted send resumes with the batches not recorded. Each batch has
its own retry key derived from (send id, batch number); a batch that reached
LINE but was not recorded before the process died is answered 409 on the
rerun and recorded as delivered, so nobody gets the message twice.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from redis.exceptions import LockError
from sqlalchemy import and_, func, select, text, update

from bot.bulk import in_ids
from bot.extensions import db, get_redis
from bot.jobs import TransientError
from bot.line.delivery import retry_key_for
from bot.line.multicast import send_multicast
from bot.marketing.quota import check_quota
from bot.marketing.rules import quiet_hours
from bot.measure.links import register_links
from bot.measure.sending import push_each
from bot.measure.service import record_exposures
from bot.measure.units import claim_unit
from bot.models_base import utcnow
from bot.segments.models import (
    CANCELLED,
    DONE,
    PENDING,
    SENT,
    SegmentSend,
    SegmentSendBatch,
    SegmentSendRecipient,
)
from bot.segments.sending import SendCancelled, freeze_recipients, send_variants
from bot.segments.variants import SendVariant
from bot.users.models import LineUser

log = logging.getLogger(__name__)

# Requests in flight: LINE takes 200/s, so ~10 cover a 50 ms round trip.
SENDER_THREADS = 16
LOCK_SECONDS = 120
# Batches whose recipients are loaded (and coupons issued) together.
PREFETCH_BATCHES = 10


class SendBusy(TransientError):
    """Another process is delivering this send right now."""


@dataclass
class DeliveryReport:
    """What one run of a send did."""

    send_id: int
    recipients: int = 0
    delivered: int = 0
    skipped: int = 0
    replayed_batches: int = 0
    finished: bool = False
    batches: list[int] = field(default_factory=list)


@dataclass
class _Batch:
    batch_no: int
    reachable: list[tuple[int, str]]
    skipped: list[int]
    variant: str = ""
    future: Future[str] | None = None


@dataclass
class _VariantPlan:
    variant: SendVariant
    links: dict[str, int]
    unit: str | None


def batch_retry_key(send_id: int, batch_no: int) -> str:
    """Return the X-Line-Retry-Key of one batch of one send."""
    return retry_key_for("segment-send", send_id, batch_no)


def deliver_send(
    send_id: int,
    on_progress: Callable[[int], None] | None = None,
    max_seconds: float | None = None,
    threads: int = SENDER_THREADS,
) -> DeliveryReport:
    """Send every batch not yet recorded, recording each as LINE accepts it."""
    lock = get_redis().lock(f"lock:segment-send:{send_id}", timeout=LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        raise SendBusy(f"segment send {send_id} is being delivered elsewhere")
    try:
        keep_lock = _at_most_every(LOCK_SECONDS / 4, lock.reacquire)
        return _deliver(send_id, on_progress, max_seconds, threads, keep_lock)
    finally:
        with contextlib.suppress(LockError):
            lock.release()


def _deliver(
    send_id: int,
    on_progress: Callable[[int], None] | None,
    max_seconds: float | None,
    threads: int,
    keep_lock: Callable[[], Any],
) -> DeliveryReport:
    send = db.session.get(SegmentSend, send_id)
    if send is None:
        raise LookupError(f"no segment send {send_id}")
    report = DeliveryReport(send_id=send_id)
    if send.status in (DONE, CANCELLED):
        report.finished = True
        return report
    hours, now = quiet_hours(), utcnow()
    if send.recipient_count is None and hours.contains(now):
        # Not frozen inside quiet hours: frozen, its recipients count against
        # today's cap, and it may go out tomorrow on top of tomorrow's sends.
        raise QuietHoursNow(hours.next_allowed(now))
    try:
        report.recipients = freeze_recipients(send)
    except SendCancelled:
        db.session.rollback()
        report.finished = True
        return report
    db.session.commit()
    batch_numbers = _pending_batches(send_id)
    _check_marketing_rules(send_id, batch_numbers)
    campaign = f"segment:{send_id}"
    plans = {}
    for variant in send_variants(send):
        # Measurement: URLs become per-recipient tracked links (sent by push).
        links = register_links(campaign, variant.name, variant.messages)
        unit = claim_unit(campaign, variant.name, None, utcnow())
        plans[variant.name] = _VariantPlan(variant, links, unit)
    batch_variants = _batch_variants(send_id)
    db.session.commit()
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    in_flight: deque[_Batch] = deque()
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="multicast")
    try:
        chunks = [
            batch_numbers[start : start + PREFETCH_BATCHES]
            for start in range(0, len(batch_numbers), PREFETCH_BATCHES)
        ]
        coupons = {name: plan.variant.coupon_id for name, plan in plans.items()}
        for batches in _chunks_ready(app, send_id, coupons, batch_variants, chunks):
            for batch in batches:
                plan = plans[batch.variant]
                messages, links, unit = plan.variant.messages, plan.links, plan.unit
                if batch.reachable and links:
                    parts = ("segment-send", send_id, batch.batch_no)
                    batch.future = pool.submit(
                        push_each, app, batch.reachable, messages, links, parts, unit
                    )
                elif batch.reachable:
                    ids = [line_id for _, line_id in batch.reachable]
                    key = batch_retry_key(send_id, batch.batch_no)
                    batch.future = pool.submit(
                        _send_in_app, app, ids, messages, key, unit
                    )
                in_flight.append(batch)
                full = len(in_flight) >= threads * 2
                _finish_ready(send_id, in_flight, report, on_progress, wait=full)
                keep_lock()
            if deadline is not None and time.monotonic() > deadline:
                break
        while in_flight:
            _finish_ready(send_id, in_flight, report, on_progress, wait=True)
            keep_lock()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if not _pending_batches(send_id):
        send.status = DONE
        send.finished_at = utcnow()
        report.finished = True
        db.session.commit()
    log.info(
        "segment send run finished",
        extra={
            "send_id": send_id,
            "delivered": report.delivered,
            "skipped": report.skipped,
            "replayed_batches": report.replayed_batches,
            "finished": report.finished,
        },
    )
    return report


class QuietHoursNow(Exception):
    """A segment send was asked for inside the quiet hours."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"quiet hours: marketing messages wait until {until}")
        self.until = until


def _check_marketing_rules(send_id: int, batch_numbers: list[int]) -> None:
    """Refuse to start inside quiet hours, or past the month's LINE quota."""
    now = utcnow()
    hours = quiet_hours()
    if batch_numbers and hours.contains(now):
        raise QuietHoursNow(hours.next_allowed(now))
    pending = db.session.scalar(
        select(func.coalesce(func.sum(SegmentSendBatch.size), 0)).where(
            SegmentSendBatch.send_id == send_id,
            SegmentSendBatch.batch_no.in_(batch_numbers),
        )
    )
    check_quota(int(pending or 0))


def _at_most_every(seconds: float, fn: Callable[[], Any]) -> Callable[[], None]:
    """Wrap fn so that calling it more often than every `seconds` does nothing."""
    last = time.monotonic()

    def call() -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= seconds:
            fn()
            last = now

    return call


def _pending_batches(send_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(SegmentSendBatch.batch_no)
            .where(
                SegmentSendBatch.send_id == send_id,
                SegmentSendBatch.status == PENDING,
            )
            .order_by(SegmentSendBatch.batch_no)
        )
    )


def _batch_variants(send_id: int) -> dict[int, str]:
    """Return the variant of each batch of a send."""
    rows = db.session.execute(
        select(SegmentSendBatch.batch_no, SegmentSendBatch.variant).where(
            SegmentSendBatch.send_id == send_id
        )
    )
    return {batch_no: variant for batch_no, variant in rows}


def _load_batches(
    send_id: int, batch_numbers: list[int], variants: dict[int, str]
) -> list[_Batch]:
    """Load the recipients of several batches with one query."""
    recipients, users = SegmentSendRecipient.__table__, LineUser.__table__
    # Someone who blocked us since the list was frozen gets nothing.
    reachable = and_(users.c.is_friend, users.c.blocked_at.is_(None))
    rows = db.session.execute(
        select(
            recipients.c.batch_no,
            recipients.c.line_user_id,
            users.c.line_user_id,
            reachable,
        )
        .join(users, users.c.id == recipients.c.line_user_id)
        .where(
            recipients.c.send_id == send_id,
            recipients.c.batch_no.in_(batch_numbers),
            recipients.c.skipped.is_(False),
        )
    ).tuples()
    batches = {
        n: _Batch(batch_no=n, reachable=[], skipped=[], variant=variants.get(n, ""))
        for n in batch_numbers
    }
    for batch_no, pk, line_id, can_receive in rows:
        batch = batches[batch_no]
        if can_receive:
            batch.reachable.append((pk, line_id))
        else:
            batch.skipped.append(pk)
    return list(batches.values())


def _chunks_ready(
    app: Flask,
    send_id: int,
    coupons: dict[str, str | None],
    variants: dict[int, str],
    chunks: list[list[int]],
) -> Iterator[list[_Batch]]:
    """Yield each chunk's batches, holding only who got their variant's coupon.

    A coupon send issues each chunk's coupons (up to PREFETCH_BATCHES x 500
    users) and commits them before that chunk's multicasts, so the coupon page
    shows what the message announces; a rerun finds the coupons of this send
    and issues none twice. On PostgreSQL the next chunk's coupons are issued
    in a thread of their own while this chunk's multicasts go out, so the
    database work overlaps the HTTP round trips.
    """
    if not any(coupons.values()):
        for chunk in chunks:
            yield _load_batches(send_id, chunk, variants)
        return
    if db.session.get_bind().dialect.name != "postgresql":
        for chunk in chunks:
            batches = _load_batches(send_id, chunk, variants)
            wanted = _wanted_coupons(batches, coupons)
            _keep_holders(batches, coupons, _issue_coupons(send_id, wanted))
            yield batches
        return
    ahead: deque[tuple[list[_Batch], Future[set[int]]]] = deque()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="coupons") as minter:

        def issue_ahead(chunk: list[int]) -> None:
            batches = _load_batches(send_id, chunk, variants)
            wanted = _wanted_coupons(batches, coupons)
            ahead.append((batches, minter.submit(_issue_in_app, app, send_id, wanted)))

        for index, chunk in enumerate(chunks):
            if index == 0:
                issue_ahead(chunk)
            if index + 1 < len(chunks):
                issue_ahead(chunks[index + 1])
            batches, future = ahead.popleft()
            _keep_holders(batches, coupons, future.result())
            yield batches


def _wanted_coupons(
    batches: list[_Batch], coupons: dict[str, str | None]
) -> dict[str, list[int]]:
    """Return, per coupon, the reachable users of the batches whose variant has it."""
    wanted: dict[str, list[int]] = {}
    for batch in batches:
        coupon_id = coupons.get(batch.variant)
        if coupon_id is not None:
            wanted.setdefault(coupon_id, []).extend(pk for pk, _ in batch.reachable)
    return wanted


def _issue_coupons(send_id: int, wanted: dict[str, list[int]]) -> set[int]:
    """Issue each coupon to its users and commit; return who holds one now."""
    from bot.coupons.service import issue_to_users

    holders: set[int] = set()
    for coupon_id, pks in wanted.items():
        holders.update(
            issue_to_users(coupon_id, pks, utcnow(), source=f"send:{send_id}")
        )
    db.session.commit()
    return holders


def _issue_in_app(app: Flask, send_id: int, wanted: dict[str, list[int]]) -> set[int]:
    with app.app_context():
        try:
            return _issue_coupons(send_id, wanted)
        finally:
            db.session.remove()


def _keep_holders(
    batches: list[_Batch], coupons: dict[str, str | None], holders: set[int]
) -> None:
    """Who holds no coupon of this send (limits reached) gets no message."""
    for batch in batches:
        if coupons.get(batch.variant) is None:
            continue
        batch.skipped.extend(pk for pk, _ in batch.reachable if pk not in holders)
        batch.reachable = [(pk, ln) for pk, ln in batch.reachable if pk in holders]


def _send_in_app(
    app: Flask,
    to: list[str],
    messages: list[dict[str, Any]],
    retry_key: str,
    unit: str | None,
) -> str:
    with app.app_context():
        return send_multicast(to, messages, retry_key, unit)


def _ready(batch: _Batch) -> bool:
    return batch.future is None or batch.future.done()


def _finish_ready(
    send_id: int,
    in_flight: deque[_Batch],
    report: DeliveryReport,
    on_progress: Callable[[int], None] | None,
    wait: bool,
) -> None:
    """Record the batches at the front that LINE answered, in one transaction."""
    done: list[tuple[_Batch, str]] = []
    failure: BaseException | None = None
    while in_flight and (_ready(in_flight[0]) or (wait and not done)):
        batch = in_flight[0]
        try:
            outcome = batch.future.result() if batch.future else "skipped"
        except Exception as exc:  # noqa: BLE001 - record the others, then raise
            failure = exc
            break
        in_flight.popleft()
        done.append((batch, outcome))
    if done:
        _commit_lightly()
        _record_batches(send_id, [batch for batch, _ in done])
        db.session.commit()
    for batch, outcome in done:
        report.delivered += len(batch.reachable)
        report.skipped += len(batch.skipped)
        report.replayed_batches += outcome == "already"
        report.batches.append(batch.batch_no)
        if on_progress is not None:
            on_progress(len(batch.reachable) + len(batch.skipped))
    if failure is not None:
        raise failure


def _commit_lightly() -> None:
    # A record lost in a crash is harmless: the rerun's multicast of that batch
    # is answered 409 (already accepted) and recorded then. So PostgreSQL need
    # not wait for the disk on these commits.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _record_batches(send_id: int, done: list[_Batch]) -> None:
    """Record batches LINE took; their exposures one statement a variant.

    Written per batch, those inserts were most of a large send's database time.
    """
    reached: dict[str, list[int]] = {}
    for batch in done:
        _record_batch(send_id, batch)
        reached.setdefault(batch.variant, []).extend(pk for pk, _ in batch.reachable)
    for variant, pks in reached.items():
        # The cap's ledger was written when the recipients were frozen.
        record_exposures(pks, utcnow(), f"segment:{send_id}", variant)


def _record_batch(send_id: int, batch: _Batch) -> None:
    """Mark a batch sent, and any recipient who blocked us since, skipped."""
    if batch.skipped:
        recipients = SegmentSendRecipient.__table__
        db.session.execute(
            update(recipients)
            .where(
                recipients.c.send_id == send_id,
                in_ids(recipients.c.line_user_id, batch.skipped),
            )
            .values(skipped=True)
        )
    batches = SegmentSendBatch.__table__
    db.session.execute(
        update(batches)
        .where(batches.c.send_id == send_id, batches.c.batch_no == batch.batch_no)
        .values(status=SENT, delivered=len(batch.reachable), sent_at=utcnow())
    )
