"""`flask richmenu deploy` against the emulator: creates, repairs, replaces, removes."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.extensions import db
from bot.richmenu.models import RichMenuDeployment, RichMenuUserLink
from bot.users.models import LineUser
from tests.richmenu.helpers import SHIPPED_MENUS, edit

CHANGING = ("POST", "DELETE")


def deploy(runner: FlaskCliRunner, *args: str) -> Any:
    """Run `richmenu deploy` and return the click result."""
    return runner.invoke(args=["richmenu", "deploy", *args])


def records(app: Flask) -> dict[str, RichMenuDeployment]:
    """Return the deployment rows by name, detached."""
    with app.app_context():
        rows = db.session.scalars(sa.select(RichMenuDeployment)).all()
        for row in rows:
            db.session.expunge(row)
        return {row.name: row for row in rows}


def changing_calls(emulator: Any) -> list[tuple[str, str]]:
    """Return (method, path) of every call that could change LINE's state."""
    return [
        (c.method, c.path)
        for c in emulator.platform.state.calls.calls
        if c.method in CHANGING
    ]


def test_first_deploy_creates_everything_and_second_changes_nothing(
    app: Flask, runner: FlaskCliRunner, emulator: Any
) -> None:
    result = deploy(runner)
    assert result.exit_code == 0, result.output

    rows = records(app)
    assert sorted(rows) == ["guest", "member-a", "member-b", "support"]
    assert {row.status for row in rows.values()} == {"live"}
    store = emulator.platform.state.rich_menus
    assert set(store.menus) == {row.rich_menu_id for row in rows.values()}
    assert set(store.images) == set(store.menus)
    assert store.aliases == {name: row.rich_menu_id for name, row in rows.items()}
    assert store.default_id == rows["guest"].rich_menu_id
    uploads = emulator.platform.state.calls.find("/data/v2/bot/richmenu/*/content")
    assert len(uploads) == 4 and all(c.status == 200 for c in uploads)
    guest = store.menus[rows["guest"].rich_menu_id]
    online = guest["areas"][3]["action"]["uri"]
    assert online == "https://shop.example.com"
    assert "label" not in guest["areas"][0]  # drawing hints stay at home

    emulator.platform.state.calls.clear()
    again = deploy(runner)
    assert again.exit_code == 0, again.output
    assert "nothing to change" in again.output
    assert changing_calls(emulator) == []
    assert records(app)["guest"].rich_menu_id == rows["guest"].rich_menu_id


def test_dry_run_prints_the_plan_and_changes_nothing(
    app: Flask, runner: FlaskCliRunner, emulator: Any
) -> None:
    result = deploy(runner, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would create guest (alias guest)" in result.output
    assert changing_calls(emulator) == []
    assert records(app) == {}


def test_definition_errors_stop_before_any_call(
    runner: FlaskCliRunner, emulator: Any, menus_dir: Path
) -> None:
    def break_it(document: dict[str, Any]) -> None:
        document["richMenu"]["areas"][1]["bounds"]["x"] = 2400

    edit(menus_dir, "guest", break_it)
    result = deploy(runner, "--dir", str(menus_dir))
    assert result.exit_code == 1
    assert f"{menus_dir}/guest.json: richMenu.areas[1].bounds" in result.output
    assert "outside" in result.output
    assert emulator.platform.state.calls.calls == []


def test_upper_case_alias_is_refused_before_line_sees_it(
    runner: FlaskCliRunner, emulator: Any, menus_dir: Path
) -> None:
    edit(menus_dir, "support", lambda d: d.update(alias="Support"))
    result = deploy(runner, "--dir", str(menus_dir))
    assert result.exit_code == 1
    assert f"{menus_dir}/support.json: alias" in result.output
    assert emulator.platform.state.calls.calls == []


def test_changed_definition_replaces_menu_moves_users_and_deletes_old(
    app: Flask, runner: FlaskCliRunner, emulator: Any, menus_dir: Path
) -> None:
    assert deploy(runner, "--dir", str(menus_dir)).exit_code == 0
    before = records(app)
    member_user = emulator.platform.add_user(display_name="会員").user_id
    with app.app_context():
        from bot.richmenu.service import apply_menu

        user = LineUser(line_user_id=member_user)
        db.session.add(user)
        db.session.flush()
        apply_menu(user, "member-a")
        db.session.commit()
    store = emulator.platform.state.rich_menus
    assert store.user_links[member_user] == before["member-a"].rich_menu_id

    edit(menus_dir, "member-a", lambda d: d["richMenu"].update(chatBarText="会員"))
    emulator.platform.state.calls.clear()
    result = deploy(runner, "--dir", str(menus_dir))
    assert result.exit_code == 0, result.output

    after = records(app)
    new_id, old_id = after["member-a"].rich_menu_id, before["member-a"].rich_menu_id
    assert new_id != old_id
    assert old_id not in store.menus
    assert store.menus[new_id]["chatBarText"] == "会員"
    assert store.aliases["member-a"] == new_id
    assert store.user_links[member_user] == new_id
    for name in ("guest", "member-b", "support"):
        assert after[name].rich_menu_id == before[name].rich_menu_id
    created = [c for c in changing_calls(emulator) if c[1] == "/v2/bot/richmenu"]
    assert created == [("POST", "/v2/bot/richmenu")]
    with app.app_context():
        recorded = db.session.scalar(sa.select(RichMenuUserLink.rich_menu_id))
    assert recorded == new_id


def test_menu_without_definition_is_deleted_with_its_alias(
    app: Flask, runner: FlaskCliRunner, emulator: Any, menus_dir: Path
) -> None:
    assert deploy(runner, "--dir", str(menus_dir)).exit_code == 0
    support_id = records(app)["support"].rich_menu_id
    (menus_dir / "support.json").unlink()

    result = deploy(runner, "--dir", str(menus_dir))
    assert result.exit_code == 0, result.output
    store = emulator.platform.state.rich_menus
    assert support_id not in store.menus
    assert "support" not in store.aliases
    assert "support" not in records(app)
    assert len(store.menus) == 3


def test_deploy_interrupted_at_the_image_is_finished_by_the_next_run(
    app: Flask, runner: FlaskCliRunner, emulator: Any
) -> None:
    emulator.platform.state.faults.add(_fault("/data/v2/bot/richmenu/*", 500))
    failed = deploy(runner)
    assert failed.exit_code == 1
    assert [row.status for row in records(app).values()] == ["creating"]

    result = deploy(runner)
    assert result.exit_code == 0, result.output
    rows = records(app)
    store = emulator.platform.state.rich_menus
    assert {row.status for row in rows.values()} == {"live"}
    assert set(store.menus) == {row.rich_menu_id for row in rows.values()}
    assert set(store.images) == set(store.menus)


def test_deploy_repairs_an_alias_and_default_removed_on_line(
    app: Flask, runner: FlaskCliRunner, emulator: Any
) -> None:
    assert deploy(runner).exit_code == 0
    rows = records(app)
    store = emulator.platform.state.rich_menus
    with emulator.platform.lock:
        del store.aliases["member-b"]
        store.default_id = None
    emulator.platform.state.calls.clear()

    result = deploy(runner)
    assert result.exit_code == 0, result.output
    assert store.aliases["member-b"] == rows["member-b"].rich_menu_id
    assert store.default_id == rows["guest"].rich_menu_id
    assert sorted(changing_calls(emulator)) == [
        ("POST", "/v2/bot/richmenu/alias"),
        ("POST", f"/v2/bot/user/all/richmenu/{rows['guest'].rich_menu_id}"),
    ]


def test_shipped_definitions_are_what_deploy_reads_by_default() -> None:
    from bot.richmenu.cli import DEFAULT_DIR

    assert DEFAULT_DIR == SHIPPED_MENUS
    names = sorted(p.stem for p in SHIPPED_MENUS.glob("*.json"))
    assert names == ["guest", "member-a", "member-b", "support"]
    assert json.loads((SHIPPED_MENUS / "guest.json").read_text())["default"] is True


def _fault(path: str, status: int) -> Any:
    from line_emulator.traffic import Fault

    return Fault(path=path, status=status, remaining=1, method="POST")


def test_a_first_deploy_without_a_default_menu_warns_of_nothing(
    runner: FlaskCliRunner, emulator: Any, caplog: Any
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.line.client"):
        result = deploy(runner)

    assert result.exit_code == 0, result.output
    default_lookups = [
        r
        for r in caplog.records
        if getattr(r, "operation", "") == "get_default_rich_menu_id"
    ]
    # LINE answers 404 while the channel has no default menu: not a warning.
    assert [(r.levelname, r.status) for r in default_lookups] == [("INFO", 404)]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize(
    "settings_overrides",
    [{"LINE_CHANNEL_ACCESS_TOKEN": "a-token-this-channel-never-issued"}],
    ids=["wrong-token"],
)
def test_deploy_with_a_wrong_token_says_what_to_check(runner: FlaskCliRunner) -> None:
    # It printed LINE's 401 as a Python traceback.
    result = runner.invoke(args=["richmenu", "deploy"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "LINE answered 401" in result.output
    assert "(check LINE_CHANNEL_ACCESS_TOKEN)" in result.output
