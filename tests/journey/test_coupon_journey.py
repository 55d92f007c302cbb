"""A member uses a coupon: クーポン tile, coupon page, /staff scan, used.

The product runs as in the demo (bot over HTTP, real worker, LINE emulator with
its simulator). One Chromium page is the customer's phone, another the register.
Screenshots go to docs/images/ with DOCS_SCREENSHOTS=1 (tests.helpers.docs_image).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import expect

from bot.coupons.models import PersonalCoupon
from bot.extensions import db
from bot.richmenu.service import apply_menu
from bot.users.models import LineUser
from tests.browser.test_staff_page import sign_in
from tests.coupons.factories import give, user_pk
from tests.helpers import docs_image
from tests.journey.test_customer_journey import LOGIN_CHANNEL, tap_menu
from tests.pos.factories import make_member, make_store

pytestmark = pytest.mark.browser


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """A LIFF app, LINE Login, and short-lived codes so the page refreshes soon."""
    return {
        "LIFF_ID": "1660000000-card",
        "LINE_LOGIN_CHANNEL_ID": LOGIN_CHANNEL,
        "CARD_CODE_TTL_SECONDS": 10,
    }


@pytest.fixture
def product(app: Flask, bot_url: str, emulator: Any, worker: Callable[[], None]) -> Any:
    """Deploy menus, load coupons, point links at the served bot."""
    app.config["SETTINGS"] = dataclasses.replace(
        app.config["SETTINGS"], BOT_BASE_URL=bot_url
    )
    emulator.platform.configure(
        liff_url=f"{bot_url}/liff/card", simulator_bot_name="OMOストア"
    )
    runner = app.test_cli_runner()
    for command in (["richmenu", "deploy"], ["coupons", "load"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    expect.set_options(timeout=15_000)
    yield emulator
    expect.set_options(timeout=5_000)


def shot(page: Any, name: str) -> None:
    page.screenshot(path=docs_image(f"coupons-{name}.png"))


def test_member_uses_a_coupon_at_the_register(
    page: Any, browser: Any, app: Flask, bot_url: str, product: Any
) -> None:
    key = make_store(app)
    user_id = product.platform.add_user(display_name="山本 葵").user_id
    make_member(app, name="山本 葵", line_user_id=user_id)
    pk = user_pk(app, user_id)
    code = give(app, pk, "thanks-next")
    with app.app_context():
        apply_menu(db.session.get(LineUser, pk))

    # The customer taps クーポン: a carousel with the coupon, and opens it.
    page.goto(f"{product.base_url}/simulator?user={user_id}")
    expect(page.get_by_test_id("richmenu")).to_have_attribute("data-name", "member-a")
    tap_menu(page, "クーポン")
    bubble = page.get_by_test_id("flex-bubble").filter(has_text="次回お買い物500円引き")
    expect(bubble).to_contain_text("500円引き")
    shot(page, "1-tile-carousel")
    bubble.get_by_test_id("flex-button").click()
    phone = page.frame_locator("[data-testid=webview-frame]")
    expect(phone.locator("#coupon-title")).to_have_text("次回お買い物500円引き")
    expect(phone.locator("#coupon-state")).to_have_text("利用できます")
    expect(phone.locator("#coupon-qr svg")).to_be_visible()
    expect(phone.locator("#coupon-barcode svg")).to_be_visible()
    expect(phone.locator("#coupon-code")).to_have_text(code)
    scan_code = phone.locator("#coupon-scan-code").inner_text()
    assert len(scan_code) == 18
    shot(page, "2-coupon-page")

    # The clerk scans the coupon's code on /staff and applies it to a sale.
    register = browser.new_context(viewport={"width": 800, "height": 900}).new_page()
    sign_in(register, bot_url, key)
    register.keyboard.type(scan_code)
    register.keyboard.press("Enter")
    expect(register.locator("#summary-name")).to_have_text("山本 葵")
    choice = register.locator(f"#coupon-options input[value='{code}']")
    expect(choice).to_be_checked()
    register.fill("#receipt-no", "R-7001")
    register.fill("#amount", "5000")
    shot(register, "3-staff-scan")
    register.click("#purchase-form button[type=submit]")
    expect(register.locator("#purchase-result")).to_contain_text(
        "クーポン割引 500 円・獲得 45 pt"
    )
    shot(register, "4-staff-applied")
    register.context.close()

    # The coupon page shows it used once its code refreshes; the card the points.
    expect(phone.locator("#coupon-state")).to_have_text("使用済み", timeout=30_000)
    expect(phone.locator("#register-codes")).to_be_hidden()
    shot(page, "5-coupon-used")
    page.get_by_test_id("webview-close").click()
    tap_menu(page, "会員証")
    card = page.frame_locator("[data-testid=webview-frame]")
    expect(card.locator("#points")).to_have_text("45")
    shot(page, "6-card-points")
    with app.app_context():
        coupon = db.session.scalar(sa.select(PersonalCoupon))
        assert (coupon.status, coupon.used_reference) == ("used", "pos:S001:R-7001")
