"""Side effects after commit: a handler's answers go out after its data is stored."""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.handlers.context import EventContext
from bot.routing import get_router
from bot.users.service import get_or_create_user
from bot.webhook.models import DONE, FAILED
from tests.conftest import LineSide
from tests.webhook.test_pipeline import event_row

Drain = Callable[[], None]


def _display_name(app: Flask, line_user_id: str) -> str | None:
    with app.app_context():
        return db.session.scalar(
            sa.text("SELECT display_name FROM line_users WHERE line_user_id = :u"),
            {"u": line_user_id},
        )


def test_a_reply_is_sent_after_its_data_is_committed_and_once_across_retries(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    runs: list[str] = []

    def rename(ctx: EventContext, params: dict[str, str]) -> None:
        runs.append(params["to"])
        assert ctx.line_user_id is not None
        user = get_or_create_user(ctx.line_user_id)
        user.display_name = params["to"]
        ctx.reply([{"type": "text", "text": f"{params['to']}さんと呼びます"}])

    get_router(app).postback("rename", rename)
    user_id = line.add_user()
    # LINE refuses the first two reply attempts before processing them.
    line.fault("/v2/bot/message/reply", 500, count=2)

    event = line.postback(user_id, "action=rename&to=ハナ")
    assert line.send(event) == 200
    worker()

    assert runs == ["ハナ"]  # the handler ran once; the retries only resent
    assert line.texts_to(user_id) == [("reply", "ハナさんと呼びます")]
    assert len(line.calls("/v2/bot/message/reply")) == 3
    row = event_row(app, event["webhookEventId"])
    assert (row.status, row.outbox) == (DONE, None)
    assert _display_name(app, user_id) == "ハナ"


def test_a_handler_that_fails_after_replying_sends_nothing(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    def reply_then_fail(ctx: EventContext, params: dict[str, str]) -> None:
        assert ctx.line_user_id is not None
        get_or_create_user(ctx.line_user_id).display_name = "消える名前"
        ctx.reply([{"type": "text", "text": "登録しました"}])
        raise ValueError("a bug after the reply was written")

    get_router(app).postback("broken", reply_then_fail)
    user_id = line.add_user()
    event = line.postback(user_id, "action=broken")
    line.send(event)
    worker()

    # The customer is not told about data that was rolled back.
    assert line.deliveries_to(user_id) == []
    assert line.calls("/v2/bot/message/reply") == []
    assert event_row(app, event["webhookEventId"]).status == FAILED
    assert _display_name(app, user_id) is None


def test_an_event_whose_worker_died_before_sending_is_sent_by_the_sweep(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user()
    event = line.text(user_id, "こんにちは")
    with app.app_context():
        # What a worker leaves when it is killed between the commit and LINE.
        db.session.execute(
            sa.text(
                "INSERT INTO webhook_events (webhook_event_id, event_type,"
                " line_user_id, is_redelivery, payload, status, attempts,"
                " received_at, handled_at, outbox) VALUES (:id, 'message', :u,"
                " false, :payload, 'sending', 1, now(), now() - interval '5 min',"
                " :outbox)"
            ),
            {
                "id": event["webhookEventId"],
                "u": user_id,
                "payload": json.dumps({**event, "replyToken": "expired-long-ago"}),
                "outbox": json.dumps(
                    [
                        {
                            "via": "reply",
                            "messages": [{"type": "text", "text": "こんにちは！"}],
                            "fallback_push": True,
                        }
                    ]
                ),
            },
        )
        get_or_create_user(user_id).is_friend = True
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["events", "requeue-stale"])
    assert result.output.strip() == "requeued 1 pending event(s)"
    worker()
    # The reply token died with the worker: the answer goes out as one push.
    assert line.texts_to(user_id) == [("push", "こんにちは！")]
    assert event_row(app, event["webhookEventId"]).status == DONE
