"""Freezing shared-content steps in PostgreSQL: one statement per chunk.

A step whose variants are the same for everyone needs nothing from Python
per customer, so the database does all of it in one statement per chunk of
5,000: it picks the due enrollments (not held out, not blocked, under the
day's cap), draws each one's variant from the same hash `choose_variant` uses
(`bucket_sql`), numbers them into multicast batches of 500 per variant, writes
one PENDING `scenario_step_sends` row each and the batches, counts them on the
cap ledger (through bot.marketing's SQL) and moves the enrollments on, all in
the transaction committed before anything goes to LINE. Whatever it leaves
(holdouts, blocked, capped, personal steps, finished scenarios) goes through
the per-customer path in running.py, which applies the same rules; SQLite
takes that path for everything. In quiet hours, one UPDATE per step moves
every due step to their end.
"""

from __future__ import annotations

import json
import queue
import threading
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import literal_column, select, text
from sqlalchemy.dialects import postgresql

from bot.extensions import db
from bot.marketing.rules import (
    daily_cap,
    local_day,
    lock_marketing_ledger,
    record_marketing_messages_sql,
    under_cap_sql,
)
from bot.measure.service import record_exposures
from bot.scenarios.definition import Scenario, Step
from bot.scenarios.models import (
    ENROLLED,
    FINISHED,
    PAUSED,
    PENDING,
    Enrollment,
    ScenarioRecord,
)
from bot.scenarios.sending import Outbox
from bot.scenarios.service import bucket_sql, due_at, parsed, variant_ranges

CHUNK = 5000
BATCH = 500
# Connections freezing one step's chunks at once: PostgreSQL does the work.
FREEZERS = 2

_FREEZE = """
WITH picked AS (
    SELECT e.id, e.line_user_id, e.quiet_waits, e.cap_waits
    FROM scenario_enrollments e
    JOIN line_users u ON u.id = e.line_user_id
    WHERE e.scenario_id = :sid AND e.next_step = :step AND e.status = :active
        AND e.next_due_at <= :now AND NOT e.holdout
        AND u.is_friend AND u.blocked_at IS NULL
        AND {under_cap}
        {one_per_customer}
    -- No ORDER BY: the scan stops at the chunk, with or without statistics
    -- (ordered, a table not yet analyzed sorts every due row each chunk).
    LIMIT :chunk
    FOR UPDATE OF e SKIP LOCKED
),
drawn AS (
    SELECT p.*, b.bucket, {variant_no} AS variant_no
    FROM picked p CROSS JOIN LATERAL (SELECT {bucket} AS bucket) b
),
numbered AS MATERIALIZED (
    -- Ids taken here, so the answer needs no join back to the inserted rows.
    SELECT d.*, nextval(pg_get_serial_sequence('scenario_step_sends', 'id'))
            AS send_id,
        d.variant_no * :slots
        + (row_number() OVER (PARTITION BY d.variant_no ORDER BY d.id) - 1) / :batch
        + 1 AS slot
    FROM drawn d
),
batches AS (
    INSERT INTO scenario_send_batches
        (id, scenario_id, step_no, variant, messages, status, created_at)
    SELECT (CAST(:batch_ids AS bigint[]))[slot], :sid, :step,
        (CAST(:variants AS text[]))[variant_no + 1],
        CAST((CAST(:messages AS text[]))[variant_no + 1] AS json), :pending, :now
    FROM numbered GROUP BY slot, variant_no
),
sends AS (
    INSERT INTO scenario_step_sends (id, enrollment_id, scenario_id, step_no,
        variant, status, batch_id, quiet_waits, cap_waits, created_at)
    SELECT send_id, id, :sid, :step, (CAST(:variants AS text[]))[variant_no + 1],
        :pending, (CAST(:batch_ids AS bigint[]))[slot], quiet_waits, cap_waits, :now
    FROM numbered
),
moved AS (
    UPDATE scenario_enrollments e
    SET next_step = :step + 1, next_due_at = {next_due}, status = :next_status,
        finished_at = :finished_at, quiet_waits = 0, cap_waits = 0
    FROM numbered n WHERE e.id = n.id
),
ledger AS ({ledger})
SELECT (CAST(:batch_ids AS bigint[]))[n.slot] AS batch_id, n.send_id,
    n.line_user_id, n.variant_no, u.line_user_id AS line_id
FROM numbered n
JOIN line_users u ON u.id = n.line_user_id
ORDER BY n.slot, n.send_id
"""

# A customer with two due enrollments of one step (entry: every) goes one at
# a time, through the per-customer path, so the cap counts each.
_ONE_PER_CUSTOMER = """
        AND NOT EXISTS (SELECT 1 FROM scenario_enrollments o
            WHERE o.line_user_id = e.line_user_id AND o.status = :active
                AND o.scenario_id = e.scenario_id AND o.next_step = e.next_step
                AND o.next_due_at <= :now AND o.id <> e.id)
"""


_QUIET_WAIT = """
UPDATE scenario_enrollments e
SET next_due_at = :until, quiet_waits = e.quiet_waits + 1
FROM line_users u
WHERE u.id = e.line_user_id AND e.scenario_id = :sid AND e.next_step = :step
    AND e.status = :active AND e.next_due_at <= :now AND NOT e.holdout
    AND u.is_friend AND u.blocked_at IS NULL
"""


def _due_steps(now: datetime) -> Iterator[tuple[Scenario, int]]:
    """Yield each scenario (not paused) and step that has due enrollments."""
    due = (
        select(Enrollment.scenario_id, Enrollment.next_step)
        .join(ScenarioRecord, ScenarioRecord.id == Enrollment.scenario_id)
        .where(
            Enrollment.next_due_at <= now,
            Enrollment.status == ENROLLED,
            ScenarioRecord.status != PAUSED,
        )
        .distinct()
    )
    groups = db.session.execute(due).all()
    records = {r.id: r for r in db.session.scalars(select(ScenarioRecord))}
    for scenario_id, step_no in sorted(groups):
        scenario = parsed(records[scenario_id])
        if step_no < len(scenario.steps):
            yield scenario, step_no


def wait_for_quiet_hours_end(now: datetime, until: datetime) -> int:
    """Move every due step that would send to the end of quiet hours; commit.

    Quiet hours are one decision for the whole batch: one UPDATE per
    scenario step. Holdouts, blocked customers and finished scenarios are
    left to the per-customer path, which records them as it always does.
    """
    moved = 0
    for scenario, step_no in list(_due_steps(now)):
        result = db.session.execute(
            text(_QUIET_WAIT),
            {
                "until": until,
                "sid": scenario.id,
                "step": step_no,
                "active": ENROLLED,
                "now": now,
            },
        )
        moved += int(result.rowcount or 0)
    db.session.commit()
    return moved


def freeze_shared_steps(now: datetime) -> Iterator[tuple[Outbox, int]]:
    """Freeze every due shared-content step, committing and yielding each chunk.

    Yields the chunk's outbox and how many enrollments finished with it. A
    step with a personal variant is left to the per-customer path whole.
    FREEZERS connections take a step's chunks side by side (SKIP LOCKED keeps
    them apart), so PostgreSQL works on more than one core.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for scenario, step_no in list(_due_steps(now)):
        if any(v.personal for v in scenario.steps[step_no].variants):
            continue
        frozen: queue.Queue[tuple[Outbox, int] | BaseException | None] = queue.Queue()
        freezers = [
            threading.Thread(
                target=_freeze_step,
                args=(app, scenario, step_no, now, frozen),
                name=f"scenario-freezer-{n}",
            )
            for n in range(FREEZERS)
        ]
        for freezer in freezers:
            freezer.start()
        running, failure = len(freezers), None
        try:
            while running:
                item = frozen.get()
                if item is None:
                    running -= 1
                elif isinstance(item, BaseException):
                    failure = failure or item
                elif failure is None:
                    yield item
        finally:
            for freezer in freezers:
                freezer.join()
        if failure is not None:
            raise failure


def _freeze_step(
    app: Flask,
    scenario: Scenario,
    step_no: int,
    now: datetime,
    frozen: queue.Queue[tuple[Outbox, int] | BaseException | None],
) -> None:
    """Freeze chunks of one step on this thread's own connection until none is left."""
    with app.app_context():
        try:
            while True:
                outbox, finished, picked = _freeze_chunk(scenario, step_no, now)
                db.session.commit()
                if picked:
                    frozen.put((outbox, finished))
                # Fewer than a chunk: the rest is done or another freezer has it.
                if picked < CHUNK:
                    break
        except BaseException as exc:  # handed to the caller's thread
            db.session.rollback()
            frozen.put(exc)
        finally:
            db.session.remove()
            frozen.put(None)


def _freeze_chunk(
    scenario: Scenario, step_no: int, now: datetime
) -> tuple[Outbox, int, int]:
    step = scenario.steps[step_no]
    variants = [variant for variant, _, _ in variant_ranges(step)]
    expression = bucket_sql(scenario.id, literal_column("p.line_user_id"), "variant")
    next_due, finishing = _next_due(scenario, step_no + 1, now)
    variant_no = _variant_no(step, "b.bucket")
    # The hash only where a draw depends on it (A/B here, or next step's time).
    drawn = variant_no != "0" or "n.bucket" in next_due
    sql = _FREEZE.format(
        bucket=_compiled(expression) if drawn else "0",
        variant_no=variant_no,
        next_due=next_due,
        one_per_customer=_ONE_PER_CUSTOMER if scenario.entry_every else "",
        under_cap=under_cap_sql("e.line_user_id"),
        ledger=record_marketing_messages_sql("numbered", "line_user_id"),
    )
    slots = -(-CHUNK // BATCH)
    messages = [list(v.messages) for v in variants]
    params: dict[str, Any] = {
        "sid": scenario.id,
        "step": step_no,
        "active": ENROLLED,
        "pending": PENDING,
        "now": now,
        "day": local_day(now),
        "cap": daily_cap(),
        "chunk": CHUNK,
        "batch": BATCH,
        "slots": slots,
        "batch_ids": _reserve_batch_ids(slots * len(variants)),
        "variants": [v.id for v in variants],
        "messages": [json.dumps(m, ensure_ascii=False) for m in messages],
        "next_status": FINISHED if finishing else ENROLLED,
        "finished_at": now if finishing else None,
        "source": f"scenario:{scenario.id}",
    }
    lock_marketing_ledger(shared=True)
    # The ledger grows chunk by chunk: a plan cached while it looked empty
    # would scan it once per customer. JIT costs more than it saves here.
    db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    db.session.execute(text("SET LOCAL jit = off"))
    rows = db.session.execute(text(sql), params).all()
    outbox = Outbox()
    exposed: dict[int, list[int]] = defaultdict(list)
    for batch_id, send_id, user_id, variant_no, line_id in rows:
        to, ids, _ = outbox.batches.setdefault(batch_id, ([], [], messages[variant_no]))
        to.append(line_id)
        ids.append(send_id)
        exposed[variant_no].append(user_id)
    for variant_no, user_ids in exposed.items():
        record_exposures(
            user_ids, now, f"scenario:{scenario.id}", variants[variant_no].id
        )
    return outbox, len(rows) if finishing else 0, len(rows)


def _variant_no(step: Step, bucket: str) -> str:
    """Return SQL giving the drawn variant's index: `choose_variant` in SQL."""
    ranges = variant_ranges(step)
    if len(ranges) == 1:
        return "0"
    total = _total(step)
    cases = " ".join(
        f"WHEN {bucket} * {total} >= {low} AND {bucket} * {total} < {high} THEN {n}"
        for n, (_, low, high) in enumerate(ranges)
        if low < high
    )
    return f"CASE {cases} ELSE {len(ranges) - 1} END"


def _total(step: Step) -> int:
    return max(1, sum(v.weight for v in step.variants))


def _next_due(scenario: Scenario, step_no: int, now: datetime) -> tuple[str, bool]:
    """Return the next step's due time as SQL over the bucket, and if it finishes."""
    if step_no >= len(scenario.steps):
        return "NULL", True
    step = scenario.steps[step_no]
    ranges = variant_ranges(step)
    moments = [
        (low, high, due_at(now, step.after, variant.at))
        for variant, low, high in ranges
    ]
    if len({moment for _, _, moment in moments}) == 1:
        return _timestamp(moments[0][2]), False
    total = _total(step)
    cases = " ".join(
        f"WHEN n.bucket * {total} >= {low} AND n.bucket * {total} < {high}"
        f" THEN {_timestamp(moment)}"
        for low, high, moment in moments
    )
    return f"CASE {cases} ELSE {_timestamp(moments[-1][2])} END", False


def _timestamp(moment: datetime) -> str:
    return f"CAST('{moment.isoformat()}' AS timestamptz)"


def _compiled(expression: Any) -> str:
    sql = str(
        expression.compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
    )
    # The compiler doubles % for the driver; text() does that again itself.
    return sql.replace("%%", "%")


def _reserve_batch_ids(count: int) -> list[int]:
    """Take batch ids from the table's sequence; unused ones are only a gap."""
    return list(
        db.session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence('scenario_send_batches', 'id'))"
                " FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
    )
