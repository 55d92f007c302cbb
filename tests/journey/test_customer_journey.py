"""A new customer, from add-friend to linked member, in the LINE chat simulator.

The whole product runs as in the demo: the bot over HTTP, the real worker, the
LINE emulator with its simulator page, rich menus deployed and the FAQ loaded.
Headless Chromium plays the customer's phone; screenshots of each step are saved
under test-artifacts/journey/.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "journey"
LOGIN_CHANNEL = "1660000000"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Give the bot a LIFF app and LINE Login channel, as a real deployment has."""
    return {"LIFF_ID": "1660000000-card", "LINE_LOGIN_CHANNEL_ID": LOGIN_CHANNEL}


@pytest.fixture
def product(app: Flask, bot_url: str, emulator: Any, worker: Callable[[], None]) -> Any:
    """Deploy menus and FAQ, point links at the served bot, open the simulator."""
    app.config["SETTINGS"] = dataclasses.replace(
        app.config["SETTINGS"], BOT_BASE_URL=bot_url
    )
    emulator.platform.configure(
        liff_url=f"{bot_url}/liff/card", simulator_bot_name="OMOストア"
    )
    runner = app.test_cli_runner()
    for command in (["richmenu", "deploy"], ["faq", "load", "faq/faq.yaml"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    expect.set_options(timeout=15_000)
    yield emulator
    expect.set_options(timeout=5_000)


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def faq_answer(entry_id: str) -> str:
    entries = yaml.safe_load((ROOT / "faq" / "faq.yaml").read_text(encoding="utf-8"))
    return next(e["answer"] for e in entries["faqs"] if e["id"] == entry_id)


def tap_menu(page: Any, label: str) -> None:
    page.get_by_test_id("richmenu-area").and_(page.get_by_label(label)).click()


def test_new_friend_becomes_a_member_and_uses_card_and_faq(
    page: Any, product: Any
) -> None:
    user_id = product.platform.add_user(display_name="山本 葵", is_friend=False).user_id
    page.goto(f"{product.base_url}/simulator?user={user_id}")

    # Add friend: welcome message and the guest rich menu.
    page.get_by_test_id("control-follow").click()
    expect(page.get_by_test_id("message").last).to_contain_text(
        "山本 葵さん、友だち追加ありがとうございます"
    )
    menu = page.get_by_test_id("richmenu")
    expect(menu).to_have_attribute("data-name", "guest")
    expect(page.get_by_test_id("richmenu-image")).to_be_visible()
    shot(page, "1-welcome-guest-menu")

    # Tap 会員登録・連携 and follow the bot's button to the link page.
    tap_menu(page, "会員登録・連携")
    page.get_by_test_id("template-action").filter(
        has_text="会員登録・連携へ進む"
    ).click()
    frame = page.frame_locator("[data-testid=webview-frame]")
    frame.get_by_role("link", name="新規登録").click()
    frame.locator("input[name=name]").fill("山本 葵")
    frame.locator("input[name=email]").fill("aoi@example.com")
    frame.locator("input[name=password]").fill("correct horse battery")
    shot(page, "2-register")
    frame.get_by_role("button", name="登録してLINEと連携").click()
    # LINE asks; once linked it closes the in-app browser by itself.
    expect(frame.locator("h1")).to_have_text("アカウントを連携しますか？")
    shot(page, "2b-line-confirm")
    frame.get_by_role("button", name="連携する").click()
    expect(page.get_by_test_id("webview")).to_be_hidden()

    # Linked: welcome as a member and the member rich menu.
    expect(page.get_by_test_id("talk")).to_contain_text("連携が完了しました！")
    expect(menu).to_have_attribute("data-name", "member-a")
    shot(page, "3-member-menu")

    # Every tile answers: ポイント・履歴 shows the balance, クーポン the coupons.
    tap_menu(page, "ポイント・履歴")
    points = page.get_by_test_id("message").last
    expect(points).to_contain_text("0 pt")
    expect(points).to_contain_text("まだ履歴はありません")
    expect(points.get_by_test_id("flex-button")).to_have_text("会員証を開く")
    shot(page, "3a-points")
    tap_menu(page, "クーポン")
    expect(page.get_by_test_id("message").last).to_contain_text("クーポン")
    expect(page.get_by_test_id("talk")).not_to_contain_text("ご利用いただけません")

    # Tap 会員証: the LIFF card opens with the member's barcode.
    tap_menu(page, "会員証")
    card = page.frame_locator("[data-testid=webview-frame]")
    expect(card.locator("#member-name")).to_contain_text("山本 葵")
    expect(card.locator("#barcode svg")).to_be_visible()
    expect(card.locator("#qr svg")).to_be_visible()
    expect(card.locator("#qr-countdown")).to_contain_text("秒")
    shot(page, "4-member-card")
    page.get_by_test_id("webview-close").click()

    # Ask a FAQ question: the answer is the entry's text, exactly.
    page.get_by_test_id("keyboard-button").click()
    page.get_by_test_id("chat-input").fill("送料っていくらかかりますか")
    page.get_by_test_id("send-button").click()
    answer = page.get_by_test_id("message").last.get_by_test_id("message-text")
    expect(answer).to_have_text(faq_answer("shipping-fee"))
    shot(page, "5-faq-answer")
