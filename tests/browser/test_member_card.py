"""The LIFF member card in headless Chromium, signed in through the emulator."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.pos.factories import CARD_SETTINGS, make_member

pytestmark = pytest.mark.browser
COUNTDOWN = re.compile(r"あと (\d+) 秒")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The shortest TTL the settings allow, so the page refreshes within a test.
    return {**CARD_SETTINGS, "CARD_CODE_TTL_SECONDS": 10}


@pytest.fixture
def card_url(app: Flask, emulator: Any, bot_url: str) -> str:
    user_id = emulator.platform.add_user(display_name="山田 花子").user_id
    make_member(app, line_user_id=user_id, rank="gold", points=1234)
    return f"{bot_url}/liff/card?user={user_id}"


def countdown(page: Any) -> int:
    match = COUNTDOWN.search(page.locator("#qr-countdown").inner_text())
    assert match, page.locator("#qr-countdown").inner_text()
    return int(match.group(1))


def test_card_shows_member_barcode_and_counting_down_qr(
    page: Any, card_url: str
) -> None:
    page.goto(card_url)
    page.wait_for_selector("#qr svg")
    assert page.locator("#member-name").inner_text() == "山田 花子 様"
    assert page.locator("#member-rank").inner_text() == "ゴールド"
    assert page.locator("#points").inner_text() == "1,234"
    assert page.locator("#card-status").inner_text() == "最新の会員証です"
    assert page.locator("#barcode svg rect").count() > 20
    assert page.locator("#barcode svg").bounding_box()["width"] > 300
    assert re.fullmatch(r"\d{4} \d{4} \d{5}", page.locator("#member-no").inner_text())
    first = countdown(page)
    assert 1 <= first <= 10
    page.wait_for_function(
        "n => !document.querySelector('#qr-countdown')"
        ".textContent.includes(`あと ${n} 秒`)",
        arg=first,
    )
    assert countdown(page) < first
    assert page.locator("#history li").count() == 1


def test_qr_code_is_replaced_when_its_time_is_up(page: Any, card_url: str) -> None:
    page.goto(card_url)
    page.wait_for_selector("#qr svg")
    first = page.locator("#qr").get_attribute("data-code")
    assert re.fullmatch(r"\d{16}", first)
    page.wait_for_function(
        "code => { const c = document.querySelector('#qr').dataset.code;"
        " return c && c !== code; }",
        arg=first,
        timeout=20000,
    )


def test_network_cut_shows_the_cached_card_with_its_age(
    page: Any, card_url: str
) -> None:
    page.goto(card_url)
    page.wait_for_selector("#qr svg")
    member_no = page.locator("#member-no").inner_text()
    page.context.set_offline(True)
    # The QR's time runs out; the refresh fails and the cached card stays.
    page.wait_for_selector("#card-status.offline", timeout=20000)
    status = page.locator("#card-status").inner_text()
    assert status.startswith("通信できません。1分以内に更新した会員証を表示しています")
    assert page.locator("#member-no").inner_text() == member_no
    assert page.locator("#barcode svg rect").count() > 20
    assert page.locator("#points").inner_text() == "1,234"
    assert page.locator("#qr").get_attribute("class") == "qr stale"
    assert "バーコードをご利用ください" in page.locator("#qr-countdown").inner_text()
    page.context.set_offline(False)


def test_reopening_while_the_card_api_is_unreachable_shows_the_cache(
    page: Any, card_url: str
) -> None:
    page.goto(card_url)
    page.wait_for_selector("#qr svg")
    page.route("**/api/member/card", lambda route: route.abort("internetdisconnected"))
    page.reload()
    page.wait_for_selector("#card-status.offline")
    assert (
        "1分以内に更新した会員証を表示しています"
        in page.locator("#card-status").inner_text()
    )
    assert page.locator("#member-name").inner_text() == "山田 花子 様"
    assert page.locator("#barcode svg rect").count() > 20


def test_page_opens_offline_from_its_saved_shell(page: Any, card_url: str) -> None:
    page.goto(card_url)
    page.wait_for_selector("#qr svg")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#card-status.offline")
    assert "通信できません" in page.locator("#card-status").inner_text()
    assert page.locator("#member-name").inner_text() == "山田 花子 様"
    assert page.locator("#barcode svg rect").count() > 20
    page.context.set_offline(False)


def test_unlinked_line_user_is_told_to_link(
    page: Any, emulator: Any, bot_url: str
) -> None:
    user_id = emulator.platform.add_user(display_name="未連携").user_id
    page.goto(f"{bot_url}/liff/card?user={user_id}")
    page.wait_for_selector("#not-linked:not([hidden])")
    assert "会員登録・連携" in page.locator("#not-linked-message").inner_text()
    assert page.locator("#member").is_hidden()
