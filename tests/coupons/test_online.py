"""Coupons in the online shop: the order webhook redeems a code once; export."""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.coupons.factories import coupon_row, give, load_shipped, snapshot, user_pk
from tests.ec.test_shop_webhooks import SECRET, order, signed_post
from tests.pos.factories import bearer, make_member, make_store


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"EC_WEBHOOK_SECRET": SECRET}


@pytest.fixture
def member(app: Flask) -> dict[str, Any]:
    load_shipped(app)
    member = make_member(app, line_user_id="U" + "c" * 32, email="hanako@example.com")
    member["pk"] = user_pk(app, "U" + "c" * 32)
    return member


def _discount(code: str, amount: str = "500.00") -> list[dict[str, str]]:
    return [{"code": code, "amount": amount, "type": "fixed_amount"}]


def test_order_redeems_the_personal_code_once(
    app: Flask, client: FlaskClient, member: dict[str, Any]
) -> None:
    code = give(app, member["pk"], "thanks-next")
    document = order(discount_codes=_discount(code.lower()))
    assert signed_post(client, "orders", document).get_json()["status"] == "recorded"
    row = coupon_row(app, code)
    assert (row.status, row.used_channel, row.used_reference, row.discount) == (
        "used",
        "online",
        "ec:450789469",
        500,
    )
    before = snapshot(app)
    again = signed_post(client, "orders", document)
    assert again.get_json()["status"] == "duplicate"
    assert snapshot(app) == before


def test_code_used_in_a_store_is_refused_online_and_the_order_flagged(
    app: Flask,
    client: FlaskClient,
    member: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = make_store(app)
    code = give(app, member["pk"], "thanks-next")
    body = {
        "member_no": member["member_no"],
        "receipt_no": "R-1",
        "amount": 4000,
        "coupon_codes": [code],
    }
    sold = client.post("/api/pos/transactions", json=body, headers=bearer(key))
    assert sold.status_code == 201
    with caplog.at_level(logging.WARNING, logger="bot.ec.views"):
        answer = signed_post(client, "orders", order(discount_codes=_discount(code)))
    assert answer.status_code == 200
    row = coupon_row(app, code)
    assert (row.used_channel, row.used_reference) == ("store", "pos:S001:R-1")
    flagged = [r for r in caplog.records if getattr(r, "flag", False)]
    assert len(flagged) == 1
    assert flagged[0].reason == "used_in_store"
    assert flagged[0].order == "450789469"


@pytest.mark.parametrize(
    "orderer", ["another member", "nobody the shop named"], ids=["member", "none"]
)
def test_another_customers_coupon_is_refused_online_and_kept_by_its_owner(
    app: Flask,
    client: FlaskClient,
    member: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    orderer: str,
) -> None:
    # The order redeemed it: the owner's coupon was gone, nobody was told.
    code = give(app, member["pk"], "thanks-next")
    email = "taro@example.com" if orderer == "another member" else "x@example.com"
    if orderer == "another member":
        make_member(app, name="佐藤 太郎", email=email)
    document = order(
        email=email, customer={"email": email}, discount_codes=_discount(code)
    )
    with caplog.at_level(logging.WARNING, logger="bot.ec.views"):
        answer = signed_post(client, "orders", document)
    expected = "recorded" if orderer == "another member" else "no_member"
    assert answer.get_json()["status"] == expected
    assert coupon_row(app, code).status == "usable"
    [flagged] = [r for r in caplog.records if getattr(r, "flag", False)]
    assert flagged.reason == "not_your_coupon"


def test_store_only_coupon_is_refused_online(
    app: Flask, client: FlaskClient, member: dict[str, Any]
) -> None:
    code = give(app, member["pk"], "visit-shibuya")
    signed_post(client, "orders", order(discount_codes=_discount(code)))
    assert coupon_row(app, code).status == "usable"


def test_export_codes_lists_usable_online_codes(
    app: Flask, runner: FlaskCliRunner, member: dict[str, Any]
) -> None:
    online = give(app, member["pk"], "free-shipping")
    give(app, member["pk"], "visit-shibuya")  # store only
    give(app, member["pk"], "birthday", status="used")
    result = runner.invoke(args=["coupons", "export-codes"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["code"], r["coupon_id"], r["value"]) for r in rows] == [
        (online, "free-shipping", "550")
    ]
