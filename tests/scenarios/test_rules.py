"""The rules that protect customers: quiet hours, the cap, holdout, variants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner

from bot.extensions import db
from bot.marketing.rules import record_marketing_messages
from bot.scenarios import running
from bot.scenarios.models import HELD_OUT, SENT
from bot.scenarios.service import bucket, bucket_sql, choose_variant, in_holdout, parsed
from tests.scenarios.helpers import (
    TOKYO,
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


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"QUIET_HOURS": "21:00-09:00", "MAX_MARKETING_MESSAGES_PER_DAY": 2}


# Every rule through both freezes (see conftest.freeze_path).
pytestmark = pytest.mark.usefixtures("freeze_path")


def one_step(sid: str, text: str, extra: str = "") -> str:
    return f"""
id: {sid}
trigger: follow
{extra}
steps:
  - after: 0m
    text: "{text}"
"""


def test_step_due_in_quiet_hours_goes_out_when_they_end(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path, friends: Any
) -> None:
    write_scenario(tmp_path, "late", one_step("late", "夜のお知らせ"))
    load(runner, tmp_path)
    line_id, user_id = add_friend(friends)
    enroll_at("late", user_id, tokyo_day(1, 22))

    assert run_due(runner, tokyo_day(1, 22)).exit_code == 0
    assert run_due(runner, tokyo_day(2, 8, 59)).exit_code == 0
    assert pushed_texts(friends, line_id) == []
    [enrollment] = enrollments("late")
    assert enrollment.next_due_at == tokyo_day(2, 9)

    assert run_due(runner, tokyo_day(2, 9)).exit_code == 0
    assert pushed_texts(friends, line_id) == ["夜のお知らせ"]
    [send] = step_sends("late")
    assert (send.status, send.quiet_waits) == (SENT, 1)


def test_in_quiet_hours_holdouts_and_blocked_are_recorded_and_the_rest_wait(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path, friends: Any
) -> None:
    write_scenario(
        tmp_path, "night", one_step("night", "朝のお知らせ", "holdout_percent: 40")
    )
    load(runner, tmp_path)
    users = [add_friend(friends, f"客{i}") for i in range(20)]
    blocked_line_id, blocked_id = users.pop()
    for _, user_id in [*users, (blocked_line_id, blocked_id)]:
        enroll_at("night", user_id, tokyo_day(1, 22))
    from bot.models_base import utcnow
    from bot.scenarios.models import BLOCKED, EXITED, ScenarioRecord
    from bot.users.models import LineUser

    db.session.get(LineUser, blocked_id).blocked_at = utcnow()
    db.session.commit()
    scenario = parsed(db.session.get(ScenarioRecord, "night"))
    held = {uid for _, uid in users if in_holdout(scenario, uid)}
    assert 0 < len(held) < len(users)

    assert run_due(runner, tokyo_day(1, 22)).exit_code == 0
    for line_id, _ in users:
        assert pushed_texts(friends, line_id) == []
    by_user = {e.line_user_id: e for e in enrollments("night")}
    assert (by_user[blocked_id].status, by_user[blocked_id].exit_reason) == (
        EXITED,
        BLOCKED,
    )
    for _, user_id in users:
        if user_id not in held:
            waiting = by_user[user_id]
            assert (waiting.next_due_at, waiting.quiet_waits) == (tokyo_day(2, 9), 1)
    statuses = sorted(s.status for s in step_sends("night"))
    assert statuses == sorted([HELD_OUT] * len(held) + [BLOCKED])

    assert run_due(runner, tokyo_day(2, 9)).exit_code == 0
    for line_id, user_id in users:
        expected = [] if user_id in held else ["朝のお知らせ"]
        assert pushed_texts(friends, line_id) == expected
    assert pushed_texts(friends, blocked_line_id) == []
    sent = [s for s in step_sends("night") if s.status == SENT]
    assert len(sent) == len(users) - len(held)
    assert {s.quiet_waits for s in sent} == {1}


def test_cap_holds_the_third_message_of_the_day_until_the_next_morning(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path, friends: Any
) -> None:
    for sid in ("cap_a", "cap_b", "cap_c"):
        write_scenario(tmp_path, sid, one_step(sid, f"{sid}のお知らせ"))
    load(runner, tmp_path)
    line_id, user_id = add_friend(friends)
    for sid in ("cap_a", "cap_b", "cap_c"):
        enroll_at(sid, user_id, tokyo_day(1, 10))

    run_due(runner, tokyo_day(1, 10))
    assert sorted(pushed_texts(friends, line_id)) == [
        "cap_aのお知らせ",
        "cap_bのお知らせ",
    ]
    [waiting] = enrollments("cap_c")
    assert waiting.next_due_at == tokyo_day(2, 9)  # next day, after quiet hours

    run_due(runner, tokyo_day(1, 20))
    assert len(pushed_texts(friends, line_id)) == 2
    run_due(runner, tokyo_day(2, 9))
    assert pushed_texts(friends, line_id)[-1] == "cap_cのお知らせ"
    stats = runner.invoke(args=["scenarios", "stats", "cap_c", "--format", "json"])
    assert '"cap_waits": 1' in stats.output


# Quiet hours off: the segment send below starts at the real time of day, and
# this test is about the cap (quiet hours have the tests above).
@pytest.mark.parametrize(
    "settings_overrides", [{"QUIET_HOURS": "", "MAX_MARKETING_MESSAGES_PER_DAY": 2}]
)
def test_segment_sends_count_against_the_cap_and_respect_it(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path, friends: Any
) -> None:
    write_scenario(tmp_path, "after_sale", one_step("after_sale", "ステップ"))
    load(runner, tmp_path)
    line_id, user_id = add_friend(friends)
    other_id, _ = add_friend(friends, "佐藤 太郎")
    # Two segment messages today already.
    record_marketing_messages([user_id, user_id], tokyo_day(0, 12), "segment:1")
    db.session.commit()
    from bot.models_base import utcnow

    now = utcnow()
    enroll_at("after_sale", user_id, now)
    run_due(runner, now)
    assert pushed_texts(friends, line_id) == []

    result = runner.invoke(args=["segments", "send", "--text", "セール"])
    assert result.exit_code == 0, result.output
    assert pushed_texts(friends, other_id) == ["セール"]
    assert pushed_texts(friends, line_id) == []


def test_holdout_customers_are_enrolled_but_sent_nothing(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path, friends: Any
) -> None:
    write_scenario(
        tmp_path, "held", one_step("held", "こんにちは", "holdout_percent: 30")
    )
    load(runner, tmp_path)
    users = [add_friend(friends, f"客{i}") for i in range(40)]
    for _, user_id in users:
        enroll_at("held", user_id, tokyo_day(1, 10))

    run_due(runner, tokyo_day(1, 10))

    from bot.scenarios.models import ScenarioRecord

    scenario = parsed(db.session.get(ScenarioRecord, "held"))
    held = [(lid, uid) for lid, uid in users if in_holdout(scenario, uid)]
    assert 4 <= len(held) <= 20
    for line_id, user_id in users:
        expected = [] if (line_id, user_id) in held else ["こんにちは"]
        assert pushed_texts(friends, line_id) == expected
    statuses = [s.status for s in step_sends("held")]
    assert statuses.count(HELD_OUT) == len(held)
    assert statuses.count(SENT) == 40 - len(held)
    stats = runner.invoke(args=["scenarios", "stats", "held"])
    assert f"in holdout {len(held)}" in stats.output


def test_variant_is_drawn_once_per_customer_and_kept(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path, friends: Any
) -> None:
    text = """
id: ab
trigger: follow
entry:
  every: 1d
steps:
  - after: 0m
    variants:
      - {id: A, weight: 50, text: "Aです"}
      - {id: B, weight: 50, text: "Bです"}
  - after: 1d
    variants:
      - {id: A, weight: 50, text: "Aの続き"}
      - {id: B, weight: 50, text: "Bの続き"}
"""
    write_scenario(tmp_path, "ab", text)
    load(runner, tmp_path)
    users = [add_friend(friends, f"客{i}") for i in range(30)]
    for _, user_id in users:
        enroll_at("ab", user_id, tokyo_day(1, 10))
    run_due(runner, tokyo_day(1, 10))
    run_due(runner, tokyo_day(2, 10))
    # A second enrollment (and a reload with a changed description) keeps it.
    write_scenario(tmp_path, "ab", text + "description: changed\n")
    load(runner, tmp_path)
    for _, user_id in users:
        enroll_at("ab", user_id, tokyo_day(3, 10), occurrence="again")
    run_due(runner, tokyo_day(3, 10))

    seen = set()
    for line_id, _ in users:
        texts = pushed_texts(friends, line_id)
        variant = texts[0][0]
        seen.add(variant)
        assert texts == [f"{variant}です", f"{variant}の続き", f"{variant}です"]
    assert seen == {"A", "B"}
    for send in step_sends("ab"):
        assert send.variant in ("A", "B")
    from bot.scenarios.models import ScenarioRecord

    scenario = parsed(db.session.get(ScenarioRecord, "ab"))
    for line_id, user_id in users:
        drawn = choose_variant(scenario, scenario.steps[0], user_id).id
        assert drawn == choose_variant(scenario, scenario.steps[1], user_id).id
        assert pushed_texts(friends, line_id)[0] == f"{drawn}です"


def test_uneven_weights_draw_the_same_variant_in_sql_and_in_python(
    runner: FlaskCliRunner,
    ctx: None,
    tmp_path: Path,
    friends: Any,
    freeze_path: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frozen_in_sql = []
    real_freeze = running.freeze_shared_steps

    def counting(now: Any) -> Any:
        for outbox, finished in real_freeze(now):
            frozen_in_sql.append(len(outbox))
            yield outbox, finished

    monkeypatch.setattr(running, "freeze_shared_steps", counting)
    text = """
id: uneven
trigger: follow
steps:
  - after: 0m
    variants:
      - {id: A, weight: 1, text: "Aです"}
      - {id: Z, weight: 0, text: "Zです"}
      - {id: B, weight: 2, text: "Bです"}
      - {id: C, weight: 4, text: "Cです"}
"""
    write_scenario(tmp_path, "uneven", text)
    load(runner, tmp_path)
    users = [add_friend(friends, f"客{i}") for i in range(40)]
    for _, user_id in users:
        enroll_at("uneven", user_id, tokyo_day(1, 10))
    run_due(runner, tokyo_day(1, 10))

    from bot.scenarios.models import ScenarioRecord

    scenario = parsed(db.session.get(ScenarioRecord, "uneven"))
    drawn = {}
    for line_id, user_id in users:
        drawn[line_id] = choose_variant(scenario, scenario.steps[0], user_id).id
        assert pushed_texts(friends, line_id) == [f"{drawn[line_id]}です"]
    assert set(drawn.values()) == {"A", "B", "C"}
    by_user = {s.enrollment_id: s.variant for s in step_sends("uneven")}
    assert sorted(by_user.values()) == sorted(drawn.values())
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    in_sql = freeze_path == "set_based" and postgresql
    assert sum(frozen_in_sql) == (40 if in_sql else 0)


def test_the_sql_bucket_is_the_python_bucket(ctx: None, freeze_path: str) -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("the SQL draw is PostgreSQL's")
    if freeze_path != "set_based":
        pytest.skip("no freeze involved: once is enough")
    from sqlalchemy import literal_column, select

    ids = list(range(1, 3001)) + [2**31 - 1, 987654321]
    numbers = select(literal_column("n")).select_from(
        db.func.unnest(db.literal(ids, db.ARRAY(db.Integer))).alias("n")
    )
    expression = bucket_sql("first_purchase_thanks", literal_column("n"), "variant")
    rows = db.session.execute(
        select(literal_column("n"), expression).select_from(numbers.subquery("t"))
    ).all()
    assert len(rows) == len(ids)
    for user_id, number in rows:
        assert number == bucket("first_purchase_thanks", user_id, "variant")


def test_dry_run_prints_per_customer_and_sends_nothing(
    runner: FlaskCliRunner, ctx: None, tmp_path: Path, friends: Any
) -> None:
    write_scenario(tmp_path, "dry", one_step("dry", "{name}様へ"))
    load(runner, tmp_path)
    line_id, user_id = add_friend(friends, "鈴木 一郎")
    enroll_at("dry", user_id, tokyo_day(1, 10))

    result = run_due(runner, tokyo_day(1, 11), "--dry-run")

    assert f"{line_id} dry step 1 variant -: 鈴木 一郎様へ" in result.output
    assert pushed_texts(friends, line_id) == []
    assert step_sends("dry") == []
    assert enrollments("dry")[0].next_step == 0
    assert tokyo_day(1, 11).astimezone(TOKYO).hour == 11
