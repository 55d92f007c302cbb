"""Shop webhooks: odd headers and odd (signed) bodies get a 4xx, store nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.ec.test_shop_webhooks import SECRET, order, purchases, signed_post
from tests.pos.factories import make_member


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"EC_WEBHOOK_SECRET": SECRET}


def post_signed_body(client: FlaskClient, path: str, body: bytes) -> Any:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    return client.post(
        f"/webhooks/ec/{path}",
        data=body,
        content_type="application/json",
        headers={"X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode()},
    )


def deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "signature", ["ｓｉｇｎａｔｕｒｅ", "é==", "\x00"], ids=["wide", "latin", "nul"]
)
def test_non_ascii_signature_is_401(
    app: Flask, client: FlaskClient, signature: str
) -> None:
    make_member(app, email="hanako@example.com")
    answer = client.post(
        "/webhooks/ec/orders",
        data=json.dumps(order()),
        headers={"X-Shopify-Hmac-Sha256": signature},
        content_type="application/json",
    )
    assert answer.status_code == 401
    assert purchases(app) == []


@pytest.mark.parametrize(
    "document",
    [
        order(email=5, customer={"email": 5}),
        order(email=["hanako@example.com"]),
        order(email="hanako\x00@example.com"),
        order(email="\ud800@example.com"),
        order(note_attributes=5),
        order(note_attributes="member_no"),
        order(note_attributes=[{"name": "member_no", "value": {"x": 1}}]),
        order(subtotal_price="NaN"),
        order(subtotal_price="sNaN"),
        order(subtotal_price="Infinity"),
        order(subtotal_price="1e10"),
        order(subtotal_price=10**30),
        order(subtotal_price=[1]),
        order(order_id="450789469\x00"),
        order(order_id="\udc80"),
        order(customer=[deep(50)]),
        order(customer="hanako@example.com"),
    ],
    ids=lambda d: repr({k: v for k, v in d.items() if v != order()[k]})[:50],
)
def test_odd_orders_are_4xx_and_store_nothing(
    app: Flask, client: FlaskClient, document: Any
) -> None:
    make_member(app, email="hanako@example.com")
    answer = signed_post(client, "orders", document)
    assert 400 <= answer.status_code < 500, answer.get_data(as_text=True)
    assert purchases(app) == []


@pytest.mark.parametrize("path", ["orders", "fulfillments"])
def test_deeply_nested_body_is_4xx(app: Flask, client: FlaskClient, path: str) -> None:
    make_member(app, email="hanako@example.com")
    body = '{"id": 1, "order_id": 1, "subtotal_price": "1", "x": '
    body += "[" * 5000 + "]" * 5000 + "}"
    answer = post_signed_body(client, path, body.encode())
    assert answer.status_code == 422
    assert purchases(app) == []


@pytest.mark.parametrize(
    "document",
    [
        {"order_id": "1\x00"},
        {"order_id": "\ud800"},
        {"order_id": 1, "created_at": "2026-13-99T00:00:00+09:00"},
        {"order_id": 1, "created_at": 5, "shipment_status": ["delivered"]},
    ],
)
def test_odd_fulfillments_are_not_500(client: FlaskClient, document: Any) -> None:
    answer = signed_post(client, "fulfillments", document)
    assert answer.status_code < 500
