"""A reply token that dies while LINE refuses or never sees our attempts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import urllib3.connection
from flask import Flask

from tests.conftest import LineSide

Drain = Callable[[], None]


def test_reply_refused_with_429_until_the_token_died_becomes_one_push(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user()
    line.send(line.follow(user_id))
    worker()
    line.fault("/v2/bot/message/reply", 429, count=3)
    event = line.text(user_id, "在庫はありますか")
    # The token dies while LINE turns every reply away (a 3-second token).
    line.expire_reply_token(event)
    assert line.send(event) == 200
    worker()
    statuses = [c.status for c in line.calls("/v2/bot/message/reply")]
    assert statuses[-4:] == [429, 429, 429, 400]
    pushes = line.calls("/v2/bot/message/push")
    assert [c.status for c in pushes] == [200]
    assert pushes[0].headers["X-Line-Retry-Key"]
    assert [via for via, _ in line.texts_to(user_id)] == ["reply", "push"]


def test_reply_that_never_left_the_worker_then_token_died_becomes_one_push(
    app: Flask, line: LineSide, worker: Drain, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first attempt dies between deciding to reply and sending it (as a
    # worker killed there would); by its retry the token has run out.
    user_id = line.add_user()
    event = line.text(user_id, "在庫はありますか")
    real_request = urllib3.connection.HTTPConnection.request
    broken: list[str] = []

    def request(self: Any, method: str, url: str, *args: Any, **kw: Any) -> None:
        if url.endswith("/message/reply") and not broken:
            broken.append(url)
            line.expire_reply_token(event)
            raise ConnectionResetError("worker gone before sending")
        real_request(self, method, url, *args, **kw)

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "request", request)
    assert line.send(event) == 200
    worker()
    assert broken
    assert [c.status for c in line.calls("/v2/bot/message/reply")] == [400]
    assert [via for via, _ in line.texts_to(user_id)] == ["push"]


def test_reply_accepted_but_answered_500_still_counts_once(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    # LINE handled the reply, answered 500, and the token ran out before the
    # retry: that attempt reached the customer, so no push follows.
    user_id = line.add_user()
    line.fault("/v2/bot/message/reply", 500, mode="after")
    event = line.text(user_id, "こんにちは")
    line.send(event)
    worker()
    assert [c.status for c in line.calls("/v2/bot/message/reply")] == [500, 400]
    assert line.calls("/v2/bot/message/push") == []
    assert [via for via, _ in line.texts_to(user_id)] == ["reply"]
