"""`scenarios stats`: enrolled, holdout, per step and variant, exits by reason."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from bot.extensions import db
from bot.scenarios.models import (
    BLOCKED,
    ENROLLED,
    EXITED,
    HELD_OUT,
    SENT,
    Enrollment,
    StepSend,
)

COLUMNS = ("step", "variant", "sent", "held_out", "blocked", "quiet_waits", "cap_waits")


def scenario_stats(scenario_id: str) -> dict[str, Any]:
    """Return a scenario's figures, ready for a table, CSV or JSON."""
    enrolled = _count(Enrollment.scenario_id == scenario_id)
    holdout = _count(Enrollment.scenario_id == scenario_id, Enrollment.holdout)
    active = _count(
        Enrollment.scenario_id == scenario_id, Enrollment.status == ENROLLED
    )
    steps: dict[tuple[int, str], dict[str, Any]] = defaultdict(
        lambda: dict.fromkeys(COLUMNS[2:], 0)
    )
    rows = db.session.execute(
        select(
            StepSend.step_no,
            StepSend.variant,
            StepSend.status,
            func.count(),
            func.sum(StepSend.quiet_waits),
            func.sum(StepSend.cap_waits),
        )
        .where(StepSend.scenario_id == scenario_id)
        .group_by(StepSend.step_no, StepSend.variant, StepSend.status)
    )
    for step_no, variant, status, count, quiet, cap in rows:
        figures = steps[(step_no, variant)]
        if status in (SENT, HELD_OUT, BLOCKED):
            figures[status] += count
        figures["quiet_waits"] += int(quiet or 0)
        figures["cap_waits"] += int(cap or 0)
    # Customers still waiting for a step: their waits so far.
    waiting = db.session.execute(
        select(
            Enrollment.next_step,
            func.sum(Enrollment.quiet_waits),
            func.sum(Enrollment.cap_waits),
        )
        .where(Enrollment.scenario_id == scenario_id, Enrollment.status == ENROLLED)
        .group_by(Enrollment.next_step)
    )
    for step_no, quiet, cap in waiting:
        if quiet or cap:
            figures = steps[(step_no, "(waiting)")]
            figures["quiet_waits"] += int(quiet or 0)
            figures["cap_waits"] += int(cap or 0)
    exits = dict(
        db.session.execute(
            select(Enrollment.exit_reason, func.count())
            .where(Enrollment.scenario_id == scenario_id, Enrollment.status == EXITED)
            .group_by(Enrollment.exit_reason)
        ).all()
    )
    exited_at_step = dict(
        db.session.execute(
            select(Enrollment.next_step, func.count())
            .where(Enrollment.scenario_id == scenario_id, Enrollment.status == EXITED)
            .group_by(Enrollment.next_step)
        ).all()
    )
    return {
        "scenario": scenario_id,
        "enrolled": enrolled,
        "in_holdout": holdout,
        "active": active,
        "steps": [
            {"step": step_no, "variant": variant, **figures}
            for (step_no, variant), figures in sorted(steps.items())
        ],
        "exited_before_step": {str(k): v for k, v in sorted(exited_at_step.items())},
        "exits": {str(k): v for k, v in sorted(exits.items(), key=str)},
    }


def _count(*conditions: Any) -> int:
    return int(db.session.scalar(select(func.count()).where(*conditions)) or 0)
