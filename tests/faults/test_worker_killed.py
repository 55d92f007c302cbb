"""A worker killed with SIGKILL mid-job: the event is still answered exactly once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import LineSide
from tests.faults.conftest import event_statuses, wait_for
from tests.faults.processes import Process, bot_environment, worker

LATENCY_MS = 3000


@pytest.mark.parametrize(
    ("moment", "answered_via"),
    [
        # Killed before the reply left the worker: by the time the event is
        # queued again (the stale sweep, minutes later) the token has died,
        # and the answer goes out as one push.
        ("before the reply", "push"),
        # Killed while LINE handled the reply: LINE delivered it, and the
        # retry finds the token used by our attempt and sends nothing more.
        ("reply in flight", "reply"),
    ],
)
def test_worker_killed_mid_job_answers_once(
    app: Flask,
    emulator: Any,
    line: LineSide,
    children: list[Process],
    tmp_path: Path,
    moment: str,
    answered_via: str,
) -> None:
    env = bot_environment(
        emulator, USER_LOCK_SECONDS=2, JOB_MAX_BACKOFF_MS=500, JOB_MAX_RETRIES=10
    )
    first = worker(env, tmp_path / "worker-1.log")
    children.append(first)
    redis = app.extensions["redis"]
    line.platform.configure(latency_ms=LATENCY_MS)  # every LINE call is slow
    user_id = line.add_user("山田 花子")
    follow = line.follow(user_id)
    assert line.send(follow) == 200

    if moment == "before the reply":
        # The job holds the user's lock: it is asking LINE for the profile.
        wait_for(lambda: redis.exists(f"lock:user:{user_id}"), 30, "the job")
    else:
        # This user's call: a killed worker's call from the test before can
        # still be finishing at LINE (it waits out the latency too).
        profile = f"/v2/bot/profile/{user_id}"
        wait_for(lambda: line.calls(profile), 30, "the profile call")
        time.sleep(LATENCY_MS / 1000 / 3)  # the reply is now with LINE
    first.kill()
    line.platform.configure(latency_ms=0)
    if moment == "reply in flight":
        # LINE finishes what it was given, whoever was waiting for the answer.
        wait_for(lambda: line.calls("/v2/bot/message/reply"), 10, "the reply")
    # Before: nothing was committed. In flight: the handler's data and its
    # outbox were, and sending had begun.
    left = "pending" if moment == "before the reply" else "sending"
    assert event_statuses(app) == {follow["webhookEventId"]: left}

    # Minutes later the stale sweep queues the event again for a new worker.
    line.expire_reply_token(follow)
    second = worker(env, tmp_path / "worker-2.log")
    children.append(second)
    result = app.test_cli_runner().invoke(
        args=["events", "requeue-stale", "--older-than", "0"]
    )
    assert result.output.strip() == "requeued 1 pending event(s)"
    wait_for(
        lambda: event_statuses(app)[follow["webhookEventId"]] == "done",
        60,
        "the event to be handled",
    )
    [(via, text)] = line.texts_to(user_id)
    assert via == answered_via and text.startswith("山田 花子さん")
