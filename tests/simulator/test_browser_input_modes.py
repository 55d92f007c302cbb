"""What stays in view: the newest message above quick replies, the input mode."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.simulator.conftest import SimulatorSetup
from tests.simulator.test_browser import befriend, last_message

pytestmark = pytest.mark.browser

LONG_TEXT = "長いお知らせです。" * 30


def _talk_scrolled_to_end(page: Any) -> bool:
    return page.get_by_test_id("talk").evaluate(
        "talk => talk.scrollHeight - talk.scrollTop - talk.clientHeight < 2"
    )


def test_the_newest_message_stays_above_the_quick_replies(
    page: Any, sim: SimulatorSetup
) -> None:
    user_id = befriend(page, sim)
    # A typed message hides the welcome's quick replies; the answer has none.
    page.get_by_test_id("keyboard-button").click()
    page.get_by_test_id("chat-input").fill("お知らせは？")
    page.get_by_test_id("send-button").click()
    expect(last_message(page)).to_contain_text("ですね")
    expect(page.get_by_test_id("quick-replies")).to_be_hidden()
    quick_reply = {
        "items": [
            {
                "type": "action",
                "action": {"type": "message", "label": f"質問{n}", "text": "q"},
            }
            for n in range(3)
        ]
    }

    sim.bot.push(
        user_id,
        [
            {"type": "text", "text": LONG_TEXT},
            {"type": "text", "text": LONG_TEXT},
            {"type": "text", "text": "最後のお知らせ", "quickReply": quick_reply},
        ],
    )

    expect(last_message(page)).to_contain_text("最後のお知らせ")
    expect(page.get_by_test_id("quick-reply")).to_have_count(3)
    assert _talk_scrolled_to_end(page)
    newest = last_message(page).bounding_box()
    talk = page.get_by_test_id("talk").bounding_box()
    assert newest["y"] + newest["height"] <= talk["y"] + talk["height"] + 1


def test_a_menu_linked_later_keeps_the_keyboard_the_user_chose(
    page: Any, sim: SimulatorSetup
) -> None:
    user_id = befriend(page, sim)
    page.get_by_test_id("keyboard-button").click()
    page.get_by_test_id("chat-input").fill("スタッフと話したい")
    page.get_by_test_id("send-button").click()
    expect(last_message(page)).to_contain_text("ですね")

    # The bot hands the user to a person: another menu, and "type your message".
    sim.bot.call("POST", f"/v2/bot/user/{user_id}/richmenu/{sim.bot.menus['tab-b']}")
    sim.bot.push(user_id, [{"type": "text", "text": "このままメッセージでどうぞ"}])

    expect(last_message(page)).to_contain_text("このままメッセージでどうぞ")
    expect(page.get_by_test_id("richmenu")).to_have_attribute(
        "data-rich-menu-id", sim.bot.menus["tab-b"]
    )
    expect(page.get_by_test_id("chat-input")).to_be_visible()
    expect(page.get_by_test_id("richmenu")).to_be_hidden()
    page.get_by_test_id("menu-mode-button").click()
    expect(page.get_by_test_id("chat-bar")).to_have_text("タブB")


def test_a_user_who_never_chose_a_mode_sees_a_new_menu(
    page: Any, sim: SimulatorSetup
) -> None:
    user_id = befriend(page, sim)

    sim.bot.call("POST", f"/v2/bot/user/{user_id}/richmenu/{sim.bot.menus['tab-b']}")

    expect(page.get_by_test_id("chat-bar")).to_have_text("タブB")
    expect(page.get_by_test_id("richmenu")).to_be_visible()
    expect(page.get_by_test_id("input-bar")).to_be_hidden()
