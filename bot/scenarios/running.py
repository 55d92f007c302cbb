"""Running due steps: holdout, blocked, quiet hours, the cap, quota, then send.

`run_due(now)` is what the worker's minute sweep and `scenarios run-due` do.
Every decision is taken as of `now`, so `--now` shows what a later moment
would send. This module is an edge: it commits the frozen sends before they
go to LINE, and LINE's answers as they come back.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.bulk import in_ids, insert_rows, update_rows
from bot.extensions import db
from bot.marketing.quota import check_quota
from bot.marketing.rules import (
    daily_cap,
    lock_marketing_ledger,
    messages_today,
    next_local_day,
    quiet_hours,
    record_marketing_messages,
)
from bot.measure.service import record_holdout, track_links
from bot.members.models import Member
from bot.messages import render
from bot.scenarios import coupons
from bot.scenarios.definition import Scenario, Variant
from bot.scenarios.freezing import freeze_shared_steps, wait_for_quiet_hours_end
from bot.scenarios.models import (
    BLOCKED,
    ENROLLED,
    EXITED,
    FINISHED,
    HELD_OUT,
    PAUSED,
    PENDING,
    Enrollment,
    ScenarioRecord,
    SendBatch,
    StepSend,
)
from bot.scenarios.sending import Delivery, Outbox, deliver, pending_outbox
from bot.scenarios.service import (
    choose_variant,
    end_enrollment,
    finish,
    parsed,
    step_due_at,
)
from bot.users.models import LineUser

log = logging.getLogger(__name__)

# Customers frozen one by one per chunk: small, so the first pushes leave while
# the next chunk is frozen (personal content costs Python time per customer).
CHUNK = 1000
BATCH = 500


@dataclass
class PlannedSend:
    """One customer's step, about to be frozen and sent."""

    enrollment: Enrollment
    scenario: Scenario
    line_user_id: str
    variant: Variant
    messages: list[dict[str, Any]]

    @property
    def preview(self) -> str:
        """Return the first message's text (or alt text) for a dry run."""
        first = self.messages[0]
        return str(first.get("text") or first.get("altText") or first.get("type"))


@dataclass
class RunReport:
    """What one run did (or, dry, would do)."""

    sent: int = 0
    already: int = 0
    held_out: int = 0
    blocked: int = 0
    quiet: int = 0
    capped: int = 0
    finished: int = 0
    retry_later: int = 0
    # Freezing ends before the last answers come back; send_seconds is the
    # whole run (freezing and sending overlap).
    freeze_seconds: float = 0.0
    send_seconds: float = 0.0
    planned: list[PlannedSend] = field(default_factory=list)


def run_due(
    now: datetime,
    *,
    dry_run: bool = False,
    enrollment_ids: list[int] | None = None,
    resume: bool = True,
) -> RunReport:
    """Run every step due at `now`; raise QuotaExceeded before sending anything.

    `resume` first sends what an interrupted run froze; the event job leaves
    that to the sweep, so two processes do not replay the same sends at once.
    """
    report = RunReport()
    if resume and not dry_run:
        _resume(now, report)
    check_quota(_estimate_needed(now, enrollment_ids))
    if dry_run:
        enrollments = _due(now, enrollment_ids, dry_run)
        report.planned.extend(_plan(enrollments, now, report))
        db.session.rollback()
        return report
    # Freezing and sending overlap: each chunk, once committed, goes to the
    # sender threads while the next one is frozen, so the database work and
    # LINE's answers share the time LINE's rate limit leaves.
    started = time.perf_counter()
    delivery = Delivery(now)
    try:
        quiet = quiet_hours()
        if _set_based(now, enrollment_ids) and quiet.contains(now):
            report.quiet += wait_for_quiet_hours_end(now, quiet.next_allowed(now))
        elif _set_based(now, enrollment_ids):
            for outbox, finished in freeze_shared_steps(now):
                report.finished += finished
                delivery.submit(outbox)
                delivery.record_finished()
        # The rest, customer by customer: holdouts, blocked, capped, personal.
        while True:
            enrollments = _due(now, enrollment_ids, dry_run)
            if not enrollments:
                break
            plan = _plan(enrollments, now, report)
            outbox = _freeze(plan, now, report)
            db.session.commit()
            delivery.submit(outbox)
            delivery.record_finished()
            if enrollment_ids is not None or len(enrollments) < CHUNK:
                break
        report.freeze_seconds = time.perf_counter() - started
        outcome = delivery.close()
    except BaseException:
        delivery.pool.shutdown(wait=True)
        raise
    report.sent += outcome.delivered
    report.already += outcome.already
    report.retry_later += outcome.retry_later
    report.send_seconds = time.perf_counter() - started
    return report


def _set_based(now: datetime, enrollment_ids: list[int] | None) -> bool:
    """Tell whether due steps are decided in one statement per step and chunk.

    PostgreSQL only (SQLite, the embedded default, takes the per-customer
    path), and a sweep, not one event's own enrollments.
    """
    return enrollment_ids is None and db.session.get_bind().dialect.name == (
        "postgresql"
    )


def _resume(now: datetime, report: RunReport) -> None:
    outbox = pending_outbox()
    if len(outbox):
        log.info("resuming frozen scenario sends", extra={"sends": len(outbox)})
        _deliver(outbox, now, report)


def _deliver(outbox: Outbox, now: datetime, report: RunReport) -> None:
    outcome = deliver(outbox, now)
    report.sent += outcome.delivered
    report.already += outcome.already
    report.retry_later += outcome.retry_later


def _due_query(now: datetime, enrollment_ids: list[int] | None) -> Any:
    query = (
        select(Enrollment)
        .join(ScenarioRecord, ScenarioRecord.id == Enrollment.scenario_id)
        .where(
            Enrollment.next_due_at <= now,
            Enrollment.status == ENROLLED,
            ScenarioRecord.status != PAUSED,
        )
    )
    if enrollment_ids is not None:
        query = query.where(Enrollment.id.in_(enrollment_ids))
    return query


def _estimate_needed(now: datetime, enrollment_ids: list[int] | None) -> int:
    """Count the due steps that would send (all but holdouts): the quota check."""
    if quiet_hours().contains(now):
        return 0
    base = _due_query(now, enrollment_ids).where(Enrollment.holdout.is_(False))
    return int(
        db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    )


def _due(now: datetime, enrollment_ids: list[int] | None, dry_run: bool) -> list:
    query = _due_query(now, enrollment_ids).order_by(
        Enrollment.next_due_at, Enrollment.id
    )
    if not dry_run:
        # Two workers never take the same enrollment; each takes the next rows.
        query = query.limit(CHUNK).with_for_update(of=Enrollment, skip_locked=True)
    return list(db.session.scalars(query))


def _plan(
    enrollments: list[Enrollment], now: datetime, report: RunReport
) -> list[PlannedSend]:
    user_ids = [e.line_user_id for e in enrollments]
    users = _users(user_ids)
    names = _member_names(user_ids)
    lock_marketing_ledger()  # until the caller commits what _freeze records
    counts = defaultdict(int, messages_today(user_ids, now))
    records = {r.id: r for r in db.session.scalars(select(ScenarioRecord))}
    quiet, cap = quiet_hours(), daily_cap()
    in_quiet = quiet.contains(now)
    plan: list[PlannedSend] = []
    for enrollment in enrollments:
        scenario = parsed(records[enrollment.scenario_id])
        user = users[enrollment.line_user_id]
        step_no = enrollment.next_step
        if step_no >= len(scenario.steps):
            finish(enrollment, now)
            report.finished += 1
            continue
        variant = choose_variant(scenario, scenario.steps[step_no], user.id)
        if not user.can_receive_push:
            _record_step(enrollment, variant, BLOCKED, now)
            end_enrollment(enrollment, EXITED, now, BLOCKED)
            report.blocked += 1
            continue
        if enrollment.holdout:
            _record_step(enrollment, variant, HELD_OUT, now)
            record_holdout(enrollment.line_user_id, now, enrollment.scenario_id)
            advance(enrollment, scenario, now, report)
            report.held_out += 1
            continue
        if in_quiet:
            enrollment.next_due_at = quiet.next_allowed(now)
            enrollment.quiet_waits += 1
            report.quiet += 1
            continue
        if counts[user.id] >= cap:
            enrollment.next_due_at = quiet.next_allowed(next_local_day(now))
            enrollment.cap_waits += 1
            report.capped += 1
            continue
        counts[user.id] += 1
        name = (
            names.get(user.id) or user.display_name or render("customer_fallback_name")
        )
        messages = personalize(variant.messages, name, enrollment.context)
        plan.append(
            PlannedSend(enrollment, scenario, user.line_user_id, variant, messages)
        )
    db.session.flush()
    return plan


def advance(
    enrollment: Enrollment, scenario: Scenario, now: datetime, report: RunReport
) -> None:
    """Move to the next step, timed from now, or finish after the last."""
    enrollment.next_step += 1
    enrollment.quiet_waits = enrollment.cap_waits = 0
    due = step_due_at(scenario, enrollment.next_step, enrollment.line_user_id, now)
    if due is None:
        finish(enrollment, now)
        report.finished += 1
    else:
        enrollment.next_due_at = due


def _advanced(
    enrollment: Enrollment, scenario: Scenario, now: datetime, report: RunReport
) -> dict[str, Any]:
    """Return the enrollment's row after its step: the next one, or finished."""
    next_step = enrollment.next_step + 1
    due = step_due_at(scenario, next_step, enrollment.line_user_id, now)
    if due is None:
        report.finished += 1
    return {
        "id": enrollment.id,
        "next_step": next_step,
        "next_due_at": due,
        "status": ENROLLED if due is not None else FINISHED,
        "finished_at": None if due is not None else now,
        "quiet_waits": 0,
        "cap_waits": 0,
    }


def _record_step(
    enrollment: Enrollment, variant: Variant, status: str, now: datetime
) -> None:
    db.session.add(
        StepSend(
            enrollment_id=enrollment.id,
            scenario_id=enrollment.scenario_id,
            step_no=enrollment.next_step,
            variant=variant.id,
            status=status,
            quiet_waits=enrollment.quiet_waits,
            cap_waits=enrollment.cap_waits,
            created_at=now,
        )
    )


def personalize(
    messages: tuple[dict[str, Any], ...], name: str, context: dict[str, Any]
) -> list[dict[str, Any]]:
    """Replace {name} and {recovery_url} in the messages' text."""
    document = json.dumps(list(messages), ensure_ascii=False)
    for mark, value in (
        ("{name}", name),
        ("{recovery_url}", str(context.get("recovery_url") or "")),
    ):
        if mark in document:
            document = document.replace(
                mark, json.dumps(value, ensure_ascii=False)[1:-1]
            )
    return json.loads(document)


def _freeze(plan: list[PlannedSend], now: datetime, report: RunReport) -> Outbox:
    """Write each send's record (and batch) PENDING; advance the enrollments."""
    outbox = Outbox()
    rows: list[dict[str, Any]] = []
    shared: dict[tuple[str, int, str], list[PlannedSend]] = defaultdict(list)
    personal: list[tuple[PlannedSend, dict[str, Any]]] = []
    for item in plan:
        enrollment = item.enrollment
        row = {
            "enrollment_id": enrollment.id,
            "scenario_id": enrollment.scenario_id,
            "step_no": enrollment.next_step,
            "variant": item.variant.id,
            "status": PENDING,
            "messages": None,
            "batch_id": None,
            "coupon_id": None,
            "quiet_waits": enrollment.quiet_waits,
            "cap_waits": enrollment.cap_waits,
            "created_at": now,
        }
        if item.variant.personal:
            messages = list(item.messages)
            if item.variant.coupon is not None:
                extra = coupons.issue_for_step(
                    enrollment.line_user_id, item.variant.coupon, now, enrollment
                )
                if extra is not None:
                    row["coupon_id"] = item.variant.coupon
                    messages = (messages + [extra])[:5]
            row["messages"] = track_links(
                messages,
                f"scenario:{enrollment.scenario_id}",
                item.variant.id,
                enrollment.line_user_id,
            )
            personal.append((item, row))
        else:
            key = (enrollment.scenario_id, enrollment.next_step, item.variant.id)
            shared[key].append(item)
            rows.append(row)
    by_enrollment = {row["enrollment_id"]: row for row in rows}
    batches: dict[int, tuple[list[str], list[int], list[dict[str, Any]]]] = {}
    for (scenario_id, step_no, variant), items in shared.items():
        for start in range(0, len(items), BATCH):
            chunk = items[start : start + BATCH]
            batch = SendBatch(
                scenario_id=scenario_id,
                step_no=step_no,
                variant=variant,
                messages=chunk[0].messages,
                status=PENDING,
                created_at=now,
            )
            db.session.add(batch)
            db.session.flush()
            batches[batch.id] = ([], [], chunk[0].messages)
            for item in chunk:
                by_enrollment[item.enrollment.id]["batch_id"] = batch.id
    rows.extend(row for _, row in personal)
    returned = insert_rows(StepSend.__table__, rows, ("id", "enrollment_id"))
    send_ids = dict((eid, sid) for sid, eid in returned)
    line_ids = {item.enrollment.id: item.line_user_id for item in plan}
    for row in rows:
        eid = row["enrollment_id"]
        if row["batch_id"] is None:
            outbox.pushes.append(
                (send_ids[eid], eid, row["step_no"], line_ids[eid], row["messages"])
            )
        else:
            to, batch_send_ids, _ = batches[row["batch_id"]]
            to.append(line_ids[eid])
            batch_send_ids.append(send_ids[eid])
    outbox.batches = batches
    by_scenario: dict[tuple[str, str], list[int]] = defaultdict(list)
    moves = []
    for item in plan:
        key = (item.enrollment.scenario_id, item.variant.id)
        by_scenario[key].append(item.enrollment.line_user_id)
        moves.append(_advanced(item.enrollment, item.scenario, now, report))
    # Set-based: the enrollments' ORM objects are left as they were loaded.
    update_rows(Enrollment.__table__, moves)
    for item in plan:
        db.session.expire(item.enrollment)
    for (scenario_id, variant), user_ids in by_scenario.items():
        record_marketing_messages(user_ids, now, f"scenario:{scenario_id}", variant)
    db.session.flush()
    return outbox


def _users(user_ids: list[int]) -> dict[int, LineUser]:
    users: dict[int, LineUser] = {}
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        users.update(
            (u.id, u)
            for u in db.session.scalars(
                select(LineUser).where(in_ids(LineUser.id, chunk))
            )
        )
    return users


def _member_names(user_ids: list[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            select(Member.line_user_id, Member.name).where(
                in_ids(Member.line_user_id, ids[start : start + CHUNK])
            )
        )
        names.update({uid: name for uid, name in rows if uid is not None})
    return names
