"""`python -m line_emulator`: one process that keeps connections alive, as LINE does."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from line_emulator.client import EmulatorClient
from tests.helpers import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "standalone-token"
START_TIMEOUT = 30.0


@pytest.fixture
def standalone_port() -> Iterator[int]:
    """Run `python -m line_emulator` on a free port until the test ends."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "line_emulator", "--port", str(port)]
        + ["--access-token", TOKEN],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the emulator did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)


def test_calls_share_one_connection_and_state(standalone_port: int) -> None:
    control = EmulatorClient(f"http://127.0.0.1:{standalone_port}")
    batch = control.build_webhooks("text", 1, text="hello")
    token = json.loads(batch["webhooks"][0]["body"])["events"][0]["replyToken"]
    body = {"replyToken": token, "messages": [{"type": "text", "text": "hi"}]}
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", standalone_port, timeout=10)
    try:
        connection.request("GET", "/v2/bot/info", headers=headers)
        connection.getresponse().read()
        first_socket = connection.sock
        connection.request("POST", "/v2/bot/message/reply", json.dumps(body), headers)
        reply = connection.getresponse()
        reply.read()
        reply_socket = connection.sock
        connection.request("POST", "/v2/bot/message/reply", json.dumps(body), headers)
        refused = connection.getresponse()
        refused_body = json.loads(refused.read())
        last_socket = connection.sock
    finally:
        connection.close()

    assert reply.status == 200
    assert reply.getheader("Connection", "").lower() != "close"
    # http.client drops a connection the server closes and opens a new one.
    assert first_socket is not None
    assert reply_socket is first_socket
    assert last_socket is first_socket
    # The same process answered: the token it issued was accepted, then spent.
    assert refused.status == 400
    assert refused_body["message"] == "Invalid reply token"
