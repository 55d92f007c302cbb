"""POST /api/pos/refunds: a receipt's points reversed once, only at its store."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import db
from bot.points.service import balance
from bot.purchases.models import Purchase
from tests.pos.factories import bearer, make_member, make_store


@pytest.fixture
def key(app: Flask) -> str:
    return make_store(app)


def post(client: FlaskClient, key: str, path: str, **body: Any) -> Any:
    return client.post(f"/api/pos/{path}", json=body, headers=bearer(key))


def test_refund_restores_used_points_and_takes_back_earned_ones(
    app: Flask, client: FlaskClient, key: str
) -> None:
    member = make_member(app, points=200)
    sale = {"member_no": member["member_no"], "receipt_no": "R-1", "amount": 5000}
    post(client, key, "transactions", **sale, points_used=200)  # earns 48
    answer = post(client, key, "refunds", receipt_no="R-1")
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["points_restored"], body["points_taken_back"]) == (200, 48)
    assert body["points_not_recovered"] == 0
    assert body["purchase"]["status"] == "refunded"
    assert body["member"]["points"] == 200
    again = post(client, key, "refunds", receipt_no="R-1")
    assert again.status_code == 200
    assert again.get_json()["points_taken_back"] == 48
    with app.app_context():
        assert balance(member["id"]) == 200
        purchase = db.session.scalar(sa.select(Purchase))
        assert purchase is not None and purchase.refunded_at is not None


def test_refund_cannot_push_the_balance_below_zero(
    app: Flask, client: FlaskClient, key: str
) -> None:
    member = make_member(app)
    no = member["member_no"]
    post(client, key, "transactions", member_no=no, receipt_no="A", amount=10000)
    post(
        client,
        key,
        "transactions",
        member_no=no,
        receipt_no="B",
        amount=100,
        points_used=90,
    )
    body = post(client, key, "refunds", receipt_no="A").get_json()
    assert (body["points_taken_back"], body["points_not_recovered"]) == (10, 90)
    assert body["member"]["points"] == 0


def test_unknown_receipt_or_another_stores_receipt_is_404(
    app: Flask, client: FlaskClient, key: str
) -> None:
    other_key = make_store(app, code="S002", name="新宿店")
    member = make_member(app)
    sale = {"member_no": member["member_no"], "receipt_no": "R-1", "amount": 100}
    post(client, key, "transactions", **sale)
    assert post(client, key, "refunds", receipt_no="R-404").status_code == 404
    answer = post(client, other_key, "refunds", receipt_no="R-1")
    assert answer.status_code == 404
    assert answer.get_json()["error"] == "unknown_receipt"


@pytest.mark.parametrize("body", [{}, {"receipt_no": ""}, {"receipt_no": 5}])
def test_bad_refund_body_is_422(
    client: FlaskClient, key: str, body: dict[str, Any]
) -> None:
    assert post(client, key, "refunds", **body).status_code == 422


def test_openapi_document_lists_every_endpoint_and_refusal(
    client: FlaskClient,
) -> None:
    answer = client.get("/api/pos/openapi.json")
    assert answer.status_code == 200
    document = answer.get_json()
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    assert set(paths) >= {"/api/pos/scan", "/api/pos/transactions", "/api/pos/refunds"}
    codes = {p: set(op["post"]["responses"]) for p, op in paths.items() if "post" in op}
    assert codes["/api/pos/scan"] >= {"200", "401", "404", "410", "422"}
    assert codes["/api/pos/transactions"] >= {"200", "201", "401", "404", "409", "422"}
    assert codes["/api/pos/refunds"] >= {"200", "401", "404", "422"}
    schema = document["components"]["schemas"]["TransactionRequest"]
    # member_no is left out for a guest's sale (their coupons, no points).
    assert schema["required"] == ["receipt_no", "amount"]
    assert "member_no" in schema["properties"] and "guest" in schema["description"]
