"""A store purchase gets one thank-you push, later; blocked users get nothing."""

from __future__ import annotations

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
from bot.purchases.jobs import send_due_follow_ups, send_purchase_thanks
from bot.purchases.models import Purchase
from tests.conftest import LineSide
from tests.pos.factories import bearer, make_member, make_store

Drain = Callable[..., None]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"THANKS_DELAY_MINUTES": 0}


def buy(app: Flask, client: FlaskClient, member_no: str, receipt: str = "R-1") -> int:
    key = make_store(app) if receipt == "R-1" else None
    answer = client.post(
        "/api/pos/transactions",
        json={"member_no": member_no, "receipt_no": receipt, "amount": 2480},
        headers=bearer(key or ""),
    )
    assert answer.status_code == 201
    return answer.get_json()["purchase"]["id"]


def purchase_row(app: Flask, purchase_id: int) -> Purchase:
    with app.app_context():
        row = db.session.get(Purchase, purchase_id)
        assert row is not None
        db.session.expunge(row)
        return row


def test_store_purchase_is_thanked_once(
    app: Flask, client: FlaskClient, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user("山田 花子")
    member = make_member(app, line_user_id=user_id)
    purchase_id = buy(app, client, member["member_no"])
    worker()
    # A duplicated job and a sweep after the fact send nothing more.
    with app.app_context():
        enqueue(send_purchase_thanks, purchase_id)
        enqueue(send_due_follow_ups)
    worker()
    [(via, text)] = line.texts_to(user_id)
    assert via == "push"
    assert text.startswith(
        "山田 花子様、本日は渋谷店でお買い物いただきありがとうございました"
    )
    assert "24 ポイント" in text
    row = purchase_row(app, purchase_id)
    assert row.thanked_at is not None and row.thanks_result == "pushed"
    [call] = line.calls("/v2/bot/message/push")
    assert call.headers.get("X-Line-Retry-Key")


def test_blocked_user_gets_no_thanks(
    app: Flask, client: FlaskClient, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user("佐藤")
    member = make_member(app, line_user_id=user_id, friend=False)
    purchase_id = buy(app, client, member["member_no"])
    worker()
    assert line.deliveries_to(user_id) == []
    assert purchase_row(app, purchase_id).thanks_result == "blocked"


def test_thanks_is_retried_after_a_line_outage_and_sent_once(
    app: Flask, client: FlaskClient, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user("鈴木")
    member = make_member(app, line_user_id=user_id)
    line.fault("/v2/bot/message/push", 500, count=1, mode="after")
    purchase_id = buy(app, client, member["member_no"])
    worker()
    assert len([d for d in line.deliveries_to(user_id) if d.delivered]) == 1
    assert purchase_row(app, purchase_id).thanks_result in ("pushed", "already")


@pytest.mark.parametrize("settings_overrides", [{"THANKS_DELAY_MINUTES": 30}])
def test_thanks_waits_until_due(
    app: Flask, client: FlaskClient, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user("高橋")
    member = make_member(app, line_user_id=user_id)
    purchase_id = buy(app, client, member["member_no"])
    with app.app_context():
        send_purchase_thanks(purchase_id)  # too early: nothing happens
        send_due_follow_ups()
    # Nothing waits in Redis for 30 minutes: the minute sweep reads due times
    # from the database, and sends the thank-you once it is due.
    worker()
    assert line.deliveries_to(user_id) == []
    assert purchase_row(app, purchase_id).thanked_at is None
    with app.app_context():
        db.session.execute(
            sa.update(Purchase).values(thanks_due_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
        enqueue(send_due_follow_ups)
    worker()
    assert len(line.texts_to(user_id)) == 1
