"""Rate limits are LINE's per channel: every process counts against the same one."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from flask import Flask

from bot import create_app
from bot.line.delivery import retry_key_for
from bot.line.multicast import send_multicast
from bot.line.rate_limits import SharedRateLimit
from tests.conftest import LineSide, _settings

PROCESSES = 3


def test_workers_sending_segments_at_once_stay_within_lines_limit(
    app: Flask, emulator: Any, line: LineSide
) -> None:
    # Three workers (each its own app, LINE client and limiter, as three
    # processes would have) multicast at once. LINE allows 3 a second; each
    # is set to 2 a second, which only holds if they count together.
    line.platform.configure(rate_limits={"/v2/bot/message/multicast": 3})
    users = [line.add_user(f"客{n}") for n in range(PROCESSES)]
    apps = [
        create_app(_settings(emulator, MULTICAST_RATE_PER_SECOND=2))
        for _ in range(PROCESSES)
    ]
    start = threading.Barrier(PROCESSES)

    def send(n: int) -> None:
        with apps[n].app_context():
            start.wait()
            for batch in range(3):
                message = {"type": "text", "text": f"セール{batch}"}
                send_multicast([users[n]], [message], retry_key_for("test", n, batch))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(PROCESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = Counter(c.status for c in line.calls("/v2/bot/message/multicast"))
    assert statuses == {200: 9}
    for user in users:
        assert len(line.texts_to(user)) == 3


def test_taking_several_slots_is_all_or_nothing(app: Flask) -> None:
    redis = app.extensions["redis"]
    first = SharedRateLimit(redis, "test", limit=5, window=60)
    second = SharedRateLimit(redis, "test", limit=5, window=60)
    assert first.try_take(3) == 0
    assert second.try_take(3) > 0  # only two left: none taken
    assert second.try_take(2) == 0
    assert first.try_take() > 0
    with pytest.raises(ValueError, match="exceed"):
        first.try_take(6)
