"""Coupons at the register: scan, apply once, refuse with nothing changed, refund."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.coupons.factories import (
    apply_at_registers_at_once,
    coupon_row,
    expire,
    give,
    load_shipped,
    snapshot,
    user_pk,
)
from tests.pos.factories import bearer, make_member, make_store

REGISTERS = 10


@pytest.fixture
def key(app: Flask) -> str:
    key = make_store(app)  # S001, 渋谷店
    load_shipped(app)
    return key


@pytest.fixture
def member(app: Flask, key: str) -> dict[str, Any]:
    member = make_member(app, line_user_id="U" + "a" * 32, points=100)
    member["pk"] = user_pk(app, "U" + "a" * 32)
    return member


def post(client: FlaskClient, key: str, path: str, **body: Any) -> Any:
    return client.post(f"/api/pos/{path}", json=body, headers=bearer(key))


def sale(member: dict[str, Any], receipt: str, amount: int, *codes: str) -> dict:
    return {
        "member_no": member["member_no"],
        "receipt_no": receipt,
        "amount": amount,
        "coupon_codes": list(codes),
    }


def test_scan_answers_the_members_usable_coupons(
    app: Flask, client: FlaskClient, key: str, member: dict[str, Any]
) -> None:
    thanks = give(app, member["pk"], "thanks-next")
    give(app, member["pk"], "visit-shinjuku")
    used = give(app, member["pk"], "comeback", status="used")
    answer = post(client, key, "scan", code=member["member_no"])
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["member"]["member_no"] == member["member_no"]
    coupons = {c["coupon_id"]: c for c in body["coupons"]}
    assert set(coupons) == {"thanks-next", "visit-shinjuku"}
    assert coupons["thanks-next"]["code"] == thanks
    assert coupons["thanks-next"]["usable_here"] is True
    assert coupons["visit-shinjuku"]["usable_here"] is False  # another store
    assert used not in {c["code"] for c in body["coupons"]}
    assert set(coupons["thanks-next"]) >= {
        "code",
        "coupon_id",
        "title",
        "kind",
        "value",
        "expires_at",
    }


def test_coupon_applies_once_and_points_are_earned_on_the_paid_amount(
    app: Flask, client: FlaskClient, key: str, member: dict[str, Any]
) -> None:
    code = give(app, member["pk"], "thanks-next")  # 500 yen off from 3,000
    answer = post(client, key, "transactions", **sale(member, "R-1", 5000, code))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["discount"] == 500
    assert body["purchase"]["discount"] == 500
    assert body["purchase"]["points_earned"] == 45  # 1% of 4,500
    assert body["member"]["points"] == 145
    assert [c["code"] for c in body["coupons"]] == [code]
    row = coupon_row(app, code)
    assert (row.status, row.used_store_code, row.discount) == ("used", "S001", 500)
    again = post(client, key, "transactions", **sale(member, "R-2", 5000, code))
    assert again.status_code == 409
    assert again.get_json()["error"] == "coupon_used"


def test_percent_and_typed_codes_in_any_case(
    app: Flask, client: FlaskClient, key: str, member: dict[str, Any]
) -> None:
    code = give(app, member["pk"], "birthday")  # 10% off
    typed = code.replace("-", " ").lower()
    answer = post(client, key, "transactions", **sale(member, "R-1", 3333, typed))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["discount"] == 333


def _refused_case(
    app: Flask, member: dict[str, Any], case: str
) -> tuple[str, int, str]:
    """Set up one refused coupon; return its code, the status and the error."""
    mine = member["pk"]
    if case == "used":
        return give(app, mine, "thanks-next", status="used"), 409, "coupon_used"
    if case == "expired":
        code = give(app, mine, "thanks-next")
        expire(app, code)
        return code, 410, "coupon_expired"
    if case == "other store":
        return give(app, mine, "visit-shinjuku"), 422, "wrong_store"
    if case == "online only":
        return give(app, mine, "free-shipping"), 422, "wrong_channel"
    if case == "below minimum":  # comeback needs 1,500 yen; the sale is 1,000
        return give(app, mine, "comeback"), 422, "below_min_purchase"
    if case == "not this member's":
        make_member(app, name="他人", line_user_id="U" + "b" * 32)
        other = give(app, user_pk(app, "U" + "b" * 32), "birthday")
        return other, 422, "not_your_coupon"
    if case == "withdrawn":
        code = give(app, mine, "birthday")
        runner = app.test_cli_runner()
        result = runner.invoke(args=["coupons", "withdraw", code])
        assert result.exit_code == 0, result.output
        return code, 422, "coupon_withdrawn"
    return "ABCD-EFGH-JKLM-NPQR", 404, "unknown_coupon"


@pytest.mark.parametrize(
    "case",
    [
        "used",
        "expired",
        "other store",
        "online only",
        "below minimum",
        "not this member's",
        "withdrawn",
        "unknown",
    ],
)
def test_refused_coupon_changes_nothing(
    app: Flask, client: FlaskClient, key: str, member: dict[str, Any], case: str
) -> None:
    code, status, error = _refused_case(app, member, case)
    good = give(app, member["pk"], "visit-shibuya")  # valid here; listed first
    before = snapshot(app)
    body = {**sale(member, "R-9", 1000, good, code), "points_used": 10}
    answer = post(client, key, "transactions", **body)
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["error"] == error
    assert snapshot(app) == before


def test_ten_registers_applying_one_coupon_at_once_succeed_once(
    app: Flask, bot_url: str, key: str, member: dict[str, Any]
) -> None:
    keys = [key] + [make_store(app, code=f"S1{i:02d}", name=f"店{i}") for i in range(3)]
    code = give(app, member["pk"], "thanks-next")
    statuses = apply_at_registers_at_once(
        bot_url,
        keys,
        lambda register: sale(member, f"R-{register}", 4000, code),
        REGISTERS,
    )
    assert statuses == [201] + [409] * (REGISTERS - 1)
    after = snapshot(app)
    assert len(after["purchases"]) == 1
    assert [(status, discount) for _, status, _, discount in after["coupons"]] == [
        ("used", 500)
    ]


def test_refund_makes_the_coupon_usable_again_unless_expired(
    app: Flask, client: FlaskClient, key: str, member: dict[str, Any]
) -> None:
    first = give(app, member["pk"], "thanks-next")
    second = give(app, member["pk"], "visit-shibuya")
    assert post(client, key, "transactions", **sale(member, "R-1", 4000, first))
    assert post(client, key, "transactions", **sale(member, "R-2", 4000, second))
    refund = post(client, key, "refunds", receipt_no="R-1")
    assert refund.get_json()["coupons_restored"] == [first]
    assert coupon_row(app, first).status == "usable"
    expire(app, second)
    later = post(client, key, "refunds", receipt_no="R-2")
    assert later.get_json()["coupons_restored"] == []
    assert coupon_row(app, second).status == "used"
    reuse = post(client, key, "transactions", **sale(member, "R-3", 4000, first))
    assert reuse.status_code == 201


def test_refund_does_not_revive_a_coupon_withdrawn_since_the_sale(
    app: Flask, client: FlaskClient, key: str, member: dict[str, Any]
) -> None:
    # The refund made it usable again, and a new sale took its discount.
    from bot.coupons.withdrawal import withdraw_definition
    from bot.extensions import db

    code = give(app, member["pk"], "thanks-next")
    assert post(client, key, "transactions", **sale(member, "R-1", 4000, code))
    with app.app_context():
        withdraw_definition("thanks-next")
        db.session.commit()
    refund = post(client, key, "refunds", receipt_no="R-1")
    assert refund.status_code == 200
    assert refund.get_json()["coupons_restored"] == []
    assert coupon_row(app, code).status == "withdrawn"
    again = post(client, key, "transactions", **sale(member, "R-2", 4000, code))
    assert again.status_code == 422
    assert again.get_json()["error"] == "coupon_withdrawn"
