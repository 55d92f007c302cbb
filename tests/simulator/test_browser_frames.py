"""The simulator's frame (LIFF, account link), Flex messages and several users."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.simulator.conftest import SimulatorSetup, save_screenshot
from tests.simulator.test_browser import befriend

pytestmark = pytest.mark.browser


def data_url(colour: str) -> str:
    """Return a small PNG as a data: URL, so no network is needed."""
    buffer = io.BytesIO()
    Image.new("RGB", (400, 260), colour).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def coupon_bubble(title: str, colour: str) -> dict[str, Any]:
    """Return a Flex bubble with hero, body and a postback button."""
    return {
        "type": "bubble",
        "hero": {
            "type": "image",
            "url": data_url(colour),
            "size": "full",
            "aspectRatio": "20:13",
            "aspectMode": "cover",
        },
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                {"type": "text", "text": title, "weight": "bold", "size": "xl"},
                {
                    "type": "box",
                    "layout": "baseline",
                    "contents": [
                        {
                            "type": "text",
                            "text": "有効期限",
                            "color": "#aaaaaa",
                            "size": "sm",
                            "flex": 2,
                        },
                        {
                            "type": "text",
                            "text": "6月30日まで",
                            "size": "sm",
                            "flex": 5,
                        },
                    ],
                },
                {"type": "separator", "margin": "md"},
                {
                    "type": "text",
                    "text": "レジでこの画面をお見せください。",
                    "wrap": True,
                    "size": "sm",
                    "margin": "md",
                },
            ],
        },
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {
                    "type": "button",
                    "style": "primary",
                    "action": {
                        "type": "postback",
                        "label": "使う",
                        "data": f"coupon={title}",
                        "displayText": f"{title}を使う",
                    },
                }
            ],
        },
    }


def test_flex_carousel_renders_and_its_button_sends_a_postback(
    page: Any, sim: SimulatorSetup
) -> None:
    user_id = befriend(page, sim)
    flex = {
        "type": "flex",
        "altText": "クーポン",
        "contents": {
            "type": "carousel",
            "contents": [
                coupon_bubble("10%オフ", "#f4a261"),
                coupon_bubble("送料無料", "#2a9d8f"),
            ],
        },
    }

    sim.bot.push(user_id, [flex])

    bubbles = page.get_by_test_id("flex-bubble")
    expect(bubbles).to_have_count(2)
    expect(bubbles.nth(0)).to_contain_text("10%オフ")
    expect(bubbles.nth(0)).to_contain_text("6月30日まで")
    save_screenshot(page, "flex-carousel")
    bubbles.nth(0).get_by_test_id("flex-button").click()
    expect(page.get_by_test_id("message-text").nth(-2)).to_have_text("10%オフを使う")
    expect(page.get_by_test_id("message-text").last).to_have_text(
        "受け付けました: coupon=10%オフ"
    )
    assert sim.bot.received("postback")[-1]["postback"] == {"data": "coupon=10%オフ"}


def test_liff_uri_opens_the_bots_liff_page_as_the_simulated_user(
    page: Any, sim: SimulatorSetup
) -> None:
    user_id = befriend(page, sim)
    page.get_by_test_id("richmenu-area").nth(2).click()
    expect(page.get_by_test_id("richmenu")).to_have_attribute("data-name", "tab-b")

    page.get_by_label("会員証").click()

    expect(page.get_by_test_id("webview")).to_be_visible()
    shown = page.frame_locator("[data-testid=webview-frame]").locator("#user")
    expect(shown).to_have_text(f"/liff/card/card?from=menu&simUser={user_id}")
    save_screenshot(page, "liff-frame")
    page.get_by_test_id("webview-close").click()
    expect(page.get_by_test_id("webview")).to_be_hidden()


def test_account_link_asks_then_completes_and_closes_the_frame(
    page: Any, sim: SimulatorSetup
) -> None:
    user_id = befriend(page, sim)

    page.get_by_test_id("template-action").filter(has_text="会員登録").click()
    page.get_by_test_id("template-action").filter(has_text="連携する").click()

    frame = page.frame_locator("[data-testid=webview-frame]")
    expect(frame.locator("h1")).to_have_text("アカウントを連携しますか？")
    webview = page.get_by_test_id("webview")
    expect(webview).to_have_attribute("data-location", "/dialog/bot/accountLink")
    expect(page.get_by_test_id("webview-title")).to_have_text(
        "アカウントを連携しますか？"
    )
    save_screenshot(page, "account-link-confirm")
    assert sim.bot.received("accountLink") == []
    frame.get_by_role("button", name="連携する").click()

    expect(webview).to_be_hidden()
    expect(page.get_by_test_id("message").last).to_contain_text("連携が完了しました")
    link = sim.bot.received("accountLink")[0]
    assert link["source"]["userId"] == user_id
    assert link["link"] == {"result": "ok", "nonce": "n0nce"}


def test_account_link_cancel_sends_failed_and_closes_the_frame(
    page: Any, sim: SimulatorSetup
) -> None:
    befriend(page, sim)

    page.get_by_test_id("template-action").filter(has_text="会員登録").click()
    page.get_by_test_id("template-action").filter(has_text="連携する").click()
    frame = page.frame_locator("[data-testid=webview-frame]")
    frame.get_by_role("button", name="キャンセル").click()

    expect(page.get_by_test_id("webview")).to_be_hidden()
    # The emulator sent the event before it answered the page that closed.
    assert [e["link"] for e in sim.bot.received("accountLink")] == [
        {"result": "failed", "nonce": "n0nce"}
    ]


def test_two_users_in_two_tabs_see_only_their_own_chat(
    page: Any, browser: Any, sim: SimulatorSetup
) -> None:
    first = befriend(page, sim, "一郎")
    other_context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        other = other_context.new_page()
        befriend(other, sim, "二郎")

        sim.bot.push(first, [{"type": "text", "text": "一郎さんへのお知らせ"}])

        expect(page.get_by_test_id("message").last).to_contain_text(
            "一郎さんへのお知らせ"
        )
        expect(other.get_by_test_id("message")).to_have_count(3)
        expect(other.get_by_test_id("talk")).not_to_contain_text("一郎さんへ")
        expect(other.get_by_test_id("control-friend-state")).to_contain_text("二郎")
    finally:
        other_context.close()


def test_a_new_user_is_created_from_the_page(page: Any, sim: SimulatorSetup) -> None:
    page.goto(sim.url())

    page.get_by_test_id("control-new-user-name").fill("新規 三郎")
    page.get_by_test_id("control-create-user").click()

    expect(page).to_have_url(re.compile(r"\?user=U[0-9a-f]{32}$"))
    expect(page.get_by_test_id("friend-banner-button")).to_have_text("友だち追加")
    expect(page.get_by_test_id("chat-input")).to_be_disabled()
    created = [u for u in sim.platform.users() if u.display_name == "新規 三郎"]
    assert len(created) == 1 and not created[0].is_friend
    page.get_by_test_id("friend-banner-button").click()
    expect(page.get_by_test_id("message")).to_have_count(3)
    assert sim.bot.received("follow")[0]["source"]["userId"] == created[0].user_id


def test_desktop_overview(browser: Any, sim: SimulatorSetup) -> None:
    context = browser.new_context(
        viewport={"width": 1100, "height": 860}, locale="ja-JP"
    )
    try:
        page = context.new_page()
        befriend(page, sim)
        page.get_by_test_id("quick-reply").filter(has_text="送料").click()
        expect(page.get_by_test_id("message")).to_have_count(5)
        page.evaluate("window.scrollTo(0, 0)")
        save_screenshot(page, "overview")
        box = page.get_by_test_id("phone").bounding_box()
        controls = page.get_by_test_id("controls").bounding_box()
        assert controls["x"] > box["x"] + box["width"]
    finally:
        context.close()
