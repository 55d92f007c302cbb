"""Done when: an operator answers a customer in the console, live, in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.conftest import LineSide
from tests.handoff.helpers import (
    PASSWORD,
    Drain,
    load_shipped_faq,
    make_operator,
    texts,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
XSS = "<img src=x onerror=alert(1)>"
REPLY = "お待たせいたしました。担当の佐藤です。"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"BUSINESS_HOURS": "Mon-Sun 00:00-24:00"}


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"operator-{name}.png"), full_page=True)


def sign_in(page: Page, bot_url: str, email: str) -> None:
    page.goto(f"{bot_url}/operator/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h2").first).to_contain_text("対応待ち")


def test_operator_claims_replies_and_resolves_live(
    app: Flask, line: LineSide, worker: Drain, page: Page, browser: Any, bot_url: str
) -> None:
    load_shipped_faq(app)
    make_operator(app, "sato@example.com", name="佐藤")
    make_operator(app, "suzuki@example.com", name="鈴木")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_viewport_size({"width": 1280, "height": 900})

    sign_in(page, bot_url, "sato@example.com")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "open")
    expect(page.locator("#waiting")).to_contain_text("対応待ちの会話はありません")

    user_id = line.add_user("山田 花子")
    line.send(line.follow(user_id))
    line.send(line.text(user_id, "スタッフと話したい"))
    worker()
    waiting = page.locator("#waiting li.item")
    expect(waiting).to_have_count(1)  # appeared without reloading
    expect(waiting).to_contain_text("山田 花子")
    expect(waiting).to_contain_text("スタッフと話したい")
    expect(waiting.locator(".wait")).to_contain_text("1分未満")
    shot(page, "1-queue-live")

    # A second operator has the same queue open, without live updates, and
    # clicks at the same moment as the first.
    other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    second = other.new_page()
    second.route("**/operator/events", lambda route: route.abort())
    sign_in(second, bot_url, "suzuki@example.com")
    expect(second.locator("#waiting li.item")).to_have_count(1)

    page.click("#waiting button.claim")
    expect(page.locator("#status")).to_contain_text("対応中（担当: 佐藤）")
    second.click("#waiting button.claim")
    expect(second.locator(".flash")).to_contain_text(
        "すでに他のオペレーターが対応しています"
    )
    shot(second, "2-second-operator-refused")
    other.close()

    expect(page.locator("#live-status")).to_have_attribute("data-state", "open")
    line.send(line.text(user_id, XSS))
    worker()
    customer_texts = page.locator("#messages .from-customer .text")
    expect(customer_texts.last).to_have_text(XSS)  # live, set as text
    assert page.locator("#messages img").count() == 0

    page.fill("#reply-text", REPLY)
    page.click("form.reply button[type=submit]")
    # The click only starts the POST: wait for the page it redirects to, or
    # the worker may drain before the reply's job exists.
    expect(page.locator("#messages .from-operator .text").last).to_have_text(REPLY)
    worker()
    assert ("push", REPLY) in line.texts_to(user_id)
    page.reload()
    expect(page.locator("#messages .from-operator .text").last).to_have_text(REPLY)
    expect(customer_texts.last).to_have_text(XSS)  # rendered by the server too
    assert page.locator("#messages img").count() == 0
    shot(page, "3-chat")

    page.click("form.resolve button[type=submit]")
    expect(page.locator("#waiting")).to_contain_text("対応待ちの会話はありません")
    worker()
    assert texts(line, user_id)[-1].startswith("お問い合わせありがとうございました")

    line.send(line.text(user_id, "送料はいくらですか"))
    worker()
    assert texts(line, user_id)[-1].startswith("オンラインストアの送料は")
    shot(page, "4-resolved")
    assert dialogs == []
