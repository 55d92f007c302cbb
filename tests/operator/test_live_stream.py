"""The console's live stream: events from any process, heartbeats, clean exits."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from bot.handoff.live import CHANNEL
from tests.conftest import LineSide
from tests.handoff.helpers import Drain, conversations_of, signed_in_operator


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "BUSINESS_HOURS": "Mon-Sun 00:00-24:00",
        "OPERATOR_STREAM_HEARTBEAT_SECONDS": 0.2,
    }


def open_stream(app: Flask, bot_url: str) -> http.client.HTTPResponse:
    client = signed_in_operator(app, "sato@example.com")
    cookie = client.get_cookie("session")
    assert cookie is not None
    parts = urlsplit(bot_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request(
        "GET", "/operator/events", headers={"Cookie": f"session={cookie.value}"}
    )
    return connection.getresponse()


def next_event(stream: http.client.HTTPResponse) -> str:
    lines = []
    while True:
        line = stream.readline().decode().rstrip("\n")
        if line == "" and lines:
            return "\n".join(lines)
        if line:
            lines.append(line)


def subscribers(app: Flask) -> int:
    return dict(app.extensions["redis"].pubsub_numsub(CHANNEL)).get(CHANNEL.encode(), 0)


def test_stream_sends_changes_and_heartbeats_then_ends_with_the_client(
    app: Flask, line: LineSide, worker: Drain, bot_url: str
) -> None:
    stream = open_stream(app, bot_url)
    assert stream.status == 200
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    assert "connected" in next_event(stream)
    assert next_event(stream) == ": heartbeat"

    user_id = line.add_user()
    line.send(line.text(user_id, "スタッフと話したい"))
    worker()
    [conversation] = conversations_of(app, user_id)
    received = []
    while not received or received[-1]["type"] != "queue":
        event = next_event(stream)
        if event.startswith("data: "):
            received.append(json.loads(event[len("data: ") :]))
    assert {"type": "queue", "conversation": conversation.id} in received
    assert subscribers(app) == 1

    stream.close()
    deadline = time.monotonic() + 10
    while subscribers(app) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert subscribers(app) == 0
