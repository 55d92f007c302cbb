"""Injected faults (before or after LINE processed the call), rate limits, latency."""

from __future__ import annotations

import time
import uuid

from line_emulator import webhooks
from line_emulator.client import EmulatorClient
from line_emulator.server import EmulatorServer
from tests.emulator.conftest import HttpAnswer, LineHttp

TEXT = {"type": "text", "text": "hi"}


def _reply(line_http: LineHttp, token: str) -> HttpAnswer:
    return line_http(
        "POST",
        "/v2/bot/message/reply",
        json_body={"replyToken": token, "messages": [TEXT]},
    )


def test_fault_before_processing_leaves_the_token_usable(
    emulator_server: EmulatorServer,
    control: EmulatorClient,
    line_http: LineHttp,
    friend_id: str,
) -> None:
    token = webhooks.text_message_event(emulator_server.platform, friend_id, "x")[
        "replyToken"
    ]
    control.inject_fault("/v2/bot/message/reply", status=503, mode="before")

    failed, retried = _reply(line_http, token), _reply(line_http, token)

    assert failed.status == 503
    assert retried.status == 200
    assert len(emulator_server.platform.deliveries(friend_id)) == 1


def test_fault_after_processing_consumes_the_token(
    emulator_server: EmulatorServer,
    control: EmulatorClient,
    line_http: LineHttp,
    friend_id: str,
) -> None:
    token = webhooks.text_message_event(emulator_server.platform, friend_id, "x")[
        "replyToken"
    ]
    control.inject_fault("/v2/bot/message/reply", status=500, mode="after")

    failed, retried = _reply(line_http, token), _reply(line_http, token)

    assert failed.status == 500
    assert (retried.status, retried.body["message"]) == (400, "Invalid reply token")
    assert len(emulator_server.platform.deliveries(friend_id)) == 1


def test_push_retry_after_a_timeout_like_fault_is_409(
    emulator_server: EmulatorServer,
    control: EmulatorClient,
    line_http: LineHttp,
    friend_id: str,
) -> None:
    control.inject_fault("/v2/bot/message/push", status=500, mode="after", count=1)
    headers = {"X-Line-Retry-Key": str(uuid.uuid4())}
    body = {"to": friend_id, "messages": [TEXT]}

    first = line_http("POST", "/v2/bot/message/push", json_body=body, headers=headers)
    retry = line_http("POST", "/v2/bot/message/push", json_body=body, headers=headers)

    assert (first.status, retry.status) == (500, 409)
    assert (
        retry.headers["x-line-accepted-request-id"]
        == (first.headers["x-line-request-id"])
    )
    assert len(retry.body["sentMessages"]) == 1
    assert len(emulator_server.platform.deliveries(friend_id)) == 1


def test_fault_counts_down_and_matches_patterns(
    control: EmulatorClient, line_http: LineHttp
) -> None:
    control.inject_fault("/v2/bot/message/quota*", status=429, count=2, method="GET")
    statuses = [line_http("GET", "/v2/bot/message/quota").status for _ in range(3)]
    assert statuses == [429, 429, 200]


def test_rate_limit_answers_429(control: EmulatorClient, line_http: LineHttp) -> None:
    control.configure(rate_limits={"/v2/bot/message/quota": 3})
    answers = [line_http("GET", "/v2/bot/message/quota") for _ in range(5)]
    other = line_http("GET", "/v2/bot/message/quota/consumption")
    assert [answer.status for answer in answers] == [200, 200, 200, 429, 429]
    assert answers[-1].body == {
        "message": "The API rate limit has been exceeded. Try again later."
    }
    assert other.status == 200


def test_latency(control: EmulatorClient, line_http: LineHttp) -> None:
    control.configure(latency_ms=150)
    started = time.monotonic()
    line_http("GET", "/v2/bot/message/quota")
    assert time.monotonic() - started >= 0.15
