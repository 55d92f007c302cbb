"""Helpers for scenario tests: scenario files, moments in Tokyo, LINE's side."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask.testing import FlaskCliRunner

from bot.extensions import db
from bot.scenarios.models import Enrollment, StepSend
from bot.users.models import LineUser

TOKYO = ZoneInfo("Asia/Tokyo")
SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"


def write_scenario(directory: Path, name: str, text: str) -> Path:
    """Write one scenario file."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(runner: FlaskCliRunner, directory: Path | None = None) -> Any:
    """Run `scenarios load [DIR]` and insist it worked."""
    args = ["scenarios", "load"] + ([str(directory)] if directory else [])
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return result


def run_due(runner: FlaskCliRunner, now: datetime, *extra: str) -> Any:
    """Run `scenarios run-due --now NOW`."""
    return runner.invoke(
        args=["scenarios", "run-due", "--now", now.isoformat(), *extra]
    )


def tokyo_day(days: int, hour: int, minute: int = 0) -> datetime:
    """Return a Tokyo wall-clock moment `days` from today's date."""
    today = datetime.now(TOKYO).date()
    return datetime.combine(today + timedelta(days=days), time(hour, minute), TOKYO)


def add_friend(line: Any, name: str = "山田 花子") -> tuple[str, int]:
    """Create a LINE user on the emulator and the bot; return (LINE id, row id)."""
    line_id = line.add_user(name)
    user = LineUser(line_user_id=line_id, display_name=name, is_friend=True)
    db.session.add(user)
    db.session.commit()
    return line_id, user.id


def pushed_texts(line: Any, line_id: str) -> list[str]:
    """Return every text LINE delivered to the user by push or multicast."""
    return [
        m["text"]
        for d in line.deliveries_to(line_id)
        if d.delivered and d.via in ("push", "multicast")
        for m in d.messages
        if m.get("type") == "text"
    ]


def step_sends(scenario_id: str) -> list[StepSend]:
    """Return a scenario's step records, oldest first."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(StepSend)
            .where(StepSend.scenario_id == scenario_id)
            .order_by(StepSend.id)
        )
    )


def enrollments(scenario_id: str) -> list[Enrollment]:
    """Return a scenario's enrollments, oldest first."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(Enrollment)
            .where(Enrollment.scenario_id == scenario_id)
            .order_by(Enrollment.id)
        )
    )


def enroll_at(
    scenario_id: str, user_id: int, at: datetime, occurrence: str = "t"
) -> int:
    """Enroll a customer as if the scenario's trigger fired at `at`."""
    from bot.scenarios.models import ScenarioRecord
    from bot.scenarios.service import Candidate, enroll, parsed

    record = db.session.get(ScenarioRecord, scenario_id)
    assert record is not None
    ids = enroll(parsed(record), [Candidate(user_id, occurrence, at, {})], at)
    db.session.commit()
    assert ids, "not enrolled"
    return ids[0]
