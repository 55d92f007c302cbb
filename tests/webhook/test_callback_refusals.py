"""Bad webhook deliveries get a precise 4xx and change nothing."""

from __future__ import annotations

import json
import logging

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import db
from bot.webhook.models import WebhookEvent
from tests.helpers import event_body, raw_event, sign


def stored_events(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent))


def queued_jobs(app: Flask) -> int:
    """Return how many events wait in the queue (a job may carry several)."""
    from dramatiq import Message

    broker = app.extensions["jobs"].broker
    events = 0
    for queue in broker.get_declared_queues():
        for data in broker.client.hvals(f"{broker.namespace}:{queue}.msgs"):
            message = Message.decode(data)
            events += len(message.args[0]) if message.args else 0
    return events


def post(client: FlaskClient, body: bytes, signature: str | None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Line-Signature"] = signature
    response = client.post("/callback", data=body, headers=headers)
    return response.status_code, response.get_json(silent=True) or {}


@pytest.mark.parametrize(
    "signature",
    [None, "", "not-base64!", sign(b"another body"), sign(b"x", "wrong-secret")],
    ids=["missing", "empty", "garbage", "other-body", "other-secret"],
)
def test_bad_signature_is_400_and_stores_nothing(
    app: Flask, client: FlaskClient, signature: str | None
) -> None:
    body = event_body(
        raw_event("message", message={"type": "text", "id": "1", "text": "hi"})
    )
    status, answer = post(client, body, signature)
    assert status == 400
    assert answer == {"error": "invalid signature"}
    assert stored_events(app) == 0
    assert queued_jobs(app) == 0


def test_signature_of_modified_body_is_refused(app: Flask, client: FlaskClient) -> None:
    body = event_body(raw_event("follow"))
    signature = sign(body)
    status, _ = post(client, body.replace(b"follow", b"unfollow"), signature)
    assert status == 400
    assert stored_events(app) == 0


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe binary",
        b"[]",
        b'{"destination": "U1"}',
        b'{"events": {}}',
        b'{"events": ["x"]}',
        json.dumps({"events": [{"type": "follow"}]}).encode(),
        json.dumps({"events": [{"webhookEventId": "01H"}]}).encode(),
    ],
    ids=[
        "broken",
        "binary",
        "array",
        "no-events",
        "events-object",
        "event-string",
        "no-event-id",
        "no-type",
    ],
)
def test_signed_but_malformed_body_is_400(
    app: Flask, client: FlaskClient, body: bytes
) -> None:
    status, answer = post(client, body, sign(body))
    assert status == 400
    assert answer["error"].startswith("malformed body")
    assert stored_events(app) == 0
    assert queued_jobs(app) == 0


def test_body_over_one_mebibyte_is_413(app: Flask, client: FlaskClient) -> None:
    event = raw_event(
        "message", message={"type": "text", "id": "1", "text": "x" * (1 << 20)}
    )
    body = event_body(event)
    status, _ = post(client, body, sign(body))
    assert status == 413
    assert stored_events(app) == 0


def test_console_verify_request_is_200(app: Flask, client: FlaskClient) -> None:
    body = event_body()
    status, answer = post(client, body, sign(body))
    assert status == 200
    assert answer == {"status": "ok"}
    assert stored_events(app) == 0


def test_refusal_logs_carry_no_body_or_secret(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = event_body(
        raw_event(
            "message", message={"type": "text", "id": "1", "text": "秘密の相談です"}
        )
    )
    post(client, body, sign(body, "forged"))
    post(client, b"{broken " + "秘密".encode(), sign(b"{broken " + "秘密".encode()))
    logged = "\n".join(
        r.getMessage() + json.dumps(r.__dict__, default=str) for r in caplog.records
    )
    assert "webhook refused" in logged
    assert "秘密" not in logged
    assert "test-channel-secret" not in logged
