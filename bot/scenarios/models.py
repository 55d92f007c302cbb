"""Scenarios as loaded, customers' enrollments, and each step's one send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.extensions import db
from bot.models_base import UTCDateTime, utcnow

# Scenario states: enrolling, paused (nothing sent, nobody enrolled), removed.
ACTIVE = "active"
PAUSED = "paused"
REMOVED = "removed"

# Enrollment states.
ENROLLED = "active"
FINISHED = "finished"
EXITED = "exited"

# Step-send states. PENDING: frozen with its retry key, about to go to LINE.
PENDING = "pending"
SENT = "sent"
HELD_OUT = "held_out"
BLOCKED = "blocked"


class ScenarioRecord(db.Model):
    """A scenario as last loaded from scenarios/*.yaml."""

    __tablename__ = "scenarios"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    trigger: Mapped[str] = mapped_column(String(32), index=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))
    source_file: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Enrollment(db.Model):
    """One customer in one scenario, for one occurrence of its trigger."""

    __tablename__ = "scenario_enrollments"
    __table_args__ = (
        UniqueConstraint("scenario_id", "line_user_id", "occurrence"),
        Index("ix_scenario_enrollments_user_status", "line_user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[str] = mapped_column(
        ForeignKey("scenarios.id", ondelete="CASCADE")
    )
    line_user_id: Mapped[int] = mapped_column(
        ForeignKey("line_users.id", ondelete="CASCADE")
    )
    # What fired it ("purchase:12", "cart:abc", "birthday:2026"): one each.
    occurrence: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default=ENROLLED)
    exit_reason: Mapped[str | None] = mapped_column(String(32))
    holdout: Mapped[bool] = mapped_column(default=False)
    # Values for the messages: recovery_url of a cart, the purchase id.
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    trigger_at: Mapped[datetime] = mapped_column(UTCDateTime())
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_step: Mapped[int] = mapped_column(default=0)
    # Set while active: the runner reads the due ones through this index.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Why the next step is waiting, counted for `scenarios stats`.
    quiet_waits: Mapped[int] = mapped_column(default=0)
    cap_waits: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SendBatch(db.Model):
    """One multicast of a step variant whose message is the same for everyone."""

    __tablename__ = "scenario_send_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[str] = mapped_column(String(64))
    step_no: Mapped[int]
    variant: Mapped[str] = mapped_column(String(16))
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StepSend(db.Model):
    """The one record of a step for an enrollment: what was sent, or why not."""

    __tablename__ = "scenario_step_sends"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "step_no"),
        Index("ix_scenario_step_sends_scenario_step", "scenario_id", "step_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("scenario_enrollments.id", ondelete="CASCADE")
    )
    scenario_id: Mapped[str] = mapped_column(String(64))
    step_no: Mapped[int]
    variant: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    # A personal push keeps its own messages; a shared one is in its batch.
    messages: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenario_send_batches.id", ondelete="SET NULL"), index=True
    )
    coupon_id: Mapped[str | None] = mapped_column(String(64))
    quiet_waits: Mapped[int] = mapped_column(default=0)
    cap_waits: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
