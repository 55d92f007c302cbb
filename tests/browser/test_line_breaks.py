"""Japanese headings and buttons break between words, not inside them."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.helpers import word_lines

pytestmark = pytest.mark.browser


def test_operator_sign_in_heading_keeps_its_words_whole(
    page: Page, bot_url: str
) -> None:
    page.goto(f"{bot_url}/operator/")

    heading = page.locator("h1")
    assert heading.inner_text() == "オペレーター サインイン"
    assert word_lines(heading, "オペレーター") == 1
    assert word_lines(heading, "サインイン") == 1


def test_the_console_heading_on_a_narrow_phone(page: Any, bot_url: str) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{bot_url}/operator/")

    assert word_lines(page.locator("h1"), "サインイン") == 1
