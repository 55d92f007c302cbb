"""Loading scenarios: all or nothing, precise errors, removal, the shipped set."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask.testing import FlaskCliRunner

from bot.extensions import db
from bot.models_base import utcnow
from bot.scenarios.models import ACTIVE, EXITED, REMOVED, ScenarioRecord
from bot.scenarios.service import Candidate, enroll, parsed
from tests.scenarios.helpers import (
    SHIPPED,
    add_friend,
    enrollments,
    load,
    write_scenario,
)

GOOD = """
id: hello
trigger: follow
steps:
  - after: 0m
    text: "ようこそ"
"""


def test_shipped_scenarios_all_load(runner: FlaskCliRunner, ctx: None) -> None:
    result = load(runner, SHIPPED)
    assert "7 added" in result.output
    ids = set(db.session.scalars(db.select(ScenarioRecord.id)))
    assert ids == {
        "first_purchase_thanks",
        "loyal_early_access",
        "birthday_coupon",
        "comeback_90d",
        "cart_reminder",
        "visit_no_purchase",
        "points_expiring",
    }


def test_an_error_names_file_scenario_and_field_and_nothing_is_stored(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path
) -> None:
    write_scenario(tmp_path, "a_good", GOOD)
    write_scenario(
        tmp_path,
        "b_bad",
        """
id: bad_one
trigger: follow
steps:
  - after: 0m
    variants:
      - {id: A, weight: -1, text: "x"}
""",
    )
    result = runner.invoke(args=["scenarios", "load", str(tmp_path)])
    assert result.exit_code != 0
    assert "b_bad.yaml: scenario bad_one: field steps[0].variants[0].weight" in (
        result.output
    )
    assert db.session.scalar(db.select(db.func.count(ScenarioRecord.id))) == 0


def test_unknown_trigger_and_condition_are_refused(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path
) -> None:
    write_scenario(tmp_path, "t", GOOD.replace("follow", "sunrise"))
    write_scenario(
        tmp_path,
        "u",
        GOOD.replace("id: hello", "id: other\nconditions: {shoe_size: 25}"),
    )
    result = runner.invoke(args=["scenarios", "load", str(tmp_path)])
    assert "t.yaml: scenario hello: field trigger" in result.output
    assert "u.yaml: scenario other: field conditions.shoe_size" in result.output


def test_dry_run_stores_nothing(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path
) -> None:
    write_scenario(tmp_path, "hello", GOOD)
    result = runner.invoke(args=["scenarios", "load", str(tmp_path), "--dry-run"])
    assert "would load: 1 added" in result.output
    assert db.session.get(ScenarioRecord, "hello") is None


def test_removed_scenario_stops_enrolling_and_leave_takes_customers_out(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path, friends: object
) -> None:
    write_scenario(tmp_path, "hello", GOOD + "on_remove: leave\n")
    write_scenario(tmp_path, "stay", GOOD.replace("id: hello", "id: stay"))
    load(runner, tmp_path)
    _, user_id = add_friend(friends)
    now = utcnow()
    record = db.session.get(ScenarioRecord, "hello")
    enroll(parsed(record), [Candidate(user_id, "x", now + timedelta(days=1), {})], now)
    db.session.commit()
    (tmp_path / "hello.yaml").unlink()
    result = load(runner, tmp_path)
    assert "1 removed" in result.output and "1 customers left" in result.output
    db.session.expire_all()
    assert db.session.get(ScenarioRecord, "hello").status == REMOVED
    assert db.session.get(ScenarioRecord, "stay").status == ACTIVE
    assert [(e.status, e.exit_reason) for e in enrollments("hello")] == [
        (EXITED, REMOVED)
    ]
    from bot.scenarios.service import enrolling_scenarios

    assert [s.id for s in enrolling_scenarios("follow")] == ["stay"]


def test_list_show_pause_and_resume(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path, friends: object
) -> None:
    from tests.scenarios.helpers import enroll_at, pushed_texts, run_due, tokyo_day

    write_scenario(tmp_path, "hello", GOOD)
    load(runner, tmp_path)
    line_id, user_id = add_friend(friends)
    enroll_at("hello", user_id, tokyo_day(1, 10))

    assert (
        "hello\tfollow\tactive\t1 enrolled"
        in runner.invoke(args=["scenarios", "list"]).output
    )
    assert (
        '"trigger": "follow"'
        in runner.invoke(args=["scenarios", "show", "hello"]).output
    )
    assert runner.invoke(args=["scenarios", "pause", "hello"]).exit_code == 0
    assert run_due(runner, tokyo_day(1, 10)).exit_code == 0
    assert pushed_texts(friends, line_id) == []
    assert runner.invoke(args=["scenarios", "resume", "hello"]).exit_code == 0
    assert run_due(runner, tokyo_day(1, 11)).exit_code == 0
    assert pushed_texts(friends, line_id) == ["ようこそ"]
    csv = runner.invoke(args=["scenarios", "stats", "hello", "--format", "csv"])
    assert csv.output.splitlines()[1] == "0,-,1,0,0,0,0"
    assert runner.invoke(args=["scenarios", "show", "nope"]).exit_code != 0
