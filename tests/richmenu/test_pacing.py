"""Rich menu creation and deletion stay within LINE's hourly limit."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.richmenu.test_deploy import deploy, records


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # LINE allows 100 an hour; three make the four shipped menus go past it.
    return {"RICHMENU_CREATE_DELETE_PER_HOUR": 3}


def test_deploy_past_the_hourly_limit_stops_and_says_when_to_resume(
    app: Flask, runner: FlaskCliRunner, emulator: Any
) -> None:
    result = deploy(runner)
    assert result.exit_code != 0
    assert "LINE allows 3 rich menu creations" in result.output
    assert "run deploy again in 60 minute(s)" in result.output
    creates = emulator.platform.state.calls.find("/v2/bot/richmenu")
    assert [c.status for c in creates if c.method == "POST"] == [200, 200, 200]
    # What was made is recorded, so the next run goes on from there.
    assert len(records(app)) == 3


def test_another_process_counts_against_the_same_hour(
    app: Flask, runner: FlaskCliRunner, emulator: Any
) -> None:
    from bot.line.rate_limits import rate_limit

    with app.app_context():
        # Another process (a second deploy, or a worker) made three already.
        assert rate_limit("richmenu-create").try_take(3) == 0
    result = deploy(runner)
    assert result.exit_code != 0 and "run deploy again" in result.output
    creates = emulator.platform.state.calls.find("/v2/bot/richmenu")
    assert [c for c in creates if c.method == "POST"] == []
