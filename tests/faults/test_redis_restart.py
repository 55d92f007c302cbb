"""Redis stopped and started again under webhook load: nothing lost, nothing doubled."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from flask import Flask

from bot import create_app
from bot.extensions import db
from tests.conftest import LineSide, _settings
from tests.faults.conftest import event_statuses, wait_for
from tests.faults.processes import (
    Process,
    bot_environment,
    gunicorn,
    redis_server,
    worker,
)
from tests.handoff.helpers import load_shipped_faq
from tests.helpers import free_port

USERS = 8
MESSAGES_EACH = 5


def test_redis_restart_under_webhook_load_loses_and_doubles_nothing(
    app: Flask,
    emulator: Any,
    line_side: LineSide,
    children: list[Process],
    tmp_path: Path,
) -> None:
    line = line_side
    load_shipped_faq(app)  # each question gets its answer
    redis_port, web_port = free_port(), free_port()
    redis = redis_server(redis_port, tmp_path / "redis-1.log")
    children.append(redis)
    env = bot_environment(
        emulator,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        USER_LOCK_SECONDS=5,
        JOB_MAX_BACKOFF_MS=500,
        JOB_MAX_RETRIES=10,
    )
    web = gunicorn(
        env, web_port, tmp_path / "web.log", "-w", "2", "-k", "gthread",
        "--threads", "4",
    )  # fmt: skip
    children.append(web)
    children.append(worker(env, tmp_path / "worker.log"))
    line.platform.configure(webhook_url=f"http://127.0.0.1:{web_port}/callback")

    users = [line.add_user(f"客{n}") for n in range(USERS)]
    sent: list[dict[str, Any]] = []
    statuses: list[int] = []
    guard = threading.Lock()

    def customer(user_id: str) -> None:
        for _ in range(MESSAGES_EACH):
            event = line.text(user_id, "ポイントの有効期限はいつまで？")
            status = line.send(event)
            with guard:
                sent.append(event)
                statuses.append(status)
            time.sleep(0.3)

    threads = [threading.Thread(target=customer, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    redis.kill()  # Redis goes away with everything queued in it
    time.sleep(1.0)
    redis = redis_server(redis_port, tmp_path / "redis-2.log")
    children.append(redis)
    for thread in threads:
        thread.join()

    # Every delivery was acknowledged: stored, even while Redis was away.
    assert statuses == [200] * USERS * MESSAGES_EACH
    stored = event_statuses(app)
    assert set(stored) == {event["webhookEventId"] for event in sent}

    # The worker's minute sweep queues what never reached the queue (and
    # what the old Redis lost); run now instead of waiting for it.
    sweeper = create_app(_settings(emulator, REDIS_URL=env["REDIS_URL"]))
    result = sweeper.test_cli_runner().invoke(
        args=["events", "requeue-stale", "--older-than", "0"]
    )
    with sweeper.app_context():
        db.engine.dispose()
    sweeper.extensions["redis"].close()
    assert result.exit_code == 0, result.output
    wait_for(
        lambda: set(event_statuses(app).values()) == {"done"},
        90,
        "every event to be handled",
    )
    assert "events stored but not queued" in web.output()
    answered = Counter(d.user_id for d in line.platform.deliveries() if d.delivered)
    assert answered == {user: MESSAGES_EACH for user in users}
