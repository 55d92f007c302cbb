"""An operator reply stored while Redis was down is pushed by the sweep, once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from redis.exceptions import ConnectionError as RedisConnectionError

import bot.handoff.timers
from bot.extensions import db
from bot.handoff.models import ConversationMessage
from tests.conftest import LineSide
from tests.handoff.helpers import (
    Drain,
    conversations_of,
    csrf_of,
    reply_form,
    signed_in_operator,
)
from tests.operator.test_console import waiting_customer


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    return {"BUSINESS_HOURS": "Mon-Sun 00:00-24:00"}


def _delivery(app: Flask) -> str | None:
    with app.app_context():
        return db.session.scalar(
            sa.select(ConversationMessage.delivery).where(
                ConversationMessage.sender == "operator"
            )
        )


def test_reply_sent_while_redis_is_down_is_pushed_by_the_sweep(
    app: Flask, line: LineSide, worker: Drain, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = waiting_customer(line, worker)
    [conversation] = conversations_of(app, user_id)
    client = signed_in_operator(app, "sato@example.com", name="佐藤")
    base = f"/operator/conversations/{conversation.id}"
    client.post(f"{base}/claim", data={"csrf_token": csrf_of(client)})

    def redis_down(*args: object, **kwargs: object) -> str:
        raise RedisConnectionError("connection refused")

    monkeypatch.setattr(bot.handoff.timers, "enqueue", redis_down)
    sent = client.post(
        f"{base}/messages",
        data=reply_form(client, "担当の佐藤です。"),
    )
    assert sent.status_code == 302
    monkeypatch.undo()
    worker()
    assert _delivery(app) == "pending"  # the console shows 「送信中」
    assert line.calls("/v2/bot/message/push") == []

    runner = app.test_cli_runner()
    result = runner.invoke(args=["handoff", "requeue-stale", "--older-than", "0"])
    assert result.output.strip() == "requeued 1 pending message(s)"
    worker()
    assert _delivery(app) == "pushed"
    assert line.texts_to(user_id)[-1] == ("push", "担当の佐藤です。")
    # A second sweep finds nothing left, and nothing is pushed twice.
    again = runner.invoke(args=["handoff", "requeue-stale", "--older-than", "0"])
    assert again.output.strip() == "requeued 0 pending message(s)"
    assert len(line.calls("/v2/bot/message/push")) == 1


def test_the_worker_sweeps_stale_messages_every_minute(app: Flask) -> None:
    from bot.handoff.timers import sweep_stale_messages
    from bot.routing import SWEEP, get_router

    sweeps = [route.fn for route in get_router(app).of_kind(SWEEP)]
    assert sweep_stale_messages in sweeps
