"""Fixtures: an emulator serving the simulator, wired to a tiny fake bot."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from line_emulator.server import EmulatorServer
from tests.simulator.fake_bot import FakeBot

ACCESS_TOKEN = "simulator-test-token"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "simulator"
PLACES = [
    {"name": "渋谷店", "lat": 35.6595, "lng": 139.7005, "address": "東京都渋谷区"},
    {"name": "梅田店", "lat": 34.7025, "lng": 135.4959},
]
BEACONS = [{"hwid": "0123456789", "label": "渋谷店 入口"}]


# Generous, for a machine busy with other test runs; a pass is still immediate.
EXPECT_TIMEOUT_MS = 15_000
PLAYWRIGHT_DEFAULT_MS = 5_000


@pytest.fixture(autouse=True)
def _patient_expect() -> Iterator[None]:
    """Let expect() wait longer in these tests only."""
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    yield
    expect.set_options(timeout=PLAYWRIGHT_DEFAULT_MS)


@dataclass
class SimulatorSetup:
    """The running emulator, its simulator URL and the fake bot behind it."""

    emulator: EmulatorServer
    bot: FakeBot

    @property
    def platform(self) -> Any:
        """Return the emulator's in-memory LINE channel."""
        return self.emulator.platform

    def url(self, user_id: str | None = None) -> str:
        """Return the simulator page, for one user when given."""
        page = f"{self.emulator.base_url}/simulator"
        return f"{page}?user={user_id}" if user_id else page

    def new_user(self, name: str = "テスト 花子") -> str:
        """Create a LINE user who has not added the bot yet; return the id."""
        return self.platform.add_user(display_name=name, is_friend=False).user_id


@pytest.fixture
def sim() -> Iterator[SimulatorSetup]:
    """Run an emulator (with simulator settings) and the fake bot it calls."""
    bot = FakeBot(ACCESS_TOKEN)
    with EmulatorServer(
        access_token=ACCESS_TOKEN,
        simulator_places=PLACES,
        simulator_beacons=BEACONS,
        simulator_bot_name="サンプル商店",
    ) as emulator:
        bot.start(emulator.base_url)
        emulator.platform.configure(
            webhook_url=f"{bot.url}/callback", liff_url=f"{bot.url}/liff/card"
        )
        yield SimulatorSetup(emulator, bot)
        bot.stop()


def save_screenshot(page: Any, name: str) -> Path:
    """Save the phone (or, with a wide window, the page) under test-artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if page.viewport_size["width"] < 760:
        page.get_by_test_id("phone").screenshot(path=str(path))
    else:
        page.screenshot(path=str(path))
    return path
