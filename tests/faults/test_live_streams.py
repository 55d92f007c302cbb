"""Open console streams never take the threads LINE's webhook deliveries need.

Real gunicorn, as in README's production lines: the web process with gthread
workers, and the live process (gevent) that serves `/operator/events`.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.faults.processes import bot_environment, gunicorn
from tests.handoff.helpers import signed_in_operator
from tests.helpers import event_body, free_port, raw_event, sign

THREADS = 4
SETTINGS = {
    "OPERATOR_STREAM_HEARTBEAT_SECONDS": 0.5,
    "OPERATOR_STREAMS_PER_OPERATOR": 4,
    "OPERATOR_STREAMS_PER_THREADED_PROCESS": 2,
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(SETTINGS)


@pytest.fixture
def servers(app: Flask, emulator: Any, tmp_path: Path) -> Iterator[tuple[int, int]]:
    """Run the web process (gthread) and the live process (gevent)."""
    env = bot_environment(emulator, **SETTINGS)
    web_port, live_port = free_port(), free_port()
    web = gunicorn(
        env, web_port, tmp_path / "web.log", "-w", "1", "-k", "gthread",
        "--threads", str(THREADS),
    )  # fmt: skip
    live = gunicorn(
        env, live_port, tmp_path / "live.log", "-w", "1", "-k", "gevent",
        "--worker-connections", "200",
    )  # fmt: skip
    yield web_port, live_port
    web.stop()
    live.stop()


def _open_stream(port: int, cookie: str) -> tuple[int, http.client.HTTPConnection]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/operator/events", headers={"Cookie": cookie})
    response = connection.getresponse()
    if response.status == 200:
        assert b"connected" in response.readline() + response.readline()
    else:
        response.read()
    return response.status, connection


def _cookie(app: Flask, email: str) -> str:
    client = signed_in_operator(app, email)
    session = client.get_cookie("session")
    assert session is not None
    return f"session={session.value}"


def test_webhook_answers_while_more_streams_are_open_than_threads(
    app: Flask, servers: tuple[int, int]
) -> None:
    web_port, live_port = servers
    cookies = [_cookie(app, f"op{n}@example.com") for n in range(4)]
    held: list[http.client.HTTPConnection] = []
    try:
        # Three operators with four console tabs each on the live process.
        for cookie in cookies[:3]:
            for _ in range(4):
                status, connection = _open_stream(live_port, cookie)
                held.append(connection)
                assert status == 200
        # A fifth tab of the same operator is refused.
        status, connection = _open_stream(live_port, cookies[0])
        held.append(connection)
        assert status == 429

        # Streams sent to the web process itself (no proxy in front, or a
        # misrouted one) may hold only a few of its threads.
        statuses = []
        for _ in range(THREADS + 2):
            status, connection = _open_stream(web_port, cookies[3])
            held.append(connection)
            statuses.append(status)
        assert sorted(statuses) == [200] * 2 + [503] * THREADS

        # Fourteen streams are open and the web process has four threads:
        # LINE's delivery and the health check still get their answer.
        body = event_body(raw_event("follow", replyToken="r1"))
        webhook = http.client.HTTPConnection("127.0.0.1", web_port, timeout=30)
        held.append(webhook)
        webhook.request(
            "POST",
            "/callback",
            body=body,
            headers={
                "Content-Type": "application/json",
                "X-Line-Signature": sign(body),
            },
        )
        assert webhook.getresponse().status == 200
        health = http.client.HTTPConnection("127.0.0.1", web_port, timeout=30)
        held.append(health)
        health.request("GET", "/healthz")
        assert health.getresponse().status == 200
    finally:
        for connection in held:
            connection.close()
