"""LINE's own coupons: created through /v2/bot/coupon, sent as a `coupon` message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.coupons.models import CouponDefinition
from bot.extensions import db
from tests.conftest import LineSide
from tests.coupons.factories import user_pk
from tests.helpers import ACCESS_TOKEN

SHOP_WIDE = """
coupons:
  - id: winter-sale
    title: 冬のセール 10%オフ
    description: 全店とオンラインで使えます。
    kind: percent_off
    value: 10
    min_purchase: 2000
    valid_until: 2099-01-31
    channels: [store, online]
    line_coupon: true
"""


def test_line_coupon_is_created_on_line_and_sent_as_a_coupon_message(
    app: Flask, runner: FlaskCliRunner, line: LineSide, tmp_path: Path
) -> None:
    path = tmp_path / "coupons.yaml"
    path.write_text(SHOP_WIDE, "utf-8")
    result = runner.invoke(args=["coupons", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "created on LINE: winter-sale" in result.output
    [call] = line.calls("/v2/bot/coupon")
    assert call.status == 200
    assert call.body["reward"] == {
        "type": "discount",
        "priceInfo": {"type": "percentage", "percentage": 10},
    }
    assert call.body["usageCondition"] == "2,000円以上のお買い物"
    with app.app_context():
        coupon_id = db.session.get(CouponDefinition, "winter-sale").line_coupon_id
    assert coupon_id
    # Loading again creates nothing new.
    runner.invoke(args=["coupons", "load", str(path)])
    assert len(line.calls("/v2/bot/coupon")) == 1
    users = [line.add_user(f"客{n}") for n in range(3)]
    for user in users:
        user_pk(app, user)
    sent = runner.invoke(args=["coupons", "issue", "winter-sale"])
    assert sent.exit_code == 0, sent.output
    for user in users:
        [delivery] = line.deliveries_to(user)
        assert delivery.messages == [{"type": "coupon", "couponId": coupon_id}]


def test_emulator_refuses_a_coupon_message_naming_no_coupon(
    emulator: Any, line: LineSide
) -> None:
    user = line.add_user()
    answer = requests.post(
        f"{emulator.base_url}/v2/bot/message/push",
        json={"to": user, "messages": [{"type": "coupon", "couponId": "nope"}]},
        headers={"Authorization": f"Bearer {ACCESS_TOKEN}"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert "messages[0].couponId" in answer.json()["message"]
    bad = requests.post(
        f"{emulator.base_url}/v2/bot/coupon",
        json={"title": "x"},
        headers={"Authorization": f"Bearer {ACCESS_TOKEN}"},
        timeout=5,
    )
    assert bad.status_code == 400
