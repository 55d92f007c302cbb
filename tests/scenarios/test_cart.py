"""Abandoned carts: checkouts from the shop, a reminder when no order follows."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from bot.ec.models import Checkout
from bot.extensions import db
from bot.models_base import utcnow
from tests.ec.test_shop_webhooks import SECRET, order, signed_post
from tests.scenarios.helpers import run_due
from tests.scenarios.test_shipped import member_outside_holdout, received


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"EC_WEBHOOK_SECRET": SECRET, "CART_ABANDON_MINUTES": 60}


@pytest.fixture
def shipped(runner: FlaskCliRunner, ctx: None) -> None:
    from tests.scenarios.helpers import SHIPPED, load

    assert runner.invoke(args=["coupons", "load"]).exit_code == 0
    load(runner, SHIPPED)


def checkout(token: str, email: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": 981820079255243500,
        "token": token,
        "email": email,
        "subtotal_price": "4980.00",
        "abandoned_checkout_url": f"https://shop.example.com/checkouts/{token}/recover",
        "updated_at": utcnow().isoformat(),
        "completed_at": None,
        **fields,
    }


def test_cart_without_an_order_gets_one_reminder_with_its_url(
    client: FlaskClient, runner: FlaskCliRunner, shipped: None, line: Any
) -> None:
    line_id, member = member_outside_holdout(line, "cart_reminder")
    answer = signed_post(client, "checkouts", checkout("c1", member.email))
    assert answer.status_code == 200 and answer.json["status"] == "recorded"
    now = utcnow()

    assert run_due(runner, now + timedelta(minutes=59)).exit_code == 0
    assert received(line, line_id) == []
    assert run_due(runner, now + timedelta(minutes=61)).exit_code == 0
    texts = received(line, line_id)
    # The recovery URL goes out as a tracked link that leads back to it.
    [link] = re.findall(r"http://\S+/r/\S+", texts[0])
    answer = client.get(urlsplit(link).path)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(
        "https://shop.example.com/checkouts/c1/recover?utm_source=line"
    )
    assert "{name}" not in texts[0] and "{recovery_url}" not in texts[0]
    assert texts[1].startswith("[flex] ")  # the free-shipping coupon
    assert run_due(runner, now + timedelta(minutes=120)).exit_code == 0
    assert len(received(line, line_id)) == 2


def test_cart_followed_by_its_order_gets_nothing(
    client: FlaskClient, runner: FlaskCliRunner, shipped: None, line: Any
) -> None:
    line_id, member = member_outside_holdout(line, "cart_reminder")
    signed_post(client, "checkouts", checkout("c2", member.email))
    placed = order(77, email=member.email, checkout_token="c2")
    assert signed_post(client, "orders", placed).status_code == 200
    assert run_due(runner, utcnow() + timedelta(minutes=90)).exit_code == 0
    assert received(line, line_id) == []
    checkout_row = db.session.scalar(db.select(Checkout).where(Checkout.token == "c2"))
    assert checkout_row.order_id == "77"


def test_cart_of_an_unknown_customer_is_kept_but_sends_nothing(
    client: FlaskClient, runner: FlaskCliRunner, shipped: None, line: Any
) -> None:
    answer = signed_post(client, "checkouts", checkout("c3", "nobody@example.com"))
    assert answer.json["status"] == "no_member"
    assert run_due(runner, utcnow() + timedelta(minutes=90)).exit_code == 0
    assert line.platform.deliveries() == []


def test_checkout_webhook_refuses_bad_signature_and_bad_body(
    client: FlaskClient, ctx: None
) -> None:
    bad = signed_post(client, "checkouts", checkout("c4", "a@b.jp"), secret="nope")
    assert bad.status_code == 401
    no_token = {
        k: v for k, v in checkout("c5", "a@b.jp").items() if k not in ("token", "id")
    }
    assert signed_post(client, "checkouts", no_token).status_code == 422
    http = checkout("c6", "a@b.jp", abandoned_checkout_url="http://shop/recover")
    assert signed_post(client, "checkouts", http).status_code == 422
    assert db.session.scalar(db.select(db.func.count(Checkout.id))) == 0
