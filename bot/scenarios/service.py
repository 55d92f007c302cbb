"""Enrollment rules: who enters a scenario, when each step is due, who leaves."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Text,
    case,
    cast,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import BIT

from bot.extensions import db
from bot.scenarios.definition import Scenario, Step, Variant, parse_scenario
from bot.scenarios.models import (
    ACTIVE,
    ENROLLED,
    EXITED,
    FINISHED,
    REMOVED,
    Enrollment,
    ScenarioRecord,
)
from bot.segments.query import segment_users
from bot.users.models import LineUser

log = logging.getLogger(__name__)

_parsed: dict[tuple[str, str], Scenario] = {}


@dataclass(frozen=True)
class Candidate:
    """A customer about to enter a scenario for one occurrence of its trigger."""

    user_id: int
    occurrence: str
    trigger_at: datetime
    context: dict[str, Any]


def parsed(record: ScenarioRecord) -> Scenario:
    """Return a stored scenario parsed (cached per process and version)."""
    key = (record.id, record.fingerprint)
    scenario = _parsed.get(key)
    if scenario is None:
        scenario = _parsed[key] = parse_scenario(record.definition)
    return scenario


def enrolling_scenarios(trigger: str) -> list[Scenario]:
    """Return the active scenarios started by this trigger."""
    records = db.session.scalars(
        select(ScenarioRecord)
        .where(ScenarioRecord.trigger == trigger, ScenarioRecord.status == ACTIVE)
        .order_by(ScenarioRecord.id)
    )
    return [parsed(record) for record in records]


def bucket(scenario_id: str, user_id: int, salt: str) -> int:
    """Return a stable number 0-9999 for a customer in a scenario.

    `bucket_sql` computes the same number in PostgreSQL: keep them together.
    """
    digest = hashlib.sha256(f"{salt}:{scenario_id}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10000


# 2**64 % 10000: PostgreSQL reads the 8 bytes as a signed bigint.
_WRAP = 2**64 % 10000


def bucket_sql(scenario_id: str, user_id: ColumnElement[Any], salt: str) -> Any:
    """Return `bucket(scenario_id, user_id, salt)` as a PostgreSQL expression."""
    key = literal(f"{salt}:{scenario_id}:") + cast(user_id, Text)
    digest = func.sha256(func.convert_to(key, literal("UTF8")))
    head = func.encode(func.substring(digest, 1, 8), literal("hex"))
    signed = cast(cast(literal("x") + head, BIT(64)), BigInteger)
    wrap = case((signed < 0, _WRAP), else_=0)
    return (signed % 10000 + 10000 + wrap) % 10000


def in_holdout(scenario: Scenario, user_id: int) -> bool:
    """Tell whether the customer is in the scenario's holdout (sent nothing)."""
    return bucket(scenario.id, user_id, "holdout") < scenario.holdout_percent * 100


def variant_ranges(step: Step) -> list[tuple[Variant, int, int]]:
    """Return each variant with its share of bucket x total weight: [low, high).

    A customer gets the variant whose range holds bucket x total; integers,
    so the Python draw and the SQL one (`variant_sql`) agree exactly.
    """
    total = sum(v.weight for v in step.variants)
    ranges, low = [], 0
    for variant in step.variants:
        high = low + variant.weight * 10000
        ranges.append((variant, low, high))
        low = high
    if len(step.variants) == 1:
        return [(step.variants[0], 0, 10000 * max(total, 1))]
    return ranges


def choose_variant(scenario: Scenario, step: Step, user_id: int) -> Variant:
    """Draw the customer's variant: once per customer and scenario, reproducibly."""
    if len(step.variants) == 1:
        return step.variants[0]
    total = sum(v.weight for v in step.variants)
    point = bucket(scenario.id, user_id, "variant") * total
    for variant, low, high in variant_ranges(step):
        if low <= point < high:
            return variant
    return step.variants[-1]


def due_at(start: datetime, after: timedelta, at: time | None) -> datetime:
    """Return start + after, moved to the first local `at` at or after it."""
    moment = start + after
    if at is None:
        return moment
    zone = current_app.config["SETTINGS"].timezone
    local = moment.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate < local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate


def step_due_at(
    scenario: Scenario, step_no: int, user_id: int, start: datetime
) -> datetime | None:
    """Return when the step is due from `start`, or None past the last step."""
    if step_no >= len(scenario.steps):
        return None
    step = scenario.steps[step_no]
    variant = choose_variant(scenario, step, user_id)
    return due_at(start, step.after, variant.at)


def reachable_in_segment(
    scenario: Scenario, user_ids: list[int], now: datetime
) -> set[int]:
    """Return which of these customers meet the scenario's conditions now."""
    zone = current_app.config["SETTINGS"].BOT_TIMEZONE
    found: set[int] = set()
    for start in range(0, len(user_ids), 5000):
        chunk = user_ids[start : start + 5000]
        query = segment_users(scenario.segment, now, zone).where(LineUser.id.in_(chunk))
        found.update(row.id for row in db.session.execute(query.order_by(None)))
    return found


def matches_event(scenario: Scenario, context: dict[str, Any]) -> bool:
    """Tell whether the triggering purchase has the channel, category or SKU."""
    conditions = scenario.event_conditions
    channel = conditions.get("channel")
    if channel not in (None, "both") and context.get("channel") != channel:
        return False
    if int(context.get("purchase_count") or 0) < conditions.get("min_purchases", 0):
        return False
    items = context.get("items") or []
    for key in ("category", "sku"):
        wanted = conditions.get(key)
        if wanted and not any(str(item.get(key)) in wanted for item in items):
            return False
    return True


def enroll(scenario: Scenario, candidates: list[Candidate], now: datetime) -> list[int]:
    """Enroll the candidates the entry rule lets in; return the new enrollment ids.

    Candidates must already meet the conditions. The unique (scenario,
    customer, occurrence) key makes a repeated trigger enroll nobody twice.
    """
    if not candidates:
        return []
    user_ids = sorted({c.user_id for c in candidates})
    recent = _recent_entries(scenario, user_ids, now)
    rows = []
    seen: set[int] = set()
    for candidate in candidates:
        if candidate.user_id in recent or candidate.user_id in seen:
            continue
        seen.add(candidate.user_id)
        rows.append(
            {
                "scenario_id": scenario.id,
                "line_user_id": candidate.user_id,
                "occurrence": candidate.occurrence[:80],
                "status": ENROLLED,
                "holdout": in_holdout(scenario, candidate.user_id),
                "context": candidate.context,
                "trigger_at": candidate.trigger_at,
                "enrolled_at": now,
                "next_step": 0,
                "next_due_at": step_due_at(
                    scenario, 0, candidate.user_id, candidate.trigger_at
                ),
                "quiet_waits": 0,
                "cap_waits": 0,
            }
        )
    return _insert_new(rows)


def _recent_entries(scenario: Scenario, user_ids: list[int], now: datetime) -> set[int]:
    """Return customers the entry rule keeps out (once: ever; every: recently)."""
    found: set[int] = set()
    for start in range(0, len(user_ids), 5000):
        query = select(Enrollment.line_user_id).where(
            Enrollment.scenario_id == scenario.id,
            Enrollment.line_user_id.in_(user_ids[start : start + 5000]),
        )
        if scenario.entry_every is not None:
            query = query.where(Enrollment.enrolled_at > now - scenario.entry_every)
        found.update(db.session.scalars(query))
    return found


def _insert_new(rows: list[dict[str, Any]]) -> list[int]:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    ids: list[int] = []
    for start in range(0, len(rows), 1000):
        statement = (
            insert(Enrollment)
            .values(rows[start : start + 1000])
            .on_conflict_do_nothing(
                index_elements=["scenario_id", "line_user_id", "occurrence"]
            )
            .returning(Enrollment.id)
        )
        ids.extend(db.session.scalars(statement))
    return ids


def exit_enrollments(
    user_id: int, reason: str, now: datetime, event: str | None = None
) -> int:
    """Take a customer out of active enrollments; `event` limits it to exit_on.

    Without an event (the customer blocked us) they leave every scenario.
    Only enrollments that began before `now` leave: the purchase that starts
    a scenario does not end it.
    """
    query = select(Enrollment).where(
        Enrollment.line_user_id == user_id,
        Enrollment.status == ENROLLED,
        Enrollment.enrolled_at <= now,
    )
    count = 0
    for enrollment in db.session.scalars(query):
        if event is not None:
            record = db.session.get(ScenarioRecord, enrollment.scenario_id)
            if record is None or event not in parsed(record).exit_on:
                continue
        end_enrollment(enrollment, EXITED, now, reason)
        count += 1
    db.session.flush()
    return count


def leave_all_scenarios(user_id: int, now: datetime) -> int:
    """Take a customer who blocked the shop out of every scenario."""
    return exit_enrollments(user_id, "blocked", now)


def end_enrollment(
    enrollment: Enrollment, status: str, now: datetime, reason: str | None = None
) -> None:
    """Finish an enrollment or make it exit, with nothing more due."""
    enrollment.status = status
    enrollment.exit_reason = reason
    enrollment.next_due_at = None
    enrollment.finished_at = now


def leave_removed(scenario_id: str, now: datetime) -> int:
    """Make everyone still in a removed `on_remove: leave` scenario exit."""
    result = db.session.execute(
        update(Enrollment)
        .where(Enrollment.scenario_id == scenario_id, Enrollment.status == ENROLLED)
        .values(status=EXITED, exit_reason=REMOVED, next_due_at=None, finished_at=now)
    )
    return int(result.rowcount or 0)


def finish(enrollment: Enrollment, now: datetime) -> None:
    """Mark an enrollment whose last step is done as finished."""
    end_enrollment(enrollment, FINISHED, now)


def count_enrollments(scenario_id: str) -> int:
    """Return how many customers ever entered the scenario."""
    return int(
        db.session.scalar(
            select(func.count()).where(Enrollment.scenario_id == scenario_id)
        )
        or 0
    )
