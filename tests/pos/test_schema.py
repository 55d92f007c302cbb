"""The register API's schema: exact patterns, whole numbers only."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import db
from bot.purchases.models import Purchase
from tests.pos.factories import bearer, make_member, make_store


@pytest.fixture
def key(app: Flask) -> str:
    return make_store(app)


def purchases(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Purchase.reference)))


@pytest.mark.parametrize(
    "receipt_no", ["R-1\n", "R" * 64 + "\n", "R-1\r", "\nR-1", "R 1"]
)
def test_receipt_number_with_a_line_break_is_refused(
    app: Flask, client: FlaskClient, key: str, receipt_no: str
) -> None:
    member = make_member(app, points=100)
    answer = client.post(
        "/api/pos/transactions",
        json={"member_no": member["member_no"], "receipt_no": receipt_no, "amount": 1},
        headers=bearer(key),
    )
    assert answer.status_code == 422
    assert answer.get_json()["error"] == "invalid_body"
    refund = client.post(
        "/api/pos/refunds", json={"receipt_no": receipt_no}, headers=bearer(key)
    )
    assert refund.status_code == 422
    assert purchases(app) == []


def test_member_number_with_a_trailing_newline_is_refused(
    app: Flask, client: FlaskClient, key: str
) -> None:
    member = make_member(app)
    answer = client.post(
        "/api/pos/transactions",
        json={"member_no": f"{member['member_no']}\n", "receipt_no": "R", "amount": 1},
        headers=bearer(key),
    )
    assert answer.status_code == 422
    assert purchases(app) == []


@pytest.mark.parametrize(
    "field, value", [("amount", 1000.0), ("amount", True), ("points_used", 0.0)]
)
def test_amounts_must_be_whole_numbers_not_floats(
    app: Flask, client: FlaskClient, key: str, field: str, value: Any
) -> None:
    member = make_member(app, points=100)
    body = {"member_no": member["member_no"], "receipt_no": "R-1", "amount": 1000}
    answer = client.post(
        "/api/pos/transactions", json={**body, field: value}, headers=bearer(key)
    )
    assert answer.status_code == 422
    assert field in answer.get_json()["message"]
    assert purchases(app) == []


def test_a_body_not_sent_as_json_is_415(
    app: Flask, client: FlaskClient, key: str
) -> None:
    # It was 422 invalid_body, which sent staff looking for a wrong field.
    member = make_member(app, points=100)
    body = json.dumps(
        {"member_no": member["member_no"], "receipt_no": "R-1", "amount": 1}
    )
    for path in ("/api/pos/transactions", "/api/pos/refunds"):
        answer = client.post(
            path, data=body, content_type="text/plain", headers=bearer(key)
        )
        assert answer.status_code == 415, path
        assert answer.get_json()["error"] == "unsupported_media_type"
    assert purchases(app) == []
