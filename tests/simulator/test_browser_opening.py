"""Opening the simulator with no user named shows the newest friend's chat."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.simulator.conftest import SimulatorSetup

pytestmark = pytest.mark.browser


def test_the_friend_the_demo_made_is_selected(page: Any, sim: SimulatorSetup) -> None:
    taro = sim.platform.add_user(display_name="デモ 太郎").user_id
    sim.bot.push(taro, [{"type": "text", "text": "ようこそ"}])

    page.goto(sim.url())

    expect(page).to_have_url(re.compile(rf"\?user={taro}$"))
    expect(page.get_by_test_id("control-user-select")).to_have_value(taro)
    expect(page.get_by_test_id("message").last).to_contain_text("ようこそ")
