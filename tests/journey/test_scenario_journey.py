"""A scenario's messages arrive in the LINE chat simulator.

The product runs as in the demo (bot over HTTP, real worker, LINE emulator
with its simulator) with the shipped scenarios loaded. A first purchase at the
register starts `first_purchase_thanks`: the thank-you and its coupon arrive
at once (push); `scenarios run-due --now` four days later sends the how-to
step (multicast, the same text for everyone), and the customer's phone shows
it. The screenshot goes to docs/images/ with DOCS_SCREENSHOTS=1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from bot.extensions import db
from bot.scenarios.models import SENT
from tests.helpers import docs_image
from tests.pos.factories import bearer, make_store
from tests.scenarios.helpers import SHIPPED, load, run_due, step_sends, tokyo_day
from tests.scenarios.test_shipped import member_outside_holdout

pytestmark = pytest.mark.browser

THANKS = "はじめてのお買い上げありがとうございます。"
HOW_TO = "長く使っていただくためのお手入れ方法をご紹介します。"


@pytest.fixture
def product(app: Flask, bot_url: str, emulator: Any, worker: Callable[[], None]) -> Any:
    """Load the coupons and the shipped scenarios; name the bot in the simulator."""
    emulator.platform.configure(simulator_bot_name="OMOストア")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["coupons", "load"])
    assert result.exit_code == 0, result.output
    load(runner, SHIPPED)
    expect.set_options(timeout=15_000)
    yield emulator
    expect.set_options(timeout=5_000)


def test_first_purchase_scenario_arrives_in_the_simulator(
    page: Any,
    app: Flask,
    line: Any,
    worker: Callable[[], None],
    product: Any,
) -> None:
    key = make_store(app)
    with app.app_context():
        line_id, member = member_outside_holdout(line, "first_purchase_thanks")
        member.name = "山本 葵"
        db.session.commit()
        name, member_no = member.name, member.member_no
    page.goto(f"{product.base_url}/simulator?user={line_id}")
    messages = page.get_by_test_id("message")
    expect(messages).to_have_count(0)

    # The first purchase at the register: the thank-you and the coupon, by push.
    sale = {"member_no": member_no, "receipt_no": "R-9001", "amount": 5000}
    response = app.test_client().post(
        "/api/pos/transactions", json=sale, headers=bearer(key)
    )
    assert response.status_code == 201
    worker()
    worker()
    expect(messages.filter(has_text=THANKS)).to_have_count(1)
    expect(messages.filter(has_text=THANKS)).to_contain_text(f"{name}様")
    expect(page.get_by_test_id("flex-bubble")).to_have_count(1)

    # Four days later the how-to step is due (A at 10:00, B at 20:00).
    runner = app.test_cli_runner()
    assert run_due(runner, tokyo_day(4, 20)).exit_code == 0
    how_to = messages.filter(has_text=HOW_TO)
    expect(how_to).to_have_count(1)
    expect(messages.last).to_contain_text(HOW_TO)
    page.screenshot(path=docs_image("scenario-in-simulator.png"))

    # What the phone shows is what the bot recorded: both steps sent, once.
    with app.app_context():
        sends = step_sends("first_purchase_thanks")
        assert [(s.step_no, s.status) for s in sends] == [(0, SENT), (1, SENT)]
        assert sends[1].batch_id is not None  # the shared step went by multicast
    assert run_due(runner, tokyo_day(5, 20)).exit_code == 0
    page.reload()
    expect(messages.filter(has_text=HOW_TO)).to_have_count(1)
