"""The browser harness itself: Chromium renders a page the bot serves."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_chromium_renders_health_page(page: Any, bot_url: str) -> None:
    page.goto(f"{bot_url}/healthz")
    assert '"database":"ok"' in page.content().replace(" ", "")
