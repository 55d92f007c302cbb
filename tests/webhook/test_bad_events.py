"""Signed bodies the database cannot store get a 4xx of their own, never a 500."""

from __future__ import annotations

import json
import logging
import threading

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import db
from bot.webhook.models import WebhookEvent
from bot.webhook.parsing import IncomingEvent
from tests.helpers import event_body, raw_event, sign
from tests.webhook.test_callback_refusals import post, queued_jobs, stored_events

SECRET_TEXT = "秘密の相談です"


def _text_event(text: str = SECRET_TEXT, **fields: object) -> dict:
    return raw_event(
        "message",
        replyToken="r1",
        message={"type": "text", "id": "1", "text": text},
        **fields,
    )


def _raw(event: dict, old: str, new: str) -> bytes:
    """Return an envelope whose JSON text has `old` replaced (for what
    json.dumps would never write)."""
    return event_body(event).replace(old.encode(), new.encode())


def _nested(depth: int) -> bytes:
    event = _text_event()
    body = event_body(event).decode()
    deep = "[" * depth + "]" * depth
    return body.replace(
        '"mode": "active"', f'"mode": "active", "extra": {deep}'
    ).encode()


BAD_BODIES = {
    "nul in text": _raw(_text_event("XNULX"), "XNULX", "a\\u0000b"),
    "nul in event id": _raw(
        _text_event(), '"webhookEventId": "', '"webhookEventId": "\\u0000'
    ),
    "lone surrogate": _raw(_text_event("XSURX"), "XSURX", "a\\ud800b"),
    "NaN": _raw(_text_event(), '"timestamp": 1700000000000', '"timestamp": NaN'),
    "Infinity": _raw(_text_event(), '"text": "', '"n": Infinity, "text": "'),
    "1,000-deep nesting": _nested(1000),
    "5,000-digit integer": _raw(
        _text_event(), '"mode": "active"', '"n": ' + "1" * 5000 + ', "mode": "active"'
    ),
    "65-character userId": event_body(
        _text_event(),
    ).replace(b'"userId": "U' + b"0" * 32, b'"userId": "U' + b"0" * 64),
}


@pytest.mark.parametrize("body", list(BAD_BODIES.values()), ids=list(BAD_BODIES))
def test_unstorable_event_is_refused_with_400_and_stores_nothing(
    app: Flask, client: FlaskClient, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    status, answer = post(client, body, sign(body))
    assert status == 400
    assert answer["error"].startswith("malformed body")
    assert stored_events(app) == 0
    assert queued_jobs(app) == 0
    logged = "\n".join(
        r.getMessage() + json.dumps(r.__dict__, default=str) for r in caplog.records
    )
    assert SECRET_TEXT not in logged


def test_timestamp_past_any_date_is_stored_without_a_time(
    app: Flask, client: FlaskClient
) -> None:
    event = _text_event()
    body = _raw(event, '"timestamp": 1700000000000', '"timestamp": 1e300')
    status, _ = post(client, body, sign(body))
    assert status == 200
    with app.app_context():
        row = db.session.scalar(sa.select(WebhookEvent))
        assert row is not None
        assert (row.webhook_event_id, row.occurred_at) == (
            event["webhookEventId"],
            None,
        )
        assert row.payload["timestamp"] == 1e300


def test_event_the_database_refuses_fails_only_its_own_delivery(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    # One round holds four deliveries; one carries an event that got past
    # the request's checks but that PostgreSQL refuses (a user id too long
    # for its column). The other three are stored and answered 200.
    caplog.set_level(logging.INFO)
    intake = app.extensions["webhook_intake"]
    good = [_text_event(user_id=f"U{n:032x}") for n in range(3)]
    bad = _text_event(user_id="U" + "f" * 80)
    deliveries = [[_incoming(e)] for e in [good[0], bad, good[1], good[2]]]
    outcomes: dict[int, str] = {}
    release = threading.Event()
    real_write = intake.write
    writes: list[int] = []

    def write_after_all_wait(events: list[IncomingEvent]) -> object:
        writes.append(len(events))
        if len(writes) == 1:
            release.wait(5)  # the first round's writer waits for the rest
        return real_write(events)

    intake.write = write_after_all_wait

    def deliver(n: int, events: list[IncomingEvent]) -> None:
        with app.app_context():
            try:
                intake.accept(events)
                outcomes[n] = "stored"
            except Exception as exc:  # noqa: BLE001 - the test records it
                outcomes[n] = type(exc).__name__

    threads = [
        threading.Thread(target=deliver, args=(n, d)) for n, d in enumerate(deliveries)
    ]
    threads[0].start()
    while not writes:
        threading.Event().wait(0.01)
    for t in threads[1:]:
        t.start()
    threading.Event().wait(0.2)
    release.set()
    for t in threads:
        t.join()
    intake.write = real_write

    assert writes[1] == 3  # the three behind the first shared one round
    assert outcomes[0] == outcomes[2] == outcomes[3] == "stored"
    assert outcomes[1] != "stored"
    with app.app_context():
        stored = set(db.session.scalars(sa.select(WebhookEvent.webhook_event_id)))
    assert stored == {e["webhookEventId"] for e in good}
    assert queued_jobs(app) == 3
    logged = "\n".join(
        r.getMessage() + json.dumps(r.__dict__, default=str) for r in caplog.records
    )
    assert SECRET_TEXT not in logged and "f" * 80 not in logged


def _incoming(event: dict) -> IncomingEvent:
    return IncomingEvent(
        webhook_event_id=event["webhookEventId"],
        event_type=event["type"],
        line_user_id=event["source"]["userId"],
        is_redelivery=False,
        occurred_at=None,
        payload=event,
    )
