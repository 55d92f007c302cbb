"""Good webhook deliveries are stored once, queued once, and acknowledged."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import db
from bot.webhook.models import PENDING, WebhookEvent
from tests.helpers import event_body, raw_event, sign
from tests.webhook.test_callback_refusals import post, queued_jobs


def all_events(app: Flask) -> list[WebhookEvent]:
    with app.app_context():
        rows = list(
            db.session.scalars(sa.select(WebhookEvent).order_by(WebhookEvent.id))
        )
        db.session.expunge_all()
        return rows


def test_events_are_stored_and_queued(app: Flask, client: FlaskClient) -> None:
    follow = raw_event("follow", replyToken="r1", follow={"isUnblocked": False})
    message = raw_event(
        "message",
        replyToken="r2",
        message={"type": "text", "id": "9", "text": "こんにちは"},
    )
    body = event_body(follow, message)
    status, _ = post(client, body, sign(body))
    assert status == 200
    rows = all_events(app)
    assert [(r.webhook_event_id, r.event_type, r.status) for r in rows] == [
        (follow["webhookEventId"], "follow", PENDING),
        (message["webhookEventId"], "message", PENDING),
    ]
    assert rows[1].payload == message
    assert rows[0].line_user_id == follow["source"]["userId"]
    assert queued_jobs(app) == 2


def test_redelivery_is_stored_once(app: Flask, client: FlaskClient) -> None:
    event = raw_event(
        "message", replyToken="r", message={"type": "text", "id": "1", "text": "a"}
    )
    body = event_body(event)
    assert post(client, body, sign(body))[0] == 200
    event["deliveryContext"]["isRedelivery"] = True
    again = event_body(event)
    assert post(client, again, sign(again))[0] == 200
    assert len(all_events(app)) == 1
    assert queued_jobs(app) == 1


def test_unknown_and_unparseable_events_are_accepted(
    app: Flask, client: FlaskClient
) -> None:
    events = [
        raw_event("join"),
        raw_event("leave"),
        raw_event("unsend", unsend={"messageId": "1"}),
        raw_event("videoPlayComplete", videoPlayComplete={"trackingId": "t"}),
        raw_event("membership", membership={"type": "joined", "membershipId": 3}),
        raw_event("somethingNew", surprise=[1, {"deep": None}]),
        {"type": "message", "webhookEventId": "01NOSOURCE", "message": "not an object"},
    ]
    body = event_body(*events)
    status, _ = post(client, body, sign(body))
    assert status == 200
    assert [r.event_type for r in all_events(app)] == [e["type"] for e in events]


def test_racing_deliveries_store_and_queue_once(app: Flask) -> None:
    event = raw_event(
        "message", replyToken="r", message={"type": "text", "id": "1", "text": "a"}
    )
    body = event_body(event)
    signature = sign(body)
    start = threading.Barrier(8)
    statuses: list[int] = []

    def deliver() -> None:
        client = app.test_client()
        start.wait()
        statuses.append(post(client, body, signature)[0])

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 8
    assert len(all_events(app)) == 1
    assert queued_jobs(app) == 1
