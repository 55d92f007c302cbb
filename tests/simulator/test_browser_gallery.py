"""Every message type the bot can send shows up in the talk view."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.simulator.conftest import SimulatorSetup, save_screenshot
from tests.simulator.test_browser import befriend, last_message

pytestmark = pytest.mark.browser


def test_stickers_images_locations_and_templates_render(
    page: Any, sim: SimulatorSetup
) -> None:
    user_id = befriend(page, sim)
    photo = sim.bot.image_url("e76f51")
    column = {
        "thumbnailImageUrl": sim.bot.image_url("264653"),
        "title": "春の新作",
        "text": "3,980円",
        "actions": [{"type": "postback", "label": "詳しく", "data": "item=1"}],
    }
    sim.bot.push(
        user_id,
        [
            {"type": "sticker", "packageId": "446", "stickerId": "1988"},
            {"type": "image", "originalContentUrl": photo, "previewImageUrl": photo},
            {
                "type": "location",
                "title": "渋谷店",
                "address": "東京都渋谷区",
                "latitude": 35.6595,
                "longitude": 139.7005,
            },
            {
                "type": "template",
                "altText": "確認",
                "template": {
                    "type": "confirm",
                    "text": "予約しますか？",
                    "actions": [
                        {"type": "message", "label": "はい", "text": "はい"},
                        {"type": "message", "label": "いいえ", "text": "いいえ"},
                    ],
                },
            },
            {
                "type": "template",
                "altText": "新作",
                "template": {"type": "carousel", "columns": [column, column]},
            },
        ],
    )

    expect(page.get_by_test_id("message-sticker")).to_contain_text("446/1988")
    image = page.get_by_test_id("message-image")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") == 400
    expect(page.get_by_test_id("message-location")).to_contain_text("東京都渋谷区")
    carousel = page.get_by_test_id("template-carousel")
    expect(carousel.get_by_test_id("template-card")).to_have_count(2)
    save_screenshot(page, "gallery")
    page.get_by_test_id("message-sticker").scroll_into_view_if_needed()
    save_screenshot(page, "gallery-sticker")
    page.get_by_test_id("template-action").filter(has_text="はい").click()
    expect(last_message(page)).to_contain_text("「はい」ですね")
    carousel.get_by_test_id("template-action").first.click()
    expect(last_message(page)).to_contain_text("受け付けました: item=1")


def test_a_user_message_sent_as_image_shows_in_the_chat(
    page: Any, sim: SimulatorSetup
) -> None:
    befriend(page, sim)

    page.get_by_test_id("quick-reply").filter(has_text="位置情報").click()
    page.get_by_test_id("picker-place").select_option(label="梅田店")
    page.get_by_test_id("picker-ok").click()

    expect(last_message(page)).to_contain_text("位置情報: 梅田店")
    message = sim.bot.received("message")[-1]["message"]
    assert (message["latitude"], message["longitude"]) == (34.7025, 135.4959)
