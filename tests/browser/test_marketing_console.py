"""Done when: a marketer builds a segment, sends, and sees the funnel, in Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from bot.extensions import db
from bot.measure.jobs import count_new_clicks
from bot.members.models import Member
from bot.models_base import utcnow
from bot.purchases.service import record_online_order
from tests.conftest import LineSide
from tests.coupons.factories import load_shipped
from tests.handoff.helpers import PASSWORD, Drain, load_shipped_faq, make_operator
from tests.segments.factories import make_member, make_user

pytestmark = pytest.mark.browser

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
TEXT = "週末セール開催！ https://shop.example.com/sale"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"QUIET_HOURS": "", "BUSINESS_HOURS": "Mon-Sun 00:00-24:00"}


def shot(page: Page, name: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / f"admin-{name}.png"), full_page=True)


def sign_in(page: Page, bot_url: str, email: str, path: str = "/admin/") -> None:
    page.goto(f"{bot_url}{path}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_marketer_segments_sends_and_sees_the_funnel(
    app: Flask, line: LineSide, worker: Drain, page: Page, bot_url: str
) -> None:
    load_shipped(app)
    load_shipped_faq(app)
    make_operator(app, "mk@example.com", role="marketer", name="高橋")
    customers, member_ids = [], []
    followers = [line.add_user(f"友{n}") for n in range(3)]
    for user_id in followers:  # real follow events: the overview's chart counts them
        line.send(line.follow(user_id))
    with app.app_context():
        for n in range(6):
            user_id = line.add_user(f"客{n}")
            user = make_user(user_id)
            if n < 4:
                member = make_member(user, rank="gold" if n < 2 else "regular")
                customers.append(user_id)
                member_ids.append(member.id)
    page.set_viewport_size({"width": 1280, "height": 900})

    sign_in(page, bot_url, "mk@example.com")
    expect(page.locator("h1")).to_have_text("概要")
    expect(page.locator("#kpi-friends")).to_have_text("9")
    expect(page.locator("#table-friends")).to_contain_text("3")
    shot(page, "1-overview")

    page.click("text=配信を作成")
    count = page.locator("#segment-count")
    expect(count).to_have_text("9")
    page.select_option("select[name=linked]", "yes")
    expect(count).to_have_text("4")
    page.select_option("select[name=rank]", "gold")
    expect(count).to_have_text("2")
    page.select_option("select[name=rank]", "")
    expect(count).to_have_text("4")
    page.fill("#message-text", TEXT)
    expect(page.locator("#preview-text")).to_have_text(TEXT)
    shot(page, "2-audience")

    page.click("#to-confirm")
    expect(page.locator("#confirm-summary")).to_contain_text("4 人")
    expect(page.locator("#confirm-summary")).to_contain_text("4 通")
    shot(page, "3-confirm")
    posted = page.eval_on_selector(
        "#send-now", "f => Object.fromEntries(new FormData(f).entries())"
    )
    page.dblclick("#send-button")
    expect(page.locator("h1")).to_contain_text("配信 #1")
    # Reloading after the send posts the same form again: still one send.
    again = page.request.post(f"{bot_url}/admin/send", form=posted)
    assert again.ok and "/admin/sends/1" in again.url
    worker()  # the real worker runs the job the view queued

    with app.app_context():
        from bot.segments.models import SegmentSend

        assert db.session.query(SegmentSend).count() == 1
    delivered = [
        m["text"]
        for d in line.deliveries_to(customers[0])
        if d.via != "reply"
        for m in d.messages
    ]
    assert len(delivered) == 1
    tracked = re.search(r"https?://\S*/r/\S+", delivered[0])
    assert tracked is not None, delivered
    token_path = "/r/" + tracked.group(0).split("/r/", 1)[1]
    click = page.request.get(f"{bot_url}{token_path}", max_redirects=0)
    assert click.status == 302
    with app.app_context():
        count_new_clicks()
        buyer = db.session.get(Member, member_ids[0])
        record_online_order(buyer, "order-1", 4800, utcnow())
        db.session.commit()

    page.goto(f"{bot_url}/admin/sends/1")
    funnel = page.locator("#funnel")
    expect(funnel.locator("[data-key=recipients]")).to_have_text("4")
    expect(funnel.locator("[data-key=clicked]")).to_have_text("1")
    expect(funnel.locator("[data-key=online]")).to_have_text("1")
    expect(funnel.locator("[data-key=revenue]")).to_have_text("¥4,800")
    shot(page, "4-send-funnel")

    page.goto(f"{bot_url}/admin/sends")
    with page.expect_download() as info:
        page.click("a.csv[href$='csv=sends']")
    csv_text = Path(info.value.path()).read_text("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("send,status,coupon,recipients")
    assert csv_text.splitlines()[1].startswith("1,")
    shot(page, "5-sends")

    page.goto(f"{bot_url}/admin/coupons")
    expect(page.locator("#table-coupons")).to_contain_text("birthday")
    shot(page, "6-coupons")
    page.goto(f"{bot_url}/admin/faq")
    page.fill("input[name=q]", "営業時間を教えて")
    page.click("form.try button")
    expect(page.locator("#faq-trial")).to_contain_text("スコア")
    shot(page, "7-faq")

    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet
    page.goto(f"{bot_url}/admin/")
    expect(page.locator("#friends-chart")).to_be_visible()
    shot(page, "8-overview-tablet")


def test_operator_is_refused_the_marketing_console(
    app: Flask, page: Page, bot_url: str
) -> None:
    make_operator(app, "op@example.com", role="operator")
    # No live stream: a stream cut by the page leaving outlives the test's app.
    page.route("**/operator/events", lambda route: route.abort())
    sign_in(page, bot_url, "op@example.com", path="/operator/")
    expect(page.locator("h2").first).to_contain_text("対応待ち")
    response = page.goto(f"{bot_url}/admin/")
    assert response is not None and response.status == 403
