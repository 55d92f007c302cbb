"""The /staff register page: sign-in, keyboard-wedge scan, camera scan, a sale."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from bot.cards.service import issue_card_code
from bot.extensions import db
from bot.models_base import utcnow
from bot.purchases.models import Purchase
from tests.pos.factories import make_member, make_store

pytestmark = pytest.mark.browser

# A camera and a BarcodeDetector that "see" one code, for browsers in tests.
FAKE_CAMERA = """
window.__seenCode = "%s";
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ["qr_code", "code_128", "ean_13"]; }
  constructor(options) { window.__detectorFormats = options.formats; }
  async detect() { return [{ rawValue: window.__seenCode }]; }
};
navigator.mediaDevices.getUserMedia = async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  canvas.getContext("2d").fillRect(0, 0, 64, 64);
  return canvas.captureStream(5);
};
"""


def sign_in(page: Any, bot_url: str, key: str) -> None:
    page.goto(f"{bot_url}/staff")
    page.fill("#store-key", key)
    page.click("#signin-form button")
    page.wait_for_selector("#register:not([hidden])")


def test_scan_with_a_wedge_scanner_then_record_a_sale(
    page: Any, app: Flask, bot_url: str
) -> None:
    key = make_store(app)
    member = make_member(app, points=1500)
    sign_in(page, bot_url, key)
    assert page.locator("#store-name").inner_text() == "渋谷店（S001）"
    assert page.locator("#camera-button").is_hidden()  # no BarcodeDetector here
    # A keyboard-wedge scanner types the digits into the focused field, then Enter.
    page.keyboard.type(member["member_no"])
    page.keyboard.press("Enter")
    page.wait_for_selector("#member-summary:not([hidden])")
    assert page.locator("#summary-name").inner_text() == "山田 花子"
    assert page.locator("#summary-points").inner_text() == "1,500"
    page.fill("#receipt-no", "R-2001")
    page.fill("#amount", "3300")
    page.fill("#points-used", "300")
    page.click("#purchase-form button")
    page.wait_for_function("document.querySelector('#purchase-result').textContent")
    result = page.locator("#purchase-result").inner_text()
    # Every figure with thousands separators, as in the summary above it.
    assert result == "記録しました。獲得 30 pt・利用 300 pt・残高 1,230 pt"
    assert page.locator("#summary-points").inner_text() == "1,230"
    with app.app_context():
        purchase = db.session.scalar(sa.select(Purchase))
        assert purchase is not None
        assert (purchase.origin, purchase.reference, purchase.amount) == (
            "S001",
            "R-2001",
            3300,
        )


def test_too_many_points_and_a_used_code_are_shown_to_staff(
    page: Any, app: Flask, bot_url: str
) -> None:
    key = make_store(app)
    member = make_member(app, points=10)
    with app.app_context():
        code = issue_card_code(member["id"], utcnow(), 60).code
        db.session.commit()
    sign_in(page, bot_url, key)
    page.fill("#scan-input", code)
    page.press("#scan-input", "Enter")
    page.wait_for_selector("#member-summary:not([hidden])")
    page.fill("#receipt-no", "R-1")
    page.fill("#amount", "1000")
    page.fill("#points-used", "11")
    page.click("#purchase-form button")
    page.wait_for_selector("#purchase-result.error")
    assert (
        "ポイントが足りません（利用可能 10 pt）"
        in page.locator("#purchase-result").inner_text()
    )
    page.fill("#scan-input", code)
    page.press("#scan-input", "Enter")
    page.wait_for_function("document.querySelector('#scan-error').textContent")
    assert "使用済み" in page.locator("#scan-error").inner_text()


def test_wrong_key_cannot_sign_in(page: Any, app: Flask, bot_url: str) -> None:
    make_store(app)
    page.goto(f"{bot_url}/staff")
    page.fill("#store-key", "pos_wrong")
    page.click("#signin-form button")
    page.wait_for_function("document.querySelector('#signin-error').textContent")
    assert "APIキー" in page.locator("#signin-error").inner_text()
    assert page.locator("#register").is_hidden()


def test_camera_scanning_where_the_browser_offers_barcode_detection(
    page: Any, app: Flask, bot_url: str
) -> None:
    key = make_store(app)
    member = make_member(app, name="佐藤 一郎", points=70)
    page.add_init_script(FAKE_CAMERA % member["member_no"])
    sign_in(page, bot_url, key)
    page.click("#camera-button")
    page.wait_for_selector("#member-summary:not([hidden])")
    assert page.locator("#summary-name").inner_text() == "佐藤 一郎"
    assert page.evaluate("window.__detectorFormats") == [
        "qr_code",
        "code_128",
        "ean_13",
    ]
    assert page.locator("#camera").is_hidden()  # the camera is closed after a read


def test_refund_from_the_staff_page(page: Any, app: Flask, bot_url: str) -> None:
    key = make_store(app)
    member = make_member(app)
    sign_in(page, bot_url, key)
    page.fill("#scan-input", member["member_no"])
    page.press("#scan-input", "Enter")
    page.fill("#receipt-no", "R-9")
    page.fill("#amount", "10000")
    page.click("#purchase-form button")
    page.wait_for_function("document.querySelector('#purchase-result').textContent")
    page.fill("#refund-receipt-no", "R-9")
    page.click("#refund-form button")
    page.wait_for_function("document.querySelector('#refund-result').textContent")
    assert "差し引いたポイント 100 pt" in page.locator("#refund-result").inner_text()
