"""Webhook to worker to LINE: every event handled once, every message sent once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.handlers.context import EventContext
from bot.routing import MESSAGE, Route, get_router
from bot.users.models import LineUser
from bot.webhook.models import DONE, FAILED, WebhookEvent
from tests.conftest import LineSide

Drain = Callable[[], None]


def user_row(app: Flask, line_user_id: str) -> LineUser | None:
    with app.app_context():
        user = db.session.scalar(
            sa.select(LineUser).where(LineUser.line_user_id == line_user_id)
        )
        if user is not None:
            db.session.expunge(user)
        return user


def event_row(app: Flask, webhook_event_id: str) -> WebhookEvent:
    with app.app_context():
        row = db.session.scalar(
            sa.select(WebhookEvent).where(
                WebhookEvent.webhook_event_id == webhook_event_id
            )
        )
        assert row is not None
        db.session.expunge(row)
        return row


def test_follow_creates_user_and_replies_welcome(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user("山田 花子", picture_url="https://example.com/p.png")
    follow = line.follow(user_id)
    assert line.send(follow) == 200
    worker()
    user = user_row(app, user_id)
    assert user is not None
    assert (user.display_name, user.is_friend, user.blocked_at) == (
        "山田 花子",
        True,
        None,
    )
    assert user.picture_url == "https://example.com/p.png"
    [(via, text)] = line.texts_to(user_id)
    assert via == "reply"
    assert text.startswith("山田 花子さん、友だち追加ありがとうございます")
    assert event_row(app, follow["webhookEventId"]).status == DONE


def test_unblock_gets_welcome_back_and_unfollow_stops_pushes(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user("佐藤")
    line.send(line.follow(user_id))
    worker()
    line.send(line.unfollow(user_id))
    worker()
    blocked = user_row(app, user_id)
    assert blocked is not None and blocked.blocked_at is not None
    assert not blocked.is_friend

    from bot.line.delivery import push_to_user

    with app.app_context():
        user = db.session.get(LineUser, blocked.id)
        assert (
            push_to_user(user, [{"type": "text", "text": "セール"}], "k") == "blocked"
        )
    assert line.calls("/v2/bot/message/push") == []

    line.send(line.follow(user_id))
    worker()
    texts = [text for _, text in line.texts_to(user_id)]
    assert texts[-1].startswith("佐藤さん、おかえりなさい")
    assert user_row(app, user_id).blocked_at is None


def test_message_gets_polite_default_answer(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user()
    line.send(line.text(user_id, "営業時間は？"))
    worker()
    [(via, text)] = line.texts_to(user_id)
    assert via == "reply"
    assert "メッセージありがとうございます" in text


def test_postback_routes_to_registered_action(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    seen: list[dict[str, str]] = []

    def show_coupon(ctx: EventContext, params: dict[str, str]) -> None:
        seen.append(params)
        ctx.reply([{"type": "text", "text": f"クーポン {params['id']}"}])

    get_router(app).postback("test-coupon", show_coupon)

    user_id = line.add_user()
    line.send(line.postback(user_id, "action=test-coupon&id=42"))
    line.send(line.postback(user_id, "action=no-such-thing"))
    line.send(line.postback(user_id, "%%%garbage"))
    worker()
    assert seen == [{"id": "42"}]
    texts = sorted(text for _, text in line.texts_to(user_id))
    assert len(texts) == 3
    assert texts[0] == "クーポン 42"
    assert all("この操作は現在ご利用いただけません" in t for t in texts[1:])


def test_unhandled_event_types_are_done_without_messages(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user()
    join = line.event("join", user_id)
    odd = line.event(
        "videoPlayComplete", user_id, videoPlayComplete={"trackingId": "t"}
    )
    assert line.send(join, odd) == 200
    worker()
    assert event_row(app, join["webhookEventId"]).status == DONE
    assert event_row(app, odd["webhookEventId"]).status == DONE
    assert line.deliveries_to(user_id) == []


def test_duplicate_delivered_twice_at_once_yields_one_reply(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user()
    event = line.text(user_id, "こんにちは")
    line.platform.remember_event(event)
    start = threading.Barrier(2)
    statuses: list[int] = []

    def deliver() -> None:
        start.wait()
        statuses.append(line.redeliver(event["webhookEventId"]))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    worker()
    assert statuses == [200, 200]
    assert len(line.texts_to(user_id)) == 1


def test_line_500_then_success_delivers_one_push(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    # The reply token has expired, so the bot falls back to a push; LINE
    # accepts that push but answers 500 (a timeout after acceptance).
    user_id = line.add_user()
    line.send(line.follow(user_id))
    worker()
    line.platform.configure(reply_token_ttl=0)
    line.fault("/v2/bot/message/push", 500, mode="after")
    line.send(line.text(user_id, "在庫はありますか"))
    worker()
    pushes = [d for d in line.deliveries_to(user_id) if d.via == "push"]
    assert len(pushes) == 1
    calls = line.calls("/v2/bot/message/push")
    assert [c.status for c in calls] == [500, 409]
    assert calls[0].headers["X-Line-Retry-Key"] == calls[1].headers["X-Line-Retry-Key"]


def test_a_failing_event_does_not_hold_up_the_others_of_its_job(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    # Three customers' follows arrive in one delivery, so one job carries them.
    users = [line.add_user(name) for name in ("一郎", "二郎", "三郎")]
    follows = [line.follow(user_id) for user_id in users]
    line.fault("/v2/bot/message/reply", 500)  # the first reply only
    assert line.send(*follows) == 200
    worker()
    calls = line.calls("/v2/bot/message/reply")
    tokens = {f["replyToken"]: f["source"]["userId"] for f in follows}
    # The other two were answered before the first event's retry.
    assert [(tokens[c.body["replyToken"]], c.status) for c in calls] == [
        (users[0], 500),
        (users[1], 200),
        (users[2], 200),
        (users[0], 200),
    ]
    for user_id in users:
        assert len(line.texts_to(user_id)) == 1
    rows = [event_row(app, f["webhookEventId"]) for f in follows]
    assert [(r.status, r.attempts) for r in rows] == [(DONE, 2), (DONE, 1), (DONE, 1)]


def test_line_500_before_acceptance_is_retried_to_one_push(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user()
    line.send(line.follow(user_id))
    worker()
    line.platform.configure(reply_token_ttl=0)
    line.fault("/v2/bot/message/push", 503, count=2)
    line.send(line.text(user_id, "在庫はありますか"))
    worker()
    assert [c.status for c in line.calls("/v2/bot/message/push")] == [503, 503, 200]
    assert len([d for d in line.deliveries_to(user_id) if d.via == "push"]) == 1


@pytest.mark.parametrize(
    ("mode", "statuses"),
    [
        # LINE refused the reply: the retry replies with the same, still valid token.
        ("before", [500, 200]),
        # LINE accepted the reply but answered 500: the retry finds the token
        # used, which counts as delivered, and no paid push follows.
        ("after", [500, 400]),
    ],
)
def test_reply_answered_500_is_delivered_once(
    app: Flask, line: LineSide, worker: Drain, mode: str, statuses: list[int]
) -> None:
    user_id = line.add_user()
    line.fault("/v2/bot/message/reply", 500, mode=mode)
    line.send(line.text(user_id, "こんにちは"))
    worker()
    assert [c.status for c in line.calls("/v2/bot/message/reply")] == statuses
    assert line.calls("/v2/bot/message/push") == []
    assert [via for via, _ in line.texts_to(user_id)] == ["reply"]


def test_expired_reply_token_falls_back_to_push(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user()
    line.send(line.follow(user_id))
    worker()
    line.platform.configure(reply_token_ttl=0)
    line.send(line.text(user_id, "こんにちは"))
    worker()
    assert [via for via, _ in line.texts_to(user_id)] == ["reply", "push"]


@pytest.mark.parametrize("settings_overrides", [{"JOB_MAX_RETRIES": 2}])
def test_failed_event_is_listed_and_replayed(
    app: Flask, line: LineSide, worker: Drain, settings_overrides: dict
) -> None:
    user_id = line.add_user("田中")
    line.fault("/v2/bot/profile/*", 500, count=3)
    event = line.follow(user_id)
    line.send(event)
    worker()
    failed = event_row(app, event["webhookEventId"])
    assert failed.status == FAILED
    assert failed.attempts == 3
    assert failed.last_error == "LineTransientError operation=get_profile status=500"
    assert line.deliveries_to(user_id) == []

    runner = app.test_cli_runner()
    listing = runner.invoke(args=["events", "failed"])
    assert listing.exit_code == 0
    assert f"{failed.id:>8}" in listing.output and "status=500" in listing.output
    # An operator finds a customer's event by their LINE user or its id.
    [row] = [r for r in listing.output.splitlines() if f"{failed.id:>8}" in r]
    assert user_id in row and event["webhookEventId"] in row

    # By the time an operator replays it, the reply token has run out: the
    # welcome goes out as a push, once.
    line.expire_reply_token(event)
    replay = runner.invoke(args=["events", "retry", str(failed.id)])
    assert replay.output.strip() == "requeued 1 event(s)"
    worker()
    assert event_row(app, event["webhookEventId"]).status == DONE
    assert runner.invoke(args=["events", "failed"]).output.strip() == "no failed events"
    [(via, text)] = line.texts_to(user_id)
    assert via == "push" and text.startswith("田中さん、友だち追加")


def test_events_of_one_user_never_run_at_once(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    spans: dict[str, list[tuple[float, float]]] = {}
    guard = threading.Lock()

    def slow_text(ctx: EventContext) -> None:
        started = time.monotonic()
        time.sleep(0.2)
        with guard:
            spans.setdefault(ctx.line_user_id or "", []).append(
                (started, time.monotonic())
            )

    # The test's own text handler in place of the FAQ's, for this app only.
    routes = get_router(app)._routes
    routes[(MESSAGE, "text")] = Route(MESSAGE, "text", slow_text)
    alice, bob = line.add_user("alice"), line.add_user("bob")
    # One delivery holds alice's three events (one job, run in order);
    # a second delivery of hers races them from another job.
    line.send(line.text(alice, "1"), line.text(alice, "2"))
    line.send(line.text(alice, "3"))
    line.send(line.text(bob, "1"))
    worker()
    alice_spans = sorted(spans[alice])
    assert len(alice_spans) == 3
    for (_, end), (next_start, _) in zip(alice_spans, alice_spans[1:], strict=False):
        assert next_start >= end
    # Other users are not held up: bob ran alongside alice.
    ((bob_start, bob_end),) = spans[bob]
    assert any(s < bob_end and bob_start < e for s, e in alice_spans)


def test_event_stored_while_redis_is_down_is_swept_later(
    app: Flask, line: LineSide, worker: Drain, monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    import bot.webhook.jobs

    def redis_down(*args: object, **kwargs: object) -> str:
        raise RedisConnectionError("connection refused")

    user_id = line.add_user()
    monkeypatch.setattr(bot.webhook.jobs, "enqueue", redis_down)
    event = line.text(user_id, "こんにちは")
    assert line.send(event) == 200
    monkeypatch.undo()
    worker()
    assert event_row(app, event["webhookEventId"]).status == "pending"
    assert line.deliveries_to(user_id) == []

    result = app.test_cli_runner().invoke(
        args=["events", "requeue-stale", "--older-than", "0"]
    )
    assert result.output.strip() == "requeued 1 pending event(s)"
    worker()
    assert event_row(app, event["webhookEventId"]).status == DONE
    assert len(line.texts_to(user_id)) == 1


def test_a_job_shares_users_with_another_and_waits_only_for_them(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    spans: dict[str, list[tuple[str, float, float]]] = {}
    guard = threading.Lock()

    def slow_text(ctx: EventContext) -> None:
        started = time.monotonic()
        time.sleep(0.2)
        text = str(ctx.payload["message"]["text"])
        with guard:
            spans.setdefault(ctx.line_user_id or "", []).append(
                (text, started, time.monotonic())
            )
        ctx.reply([{"type": "text", "text": f"got {text}"}])

    routes = get_router(app)._routes
    routes[(MESSAGE, "text")] = Route(MESSAGE, "text", slow_text)
    alice, bob, carol = (line.add_user(n) for n in ("alice", "bob", "carol"))
    # Job 1 holds alice; job 2 has bob and alice (its users' locks are taken
    # together); job 3 has carol alone.
    line.send(line.text(alice, "a1"))
    line.send(line.text(bob, "b1"), line.text(alice, "a2"))
    line.send(line.text(carol, "c1"))
    worker()
    # Alice's two events never overlap, whichever job took her lock first.
    first, second = sorted(spans[alice], key=lambda span: span[1])
    assert second[1] >= first[2]
    # Carol, in no other job, waited for nobody: her event ran alongside one
    # of the others' (a worker running jobs one at a time, or behind one
    # lock, would overlap none).
    ((_, carol_start, carol_end),) = spans[carol]
    others = [(s, e) for user in (alice, bob) for _, s, e in spans[user]]
    assert any(s < carol_end and carol_start < e for s, e in others)
    assert sorted(t for _, t in line.texts_to(alice)) == ["got a1", "got a2"]
    assert [t for _, t in line.texts_to(bob)] == ["got b1"]
    assert [t for _, t in line.texts_to(carol)] == ["got c1"]


def test_signed_events_of_the_wrong_shape_are_done_without_an_answer(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    # Each made its handler raise, and the event ended `failed` for good.
    user_id = line.add_user()
    odd = [
        line.event("follow", user_id, follow="x"),
        line.event("postback", user_id, postback="x"),
        line.event("postback", user_id, postback={"data": 123}),
        line.event("beacon", user_id, beacon=["x"]),
        line.event("accountLink", user_id, link="x"),
        line.event("message", user_id, message={"type": "location", "id": "1"}),
        line.event(
            "message",
            user_id,
            message={"type": "location", "id": "2", "latitude": 35.6, "longitude": "x"},
        ),
        line.event("message", user_id, message={"type": "text", "id": "3"}),
        line.text(user_id, "あ" * 5001),
    ]
    assert line.send(*odd) == 200
    worker()
    assert line.deliveries_to(user_id) == []
    with app.app_context():
        statuses = db.session.scalars(sa.select(WebhookEvent.status)).all()
    assert statuses == [DONE] * len(odd)
    line.send(line.text(user_id, "営業時間は？"))
    worker()
    assert len(line.texts_to(user_id)) == 1
