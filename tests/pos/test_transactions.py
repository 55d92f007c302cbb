"""POST /api/pos/transactions: record once, earn and use points, count a visit."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import db
from bot.points.models import PointEntry
from bot.points.service import balance
from bot.purchases.models import Purchase
from bot.stores.models import StoreVisit
from tests.pos.factories import bearer, make_member, make_store


@pytest.fixture
def key(app: Flask) -> str:
    return make_store(app)


def sell(client: FlaskClient, key: str, **body: Any) -> Any:
    return client.post("/api/pos/transactions", json=body, headers=bearer(key))


def ledger(app: Flask, member_id: int) -> list[tuple[str, int, str]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(PointEntry)
            .where(PointEntry.member_id == member_id)
            .order_by(PointEntry.id)
        )
        return [(r.kind, r.delta, r.reference) for r in rows]


def test_sale_earns_points_uses_points_and_counts_a_visit(
    app: Flask, client: FlaskClient, key: str
) -> None:
    member = make_member(app, points=500)
    answer = sell(
        client,
        key,
        member_no=member["member_no"],
        receipt_no="R-0001",
        amount=12345,
        points_used=300,
    )
    assert answer.status_code == 201
    body = answer.get_json()
    # 1 point per 100 yen on what was paid after points: (12345 - 300) // 100.
    assert body["purchase"]["points_earned"] == 120
    assert body["purchase"]["points_used"] == 300
    assert body["purchase"]["store_code"] == "S001"
    assert body["member"]["points"] == 500 - 300 + 120
    assert ledger(app, member["id"])[1:] == [
        ("redeem", -300, "pos:S001:R-0001"),
        ("earn", 120, "pos:S001:R-0001"),
    ]
    with app.app_context():
        visits = db.session.scalars(sa.select(StoreVisit)).all()
        assert [(v.customer_key, v.source) for v in visits] == [
            (f"m:{member['id']}", "pos")
        ]


def test_repeated_receipt_answers_the_first_result_and_another_sale_409(
    app: Flask, client: FlaskClient, key: str
) -> None:
    member = make_member(app, points=100)
    first = sell(
        client,
        key,
        member_no=member["member_no"],
        receipt_no="R-7",
        amount=1000,
        points_used=100,
    )
    again = sell(
        client,
        key,
        member_no=member["member_no"],
        receipt_no="R-7",
        amount=1000,
        points_used=100,
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["purchase"] == first.get_json()["purchase"]
    # Another sale under the same number was answered 200 and dropped.
    other = make_member(app, name="佐藤 次郎")
    for changed in (
        {"amount": 9999, "points_used": 100},
        {"amount": 1000, "points_used": 0},
        {"amount": 1000, "points_used": 100, "member_no": other["member_no"]},
    ):
        reused = sell(
            client,
            key,
            **{"member_no": member["member_no"], "receipt_no": "R-7", **changed},
        )
        assert reused.status_code == 409, changed
        assert reused.get_json()["error"] == "receipt_reused"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Purchase.id))) == 1
        assert balance(member["id"]) == 9
    assert len(ledger(app, member["id"])) == 3


def test_same_receipt_number_in_another_store_is_another_sale(
    app: Flask, client: FlaskClient, key: str
) -> None:
    other_key = make_store(app, code="S002", name="新宿店")
    member = make_member(app)
    assert (
        sell(
            client, key, member_no=member["member_no"], receipt_no="1", amount=500
        ).status_code
        == 201
    )
    assert (
        sell(
            client, other_key, member_no=member["member_no"], receipt_no="1", amount=500
        ).status_code
        == 201
    )


def test_two_sales_on_one_day_are_one_visit(
    app: Flask, client: FlaskClient, key: str
) -> None:
    member = make_member(app)
    for receipt in ("A", "B"):
        sell(client, key, member_no=member["member_no"], receipt_no=receipt, amount=100)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(StoreVisit.id))) == 1


def test_not_enough_points_is_409_and_records_nothing(
    app: Flask, client: FlaskClient, key: str
) -> None:
    member = make_member(app, points=50)
    answer = sell(
        client,
        key,
        member_no=member["member_no"],
        receipt_no="R-1",
        amount=1000,
        points_used=51,
    )
    assert answer.status_code == 409
    assert answer.get_json()["error"] == "not_enough_points"
    assert "50" in answer.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Purchase.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(StoreVisit.id))) == 0
    assert len(ledger(app, member["id"])) == 1


def test_unknown_member_is_404(client: FlaskClient, key: str) -> None:
    answer = sell(client, key, member_no="2900000000015", receipt_no="1", amount=10)
    assert answer.status_code == 404
    assert answer.get_json()["error"] == "unknown_member"


@pytest.mark.parametrize(
    "body",
    [
        {"receipt_no": "1", "amount": 10},
        {"member_no": "MEMBER", "receipt_no": "1", "amount": 10},
        {"member_no": "{no}", "receipt_no": "", "amount": 10},
        {"member_no": "{no}", "receipt_no": "1", "amount": "10"},
        {"member_no": "{no}", "receipt_no": "1", "amount": -1},
        {"member_no": "{no}", "receipt_no": "1", "amount": 10.5},
        {"member_no": "{no}", "receipt_no": "1", "amount": 10, "points_used": -5},
        {"member_no": "{no}", "receipt_no": "1", "amount": 10, "points_used": 11},
        {"member_no": "{no}", "receipt_no": "1", "amount": 10, "extra": True},
    ],
)
def test_bad_body_is_422(
    app: Flask, client: FlaskClient, key: str, body: dict[str, Any]
) -> None:
    member = make_member(app, points=100)
    if body.get("member_no") == "{no}":
        body = {**body, "member_no": member["member_no"]}
    answer = sell(client, key, **body)
    assert answer.status_code == 422
    assert answer.get_json()["error"] == "invalid_body"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Purchase.id))) == 0


@pytest.mark.parametrize(
    "settings_overrides", [{"POINTS_EARN_RATE": 0.05}], ids=["5-percent"]
)
def test_earn_rate_is_configurable(app: Flask, client: FlaskClient, key: str) -> None:
    member = make_member(app)
    answer = sell(
        client, key, member_no=member["member_no"], receipt_no="1", amount=999
    )
    assert answer.get_json()["purchase"]["points_earned"] == 49
