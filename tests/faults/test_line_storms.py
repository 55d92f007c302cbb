"""LINE answering 429 and 500 in storms: every message still arrives exactly once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import LineSide
from tests.faults.conftest import event_statuses, wait_for
from tests.faults.processes import Process, bot_environment, worker
from tests.handoff.helpers import load_shipped_faq

USERS = 8
LATE = 3  # customers whose answer comes after their reply token died


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"SEGMENT_BATCH_SIZE": 3}


def _all_done(app: Flask, count: int) -> bool:
    statuses = event_statuses(app)
    return len(statuses) == count and set(statuses.values()) == {"done"}


def test_every_message_arrives_once_through_429_and_500_storms(
    app: Flask,
    emulator: Any,
    line: LineSide,
    children: list[Process],
    tmp_path: Path,
) -> None:
    load_shipped_faq(app)
    env = bot_environment(
        emulator, JOB_MIN_BACKOFF_MS=10, JOB_MAX_BACKOFF_MS=200, JOB_MAX_RETRIES=12
    )
    children.append(worker(env, tmp_path / "worker.log"))
    users = [line.add_user(f"客{n}") for n in range(USERS)]

    # Replies: refused (429, 500 before LINE handled them) and accepted but
    # answered 500 (LINE handled them; the token is then used).
    line.fault("/v2/bot/message/reply", 429, count=6)
    line.fault("/v2/bot/message/reply", 500, count=3, mode="before")
    line.fault("/v2/bot/message/reply", 500, count=3, mode="after")
    line.fault("/v2/bot/message/reply", 503, count=2, mode="before")
    assert line.send(*[line.follow(u) for u in users]) == 200
    wait_for(lambda: _all_done(app, USERS), 90, "the welcomes")

    # Pushes (the reply token had died): the same storms.
    line.platform.configure(reply_token_ttl=0)
    line.fault("/v2/bot/message/push", 500, count=2, mode="after")
    line.fault("/v2/bot/message/push", 429, count=3)
    line.fault("/v2/bot/message/push", 500, count=2, mode="before")
    for user_id in users[:LATE]:
        assert line.send(line.text(user_id, "ポイントの有効期限はいつまで？")) == 200
    wait_for(lambda: _all_done(app, USERS + LATE), 90, "the answers")

    # A segment send by multicast, batches of three.
    line.fault("/v2/bot/message/multicast", 500, count=1, mode="after")
    line.fault("/v2/bot/message/multicast", 429, count=2)
    line.fault("/v2/bot/message/multicast", 500, count=1, mode="before")
    result = app.test_cli_runner().invoke(
        args=["segment", "send", "--unlinked", "--text", "週末セールのお知らせ"]
    )
    assert result.exit_code == 0, result.output

    faults_left = line.platform.state.faults.faults
    assert faults_left == []  # every storm reached the bot
    for n, user_id in enumerate(users):
        vias = Counter(via for via, _ in line.texts_to(user_id))
        expected = {"reply": 1, "multicast": 1} | ({"push": 1} if n < LATE else {})
        assert vias == expected, user_id
    calls = Counter(c.status for c in line.calls("/v2/bot/message/*"))
    assert calls[429] == 11 and calls[409] >= 1
