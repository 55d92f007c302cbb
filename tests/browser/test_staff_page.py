"""The /staff register page: sign-in, keyboard-wedge scan, camera scan, a sale."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from bot.cards.service import issue_card_code
from bot.coupons.models import PersonalCoupon
from bot.coupons.service import issue_scan_code
from bot.extensions import db
from bot.models_base import utcnow
from bot.purchases.models import Purchase
from tests.coupons.factories import give, load_shipped, user_pk
from tests.helpers import docs_image
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
    page.wait_for_selector("#purchase-result:not(:empty)")
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
    page.wait_for_selector("#scan-error:not(:empty)")
    assert "使用済み" in page.locator("#scan-error").inner_text()


def test_wrong_key_cannot_sign_in(page: Any, app: Flask, bot_url: str) -> None:
    make_store(app)
    page.goto(f"{bot_url}/staff")
    page.fill("#store-key", "pos_wrong")
    page.click("#signin-form button")
    page.wait_for_selector("#signin-error:not(:empty)")
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
    page.wait_for_selector("#purchase-result:not(:empty)")
    page.fill("#refund-receipt-no", "R-9")
    page.click("#refund-form button")
    page.wait_for_selector("#refund-result:not(:empty)")
    assert "差し引いたポイント 100 pt" in page.locator("#refund-result").inner_text()


def test_a_guests_coupon_is_scanned_and_applied_without_points(
    page: Any, app: Flask, bot_url: str
) -> None:
    key = make_store(app)
    load_shipped(app)
    guest = user_pk(app, "U" + "7" * 32)  # a LINE friend who is no member
    code = give(app, guest, "thanks-next")
    with app.app_context():
        coupon = db.session.scalar(
            sa.select(PersonalCoupon).where(
                PersonalCoupon.code == code.replace("-", "")
            )
        )
        coupon_id = coupon.id
        scan_code = issue_scan_code(coupon_id, utcnow(), 60).code
        db.session.commit()
    page.set_viewport_size({"width": 800, "height": 900})
    sign_in(page, bot_url, key)
    page.keyboard.type(scan_code)  # the QR code of the guest's coupon page
    page.keyboard.press("Enter")
    page.wait_for_selector("#guest-summary:not([hidden])")
    assert page.locator("#member-summary").is_hidden()
    assert page.locator("#scan-error").inner_text() == ""
    assert page.locator(f"#coupon-options input[value='{code}']").is_checked()
    assert page.locator("#points-row").is_hidden()  # a guest has no points
    page.fill("#receipt-no", "R-8001")
    page.fill("#amount", "5000")
    page.screenshot(path=docs_image("coupons-7-staff-guest.png"))
    page.click("#purchase-form button[type=submit]")
    page.wait_for_selector("#purchase-result:not(:empty)")
    assert page.locator("#purchase-result").inner_text() == (
        "記録しました。クーポン割引 500 円・"
        "ゲストのお客さまのため、ポイントは付きません"
    )
    with app.app_context():
        purchase = db.session.scalar(sa.select(Purchase))
        assert purchase is not None
        assert (purchase.member_id, purchase.line_user_id) == (None, guest)
        assert (purchase.discount, purchase.points_earned) == (500, 0)
        used = db.session.get(PersonalCoupon, coupon_id)
        assert (used.status, used.used_reference) == ("used", "pos:S001:R-8001")
    # Scanned again, the one-time code is refused; the coupon is not shown.
    page.fill("#scan-input", scan_code)
    page.press("#scan-input", "Enter")
    page.wait_for_selector("#scan-error:not(:empty)")
    assert "期限切れ" in page.locator("#scan-error").inner_text()
    assert page.locator("#guest-summary").is_hidden()
