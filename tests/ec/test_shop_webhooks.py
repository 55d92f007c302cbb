"""Shopify-style order and fulfillment webhooks: signed, once per order."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import db
from bot.jobs import enqueue
from bot.models_base import utcnow
from bot.points.service import balance
from bot.purchases.jobs import send_due_follow_ups, send_review_request
from bot.purchases.models import Purchase
from tests.conftest import LineSide
from tests.pos.factories import make_member

SECRET = "shop-webhook-secret"
Drain = Callable[..., None]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"EC_WEBHOOK_SECRET": SECRET, "REVIEW_REQUEST_DAYS": 7}


def signed_post(
    client: FlaskClient, path: str, document: Any, secret: str = SECRET
) -> Any:
    body = json.dumps(document).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return client.post(
        f"/webhooks/ec/{path}",
        data=body,
        content_type="application/json",
        headers={"X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode()},
    )


def order(order_id: int = 450789469, **fields: Any) -> dict[str, Any]:
    return {
        "id": order_id,
        "email": "Hanako@Example.com",
        "currency": "JPY",
        "total_price": "5990.00",
        "subtotal_price": "5490.00",
        "customer": {"email": "hanako@example.com"},
        "note_attributes": [],
        **fields,
    }


def purchases(app: Flask) -> list[Purchase]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Purchase)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def test_order_is_recorded_once_with_points(app: Flask, client: FlaskClient) -> None:
    member = make_member(app, email="hanako@example.com")
    first = signed_post(client, "orders", order())
    again = signed_post(client, "orders", order())
    assert (first.status_code, first.get_json()["status"]) == (200, "recorded")
    assert (again.status_code, again.get_json()["status"]) == (200, "duplicate")
    [row] = purchases(app)
    assert (row.channel, row.origin, row.reference) == ("ec", "shop", "450789469")
    assert (row.amount, row.points_earned) == (5490, 54)
    with app.app_context():
        assert balance(member["id"]) == 54


def test_member_number_in_the_order_wins_over_email(
    app: Flask, client: FlaskClient
) -> None:
    make_member(app, name="別人", email="hanako@example.com")
    member = make_member(app, name="山田 花子")
    attributes = [{"name": "member_no", "value": member["member_no"]}]
    signed_post(client, "orders", order(note_attributes=attributes))
    [row] = purchases(app)
    assert row.member_id == member["id"]


def test_order_of_a_non_member_is_acknowledged_and_not_recorded(
    client: FlaskClient, app: Flask
) -> None:
    answer = signed_post(
        client, "orders", order(email="nobody@example.com", customer={})
    )
    assert (answer.status_code, answer.get_json()["status"]) == (200, "no_member")
    assert purchases(app) == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Shopify-Hmac-Sha256": "bm9wZQ=="}],
    ids=["missing", "wrong"],
)
def test_bad_signature_is_401(
    app: Flask, client: FlaskClient, headers: dict[str, str]
) -> None:
    make_member(app, email="hanako@example.com")
    answer = client.post(
        "/webhooks/ec/orders",
        data=json.dumps(order()),
        headers=headers,
        content_type="application/json",
    )
    assert answer.status_code == 401
    assert signed_post(client, "orders", order(), secret="other").status_code == 401
    assert purchases(app) == []


@pytest.mark.parametrize(
    "document",
    [[1, 2], {"email": "a@b.c"}, order(total_price="x", subtotal_price=None)],
)
def test_malformed_order_is_422(client: FlaskClient, document: Any) -> None:
    assert signed_post(client, "orders", document).status_code == 422


FAR_PAST, FAR_AHEAD = "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-14:00"


@pytest.mark.parametrize(
    ("path", "document"),
    [
        ("orders", order(processed_at=FAR_PAST)),
        ("orders", order(created_at=FAR_AHEAD)),
        ("fulfillments", {"order_id": 450789469, "created_at": FAR_AHEAD}),
        (
            "fulfillments",
            {
                "order_id": 450789469,
                "shipment_status": "delivered",
                "updated_at": FAR_AHEAD,
            },
        ),
        ("checkouts", {"token": "t-1", "updated_at": FAR_PAST}),
        ("checkouts", {"token": "t-1", "completed_at": FAR_AHEAD}),
    ],
)
def test_a_time_no_column_can_hold_is_422_and_changes_nothing(
    app: Flask, client: FlaskClient, path: str, document: dict[str, Any]
) -> None:
    # Each was a 500 (a date out of range when stored or added to).
    assert signed_post(client, path, document).status_code == 422
    assert purchases(app) == []


def test_order_thanks_then_review_only_after_delivery(
    app: Flask, client: FlaskClient, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user("山田 花子")
    make_member(app, line_user_id=user_id, email="hanako@example.com")
    signed_post(client, "orders", order())
    worker()
    [(_, thanks)] = line.texts_to(user_id)
    assert "ご注文ありがとうございます" in thanks and "450789469" in thanks

    shipped = signed_post(
        client, "fulfillments", {"id": 1, "order_id": 450789469, "status": "success"}
    )
    assert shipped.get_json()["status"] == "shipped"
    [row] = purchases(app)
    assert row.shipped_at is not None and row.review_due_at is None

    delivered_at = utcnow() - timedelta(days=2)
    answer = signed_post(
        client,
        "fulfillments",
        {
            "id": 1,
            "order_id": 450789469,
            "shipment_status": "delivered",
            "updated_at": delivered_at.isoformat(),
        },
    )
    assert answer.get_json()["status"] == "delivered"
    [row] = purchases(app)
    assert row.review_due_at == delivered_at + timedelta(days=7)
    with app.app_context():
        send_review_request(row.id)  # five days early: nothing is sent
        send_due_follow_ups()  # nor by the minute sweep
    worker()
    assert len(line.texts_to(user_id)) == 1

    with app.app_context():
        db.session.execute(
            sa.update(Purchase).values(review_due_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
        enqueue(send_due_follow_ups)
        enqueue(send_due_follow_ups)
    worker()
    texts = [text for _, text in line.texts_to(user_id)]
    assert len(texts) == 2 and "レビュー" in texts[1]
    [row] = purchases(app)
    assert row.review_requested_at is not None and row.review_result == "pushed"


def test_fulfillment_for_an_unknown_order_is_acknowledged(client: FlaskClient) -> None:
    answer = signed_post(client, "fulfillments", {"id": 1, "order_id": 999})
    assert (answer.status_code, answer.get_json()["status"]) == (200, "unknown_order")
