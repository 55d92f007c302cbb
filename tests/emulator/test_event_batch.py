"""Bulk-built webhook bodies for load generators, and the call statistics."""

from __future__ import annotations

import json

import pytest

from line_emulator.client import ControlApiError, EmulatorClient
from line_emulator.webhooks import sign
from tests.emulator.conftest import CHANNEL_SECRET, LineHttp, WebhookReceiver


def test_batch_bodies_are_signed_unique_and_repliable(
    control: EmulatorClient, line_http: LineHttp, webhook_receiver: WebhookReceiver
) -> None:
    batch = control.build_webhooks("text", 3, users=2, text="hello")
    bodies = [item["body"].encode() for item in batch["webhooks"]]
    events = [json.loads(body)["events"] for body in bodies]
    reply = line_http(
        "POST",
        "/v2/bot/message/reply",
        json_body={
            "replyToken": events[2][0]["replyToken"],
            "messages": [{"type": "text", "text": "ok"}],
        },
    )

    assert [item["signature"] for item in batch["webhooks"]] == [
        sign(CHANNEL_SECRET, body) for body in bodies
    ]
    assert [len(found) for found in events] == [1, 1, 1]
    assert len({found[0]["webhookEventId"] for found in events}) == 3
    assert [found[0]["source"]["userId"] for found in events] == [
        batch["userIds"][0],
        batch["userIds"][1],
        batch["userIds"][0],
    ]
    assert events[0][0]["message"]["text"] == "hello"
    assert {user["userId"] for user in control.users()} == set(batch["userIds"])
    assert reply.status == 200
    assert webhook_receiver.received == []
    stats = control.stats()
    assert stats["deliveries"] == {"reply": 1}
    assert stats["callsByStatus"] == {"200": 1}
    assert stats["lastDeliveryAt"] is not None


def test_batch_for_known_users_can_be_redelivered(
    control: EmulatorClient, webhook_receiver: WebhookReceiver, friend_id: str
) -> None:
    batch = control.build_webhooks("postback", 1, users=[friend_id], data="a=1")
    event = json.loads(batch["webhooks"][0]["body"])["events"][0]

    answer = control.redeliver(event["webhookEventId"])

    assert batch["userIds"] == [friend_id]
    assert answer["status"] == 200
    assert webhook_receiver.received[0]["json"]["events"][0]["postback"] == {
        "data": "a=1"
    }


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "text", "count": 0, "users": 1},
        {"kind": "text", "count": 100_001, "users": 1},
        {"kind": "dance", "count": 1, "users": 1},
        {"kind": "text", "count": 1, "users": 0},
        {"kind": "text", "count": 1, "users": ["U" + "3" * 32]},
    ],
)
def test_batch_refusals(control: EmulatorClient, body: dict[str, object]) -> None:
    with pytest.raises(ControlApiError) as refused:
        control._call("POST", "/events/batch", {**body, "fields": {"text": "x"}})
    assert refused.value.status == 400
    assert control.users() == []
