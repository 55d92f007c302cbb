"""The simulator in headless Chromium, against an emulator and a fake bot."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.simulator.conftest import SimulatorSetup, save_screenshot

pytestmark = pytest.mark.browser


def user_texts(page: Any) -> Any:
    """Locate the text bubbles the user sent, oldest first."""
    return page.locator(
        "[data-testid=message][data-from=user] [data-testid=message-text]"
    )


def last_message(page: Any) -> Any:
    """Locate the newest message in the talk view."""
    return page.get_by_test_id("message").last


def befriend(page: Any, sim: SimulatorSetup, name: str = "テスト 花子") -> str:
    """Open the simulator as a new user and add the bot as a friend."""
    user_id = sim.new_user(name)
    page.goto(sim.url(user_id))
    expect(page.get_by_test_id("friend-banner")).to_be_visible()
    page.get_by_test_id("control-follow").click()
    expect(page.get_by_test_id("message")).to_have_count(3)
    return user_id


def test_follow_shows_the_welcome_messages_and_the_rich_menu(
    page: Any, sim: SimulatorSetup
) -> None:
    befriend(page, sim)

    messages = page.get_by_test_id("message")
    expect(messages.nth(0)).to_have_attribute("data-from", "bot")
    expect(messages.nth(0)).to_contain_text("友だち追加ありがとうございます！")
    expect(messages.nth(1).get_by_test_id("template-card")).to_contain_text(
        "ご用件をお選びください"
    )
    expect(messages.nth(1).get_by_test_id("template-action")).to_have_text(
        ["会員登録", "店舗を探す"]
    )
    expect(page.get_by_test_id("quick-reply")).to_have_text(["送料", "位置情報"])
    expect(page.get_by_test_id("talk-note")).to_have_text(["友だち追加しました"])
    expect(page.get_by_test_id("friend-banner")).to_be_hidden()
    image = page.get_by_test_id("richmenu-image")
    expect(image).to_be_visible()
    expect(page.get_by_test_id("chat-bar")).to_have_text("メニュー")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 2500
    assert sim.bot.received("follow")[0]["follow"] == {"isUnblocked": False}
    save_screenshot(page, "welcome")


def test_quick_reply_tap_sends_a_text_message_event(
    page: Any, sim: SimulatorSetup
) -> None:
    befriend(page, sim)

    page.get_by_test_id("quick-reply").filter(has_text="送料").click()

    expect(page.get_by_test_id("quick-replies")).to_be_hidden()
    expect(user_texts(page)).to_have_text(["送料はいくら？"])
    expect(page.get_by_test_id("message").last).to_contain_text(
        "「送料はいくら？」ですね"
    )
    assert sim.bot.received("message")[-1]["message"]["text"] == "送料はいくら？"


def test_rich_menu_area_tap_sends_the_postback_with_display_text(
    page: Any, sim: SimulatorSetup
) -> None:
    befriend(page, sim)

    page.get_by_label("こんにちは").click()

    expect(user_texts(page)).to_have_text(["こんにちは"])
    expect(last_message(page)).to_contain_text("受け付けました: action=hello")
    postback = sim.bot.received("postback")[-1]["postback"]
    assert postback == {"data": "action=hello"}
    save_screenshot(page, "richmenu-postback")


def test_richmenuswitch_changes_the_menu_and_sends_the_postback(
    page: Any, sim: SimulatorSetup
) -> None:
    befriend(page, sim)
    menu = page.get_by_test_id("richmenu")
    expect(menu).to_have_attribute("data-name", "tab-a")

    page.get_by_test_id("richmenu-area").nth(2).click()

    expect(menu).to_have_attribute("data-name", "tab-b")
    expect(page.get_by_test_id("chat-bar")).to_have_text("タブB")
    postback = sim.bot.received("postback")[-1]["postback"]
    assert postback == {
        "data": "tab=b",
        "params": {"newRichMenuAliasId": "tab-b", "status": "SUCCESS"},
    }


def test_datetimepicker_sends_the_picked_date(page: Any, sim: SimulatorSetup) -> None:
    befriend(page, sim)
    page.get_by_test_id("richmenu-area").nth(2).click()
    expect(page.get_by_test_id("richmenu")).to_have_attribute("data-name", "tab-b")

    page.get_by_label("来店予約").click()
    page.get_by_test_id("picker-input").fill("2025-06-15")
    save_screenshot(page, "datetimepicker")
    page.get_by_test_id("picker-ok").click()

    expect(page.get_by_test_id("picker")).to_be_hidden()
    expect(last_message(page)).to_contain_text(
        "受け付けました: action=reserve 2025-06-15"
    )
    postbacks = sim.bot.received("postback")
    assert postbacks[-1]["postback"] == {
        "data": "action=reserve",
        "params": {"date": "2025-06-15"},
    }


def test_a_push_appears_without_reloading(page: Any, sim: SimulatorSetup) -> None:
    user_id = befriend(page, sim)

    sim.bot.push(user_id, [{"type": "text", "text": "本日限定セールのお知らせ"}])

    expect(page.get_by_test_id("message").last).to_contain_text(
        "本日限定セールのお知らせ"
    )
    expect(page.get_by_test_id("message").last).to_have_attribute("data-via", "push")


def test_block_and_unblock_send_unfollow_and_follow(
    page: Any, sim: SimulatorSetup
) -> None:
    user_id = befriend(page, sim)

    page.get_by_test_id("control-block").click()
    expect(page.get_by_test_id("friend-banner")).to_contain_text("ブロック中")
    expect(page.get_by_test_id("control-unblock")).to_be_enabled()
    save_screenshot(page, "blocked")
    sim.bot.push(user_id, [{"type": "text", "text": "ブロック中のお知らせ"}])
    page.get_by_test_id("control-unblock").click()

    expect(page.get_by_test_id("talk-note")).to_have_text(
        ["友だち追加しました", "ブロックしました", "ブロックを解除しました"]
    )
    expect(page.get_by_test_id("message")).to_have_count(6)
    expect(page.get_by_test_id("talk")).not_to_contain_text("ブロック中のお知らせ")
    types = [event["type"] for event in sim.bot.events]
    assert types == ["follow", "unfollow", "follow"]
    assert sim.bot.events[-1]["follow"] == {"isUnblocked": True}


def test_location_from_the_places_list_is_sent(page: Any, sim: SimulatorSetup) -> None:
    befriend(page, sim)

    page.get_by_test_id("control-location-place").select_option(label="渋谷店")
    page.get_by_test_id("control-send-location").click()

    expect(page.get_by_test_id("message-location")).to_contain_text("渋谷店")
    expect(last_message(page)).to_contain_text("位置情報: 渋谷店")
    message = sim.bot.received("message")[-1]["message"]
    assert message["type"] == "location"
    assert (message["latitude"], message["longitude"]) == (35.6595, 139.7005)
    assert (message["title"], message["address"]) == ("渋谷店", "東京都渋谷区")


def test_beacon_enter_is_sent_for_the_chosen_hardware_id(
    page: Any, sim: SimulatorSetup
) -> None:
    befriend(page, sim)

    page.get_by_test_id("control-beacon-enter").click()

    expect(page.get_by_test_id("talk-note").last).to_contain_text("渋谷店 入口")
    expect(last_message(page)).to_contain_text("ビーコン enter 0123456789")
    assert sim.bot.received("beacon")[-1]["beacon"] == {
        "hwid": "0123456789",
        "type": "enter",
    }


def test_typed_text_is_sent_from_the_keyboard(page: Any, sim: SimulatorSetup) -> None:
    befriend(page, sim)

    page.get_by_test_id("keyboard-button").click()
    page.get_by_test_id("chat-input").fill("<b>営業時間</b>は？")
    page.get_by_test_id("send-button").click()

    expect(user_texts(page)).to_have_text(["<b>営業時間</b>は？"])
    expect(last_message(page)).to_contain_text("ですね")
    assert page.locator("[data-testid=talk] b").count() == 0
    assert sim.bot.received("message")[-1]["message"]["text"] == "<b>営業時間</b>は？"


def test_chat_bar_closes_and_opens_the_menu(page: Any, sim: SimulatorSetup) -> None:
    befriend(page, sim)
    menu = page.get_by_test_id("richmenu")

    page.get_by_test_id("chat-bar").click()
    expect(menu).to_be_hidden()
    page.get_by_test_id("chat-bar").click()
    expect(menu).to_be_visible()
    page.get_by_test_id("keyboard-button").click()
    expect(menu).to_be_hidden()
    expect(page.get_by_test_id("chat-input")).to_be_visible()
    page.get_by_test_id("menu-mode-button").click()
    expect(menu).to_be_visible()
