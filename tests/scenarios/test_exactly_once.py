"""Each step exactly once, the quota refusal, and customers who block the shop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner

from bot.extensions import db
from bot.scenarios import sending
from bot.scenarios.models import BLOCKED, EXITED, PENDING, SENT
from tests.scenarios.helpers import (
    add_friend,
    enroll_at,
    enrollments,
    load,
    pushed_texts,
    run_due,
    step_sends,
    tokyo_day,
    write_scenario,
)

TWO_KINDS = """
id: both
trigger: follow
steps:
  - after: 0m
    text: "みなさまへ"
  - after: 1d
    text: "{name}様へ"
"""


# Exactly once through both freezes (see conftest.freeze_path).
pytestmark = pytest.mark.usefixtures("freeze_path")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"QUOTA_CHECK_MIN_MESSAGES": 1}


def _crash_once(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:
    real = getattr(module, name)
    calls = {"n": 0}

    def crashing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, crashing)


@pytest.mark.parametrize("step_day", [1, 2], ids=["multicast", "push"])
def test_killed_after_the_send_before_the_record_sends_nothing_twice(
    runner: FlaskCliRunner,
    ctx: None,
    tmp_path: Path,
    friends: Any,
    monkeypatch: pytest.MonkeyPatch,
    step_day: int,
) -> None:
    write_scenario(tmp_path, "both", TWO_KINDS)
    load(runner, tmp_path)
    users = [add_friend(friends, f"客{i}") for i in range(3)]
    for _, user_id in users:
        enroll_at("both", user_id, tokyo_day(1, 10))
    if step_day == 2:
        assert run_due(runner, tokyo_day(1, 10)).exit_code == 0
    # LINE accepts the send; the process dies before recording it.
    _crash_once(monkeypatch, sending, "mark_sent")

    crashed = run_due(runner, tokyo_day(step_day, 10))
    assert crashed.exit_code != 0
    assert {s.status for s in step_sends("both") if s.step_no == step_day - 1} == {
        PENDING
    }

    assert run_due(runner, tokyo_day(step_day, 10)).exit_code == 0
    expected = ["みなさまへ", "客{}様へ"][:step_day]
    for i, (line_id, _) in enumerate(users):
        assert pushed_texts(friends, line_id) == [t.format(i) for t in expected]
    assert {s.status for s in step_sends("both")} == {SENT}
    assert len(step_sends("both")) == 3 * step_day
    # The rerun reached LINE with the same retry keys and was told "already".
    path = "/v2/bot/message/multicast" if step_day == 1 else "/v2/bot/message/push"
    answers = [call.status for call in friends.calls(path)]
    assert answers.count(409) >= 1


def test_killed_after_freezing_before_sending_loses_no_step(
    runner: FlaskCliRunner,
    ctx: None,
    tmp_path: Path,
    friends: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_scenario(tmp_path, "both", TWO_KINDS)
    load(runner, tmp_path)
    line_id, user_id = add_friend(friends, "田中")
    enroll_at("both", user_id, tokyo_day(1, 10))
    _crash_once(monkeypatch, sending, "_multicast_in_app")

    assert run_due(runner, tokyo_day(1, 10)).exit_code != 0
    assert pushed_texts(friends, line_id) == []

    assert run_due(runner, tokyo_day(1, 10, 1)).exit_code == 0
    assert pushed_texts(friends, line_id) == ["みなさまへ"]
    assert run_due(runner, tokyo_day(1, 10, 2)).exit_code == 0
    assert pushed_texts(friends, line_id) == ["みなさまへ"]


def test_a_send_over_the_month_quota_is_refused_before_anything_goes(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path, friends: Any, emulator: Any
) -> None:
    write_scenario(tmp_path, "both", TWO_KINDS)
    load(runner, tmp_path)
    users = [add_friend(friends, f"客{i}") for i in range(6)]
    for _, user_id in users:
        enroll_at("both", user_id, tokyo_day(1, 10))
    emulator.platform.configure(monthly_quota=10)
    emulator.platform.state.quota_used = 6

    result = run_due(runner, tokyo_day(1, 10))

    assert result.exit_code != 0
    assert "needs 6 messages but only 4 are left" in result.output
    assert all(pushed_texts(friends, line_id) == [] for line_id, _ in users)
    assert step_sends("both") == []
    assert all(e.next_step == 0 for e in enrollments("both"))

    quota = runner.invoke(args=["quota"])
    assert "quota: 10" in quota.output and "used: 6" in quota.output


def test_blocked_customers_leave_and_unblocking_does_not_bring_them_back(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path, line: Any, worker: Any
) -> None:
    write_scenario(tmp_path, "both", TWO_KINDS)
    load(runner, tmp_path)
    line_id = line.add_user("高橋")
    assert line.send(line.follow(line_id)) == 200
    worker()
    worker()
    [enrollment] = enrollments("both")
    assert pushed_texts(line, line_id) == ["みなさまへ"]

    assert line.send(line.unfollow(line_id)) == 200
    worker()
    [enrollment] = enrollments("both")
    assert (enrollment.status, enrollment.exit_reason) == (EXITED, BLOCKED)

    unblock = line.follow(line_id)
    unblock["follow"] = {"isUnblocked": True}
    assert line.send(unblock) == 200
    worker()
    worker()
    assert len(enrollments("both")) == 1
    assert run_due(runner, tokyo_day(3, 10)).exit_code == 0
    assert pushed_texts(line, line_id) == ["みなさまへ"]
    db.session.expire_all()


def test_a_segment_send_over_the_quota_is_refused_before_anything_goes(
    runner: FlaskCliRunner, ctx: None, friends: Any, emulator: Any
) -> None:
    users = [add_friend(friends, f"客{i}") for i in range(3)]
    emulator.platform.configure(monthly_quota=2)

    result = runner.invoke(args=["segments", "send", "--text", "セール"])

    assert result.exit_code != 0
    assert "needs 3 messages but only 2 are left" in result.output
    assert all(pushed_texts(friends, line_id) == [] for line_id, _ in users)


def test_the_worker_sweep_sends_due_steps_once(
    ctx: None, runner: FlaskCliRunner, tmp_path: Path, friends: Any
) -> None:
    from bot.models_base import utcnow
    from bot.scenarios.jobs import sweep_scenarios

    write_scenario(tmp_path, "both", TWO_KINDS)
    load(runner, tmp_path)
    line_id, user_id = add_friend(friends, "木村")
    enroll_at("both", user_id, utcnow())

    sweep_scenarios()
    sweep_scenarios()

    assert pushed_texts(friends, line_id) == ["みなさまへ"]
    [enrollment] = enrollments("both")
    assert enrollment.next_step == 1


@pytest.mark.parametrize("crash", [False, True], ids=["whole", "freezer-killed"])
def test_chunks_frozen_side_by_side_reach_everyone_once(
    runner: FlaskCliRunner,
    ctx: None,
    tmp_path: Path,
    friends: Any,
    monkeypatch: pytest.MonkeyPatch,
    freeze_path: str,
    crash: bool,
) -> None:
    from bot.scenarios import freezing

    # Small chunks and batches: the freezers share a step's many chunks.
    monkeypatch.setattr(freezing, "CHUNK", 3)
    monkeypatch.setattr(freezing, "BATCH", 2)
    if crash:
        _crash_once(monkeypatch, freezing, "record_exposures")
    write_scenario(tmp_path, "both", TWO_KINDS)
    load(runner, tmp_path)
    users = [add_friend(friends, f"客{i}") for i in range(17)]
    for _, user_id in users:
        enroll_at("both", user_id, tokyo_day(1, 10))

    first = run_due(runner, tokyo_day(1, 10))
    if crash and freeze_path == "set_based":
        assert first.exit_code != 0
        assert run_due(runner, tokyo_day(1, 10, 1)).exit_code == 0
    else:
        assert first.exit_code == 0
    assert run_due(runner, tokyo_day(1, 10, 2)).exit_code == 0

    for line_id, _ in users:
        assert pushed_texts(friends, line_id) == ["みなさまへ"]
    sends = step_sends("both")
    assert len(sends) == 17
    assert {s.status for s in sends} == {SENT}
    assert len({s.enrollment_id for s in sends}) == 17
    batches = [s.batch_id for s in sends]
    if freeze_path == "set_based":
        assert all(batches.count(b) <= 2 for b in batches)
    assert all(e.next_step == 1 for e in enrollments("both"))
