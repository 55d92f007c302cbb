"""`flask richmenu relink` and `apply_menu` against the emulator."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.extensions import db
from bot.members.models import Member
from bot.members.numbers import random_member_no
from bot.richmenu.models import RichMenuDeployment
from bot.users.models import LineUser
from line_emulator.traffic import Fault

MEMBERS, GUESTS = 620, 540


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Let bulk calls go as fast as the emulator takes them."""
    return {"RICHMENU_BULK_CALLS_PER_SECOND": 1000}


def line_id(n: int) -> str:
    """Return a LINE-shaped user id for a number."""
    return f"U{n:032x}"


@pytest.fixture
def deployed(app: Flask, runner: FlaskCliRunner) -> dict[str, str]:
    """Deploy the shipped menus; return rich menu ids by name."""
    result = runner.invoke(args=["richmenu", "deploy"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.scalars(sa.select(RichMenuDeployment)).all()
        return {row.name: row.rich_menu_id for row in rows}


@pytest.fixture
def friends(app: Flask) -> None:
    """Store MEMBERS linked members and GUESTS guests, plus one who blocked us."""
    with app.app_context():
        users = [LineUser(line_user_id=line_id(n)) for n in range(MEMBERS + GUESTS)]
        blocked = LineUser(line_user_id=line_id(99999), is_friend=False)
        db.session.add_all([*users, blocked])
        db.session.flush()
        db.session.add_all(
            Member(member_no=random_member_no(), name=f"会員{n}", line_user_id=u.id)
            for n, u in enumerate(users[:MEMBERS])
        )
        db.session.commit()


def bulk_calls(emulator: Any) -> list[Any]:
    """Return the bulk link and unlink calls LINE received and accepted."""
    return [
        c
        for c in emulator.platform.state.calls.find("/v2/bot/richmenu/bulk/*")
        if c.status == 202
    ]


def test_relink_puts_everyone_on_their_menu_in_calls_of_500_then_rests(
    runner: FlaskCliRunner, emulator: Any, deployed: dict[str, str], friends: None
) -> None:
    store = emulator.platform.state.rich_menus
    # A guest with a stale member menu must be taken off it.
    store.user_links[line_id(MEMBERS + 1)] = deployed["member-a"]

    result = runner.invoke(args=["richmenu", "relink"])
    assert result.exit_code == 0, result.output
    assert f"{MEMBERS} linked, {GUESTS} back on the default menu" in result.output

    calls = bulk_calls(emulator)
    assert all(1 <= len(c.body["userIds"]) <= 500 for c in calls)
    assert len(calls) == 2 + 2  # 620 members and 540 guests, 500 per call
    for n in range(MEMBERS + GUESTS):
        want = deployed["member-a"] if n < MEMBERS else deployed["guest"]
        assert store.effective_menu_id(line_id(n))[0] == want
    sent = [u for c in calls for u in c.body["userIds"]]
    assert line_id(99999) not in sent

    emulator.platform.state.calls.clear()
    again = runner.invoke(args=["richmenu", "relink"])
    assert again.exit_code == 0, again.output
    assert "sent 0 bulk call(s)" in again.output
    assert bulk_calls(emulator) == []


def test_relink_stopped_by_429_is_resumed_by_the_next_run(
    app: Flask,
    runner: FlaskCliRunner,
    emulator: Any,
    deployed: dict[str, str],
    friends: None,
) -> None:
    from bot.richmenu.models import RichMenuUserLink

    state = emulator.platform.state
    state.faults.add(
        Fault(path="/v2/bot/richmenu/bulk/unlink", status=429, remaining=9)
    )
    stopped = runner.invoke(args=["richmenu", "relink", "--max-attempts", "2"])
    assert stopped.exit_code == 1
    assert "Run relink again to resume" in stopped.output
    with app.app_context():
        recorded = db.session.scalar(
            sa.select(sa.func.count(RichMenuUserLink.line_user_id))
        )
    first_run_users = [u for c in bulk_calls(emulator) for u in c.body["userIds"]]
    assert recorded == len(first_run_users) > 0

    state.faults.clear()
    state.calls.clear()
    resumed = runner.invoke(args=["richmenu", "relink"])
    assert resumed.exit_code == 0, resumed.output
    second_run_users = [u for c in bulk_calls(emulator) for u in c.body["userIds"]]
    assert not set(first_run_users) & set(second_run_users)
    assert len(first_run_users) + len(second_run_users) == MEMBERS + GUESTS
    store = state.rich_menus
    assert store.effective_menu_id(line_id(0))[0] == deployed["member-a"]
    assert store.effective_menu_id(line_id(MEMBERS))[0] == deployed["guest"]


def test_apply_menu_is_a_logged_no_op_before_any_deploy(
    app: Flask, emulator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.richmenu.service import apply_menu

    with app.app_context():
        user = LineUser(line_user_id=line_id(1))
        db.session.add(user)
        db.session.flush()
        apply_menu(user, "support")
        apply_menu(user)
    assert emulator.platform.state.calls.calls == []
    messages = [r for r in caplog.records if r.getMessage().startswith("rich menu not")]
    assert [getattr(r, "menu", None) for r in messages] == ["support", "guest"]


def test_apply_menu_by_name_and_by_status(
    app: Flask, emulator: Any, deployed: dict[str, str]
) -> None:
    from bot.richmenu.service import apply_menu

    user_id = emulator.platform.add_user(display_name="客").user_id
    store = emulator.platform.state.rich_menus
    with app.app_context():
        user = LineUser(line_user_id=user_id)
        db.session.add(user)
        db.session.flush()
        apply_menu(user, "support")
        assert store.effective_menu_id(user_id) == (deployed["support"], "linked")
        apply_menu(user)
        assert store.effective_menu_id(user_id) == (deployed["guest"], "default")
        db.session.add(
            Member(member_no=random_member_no(), name="客", line_user_id=user.id)
        )
        db.session.flush()
        apply_menu(user)
        assert store.effective_menu_id(user_id) == (deployed["member-a"], "linked")


def test_status_rules_from_other_domains_come_first(
    app: Flask, runner: FlaskCliRunner, emulator: Any, deployed: dict[str, str]
) -> None:
    from bot.routing import get_router

    user_id = emulator.platform.add_user().user_id

    def in_support(user: LineUser) -> str | None:
        return "support" if user.line_user_id == user_id else None

    get_router(app).menu_rule("test-support", in_support)
    with app.app_context():
        db.session.add(LineUser(line_user_id=user_id))
        db.session.commit()
    assert runner.invoke(args=["richmenu", "relink"]).exit_code == 0
    store = emulator.platform.state.rich_menus
    assert store.effective_menu_id(user_id) == (deployed["support"], "linked")
