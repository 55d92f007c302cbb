"""Segment sends through the emulator: batches, retry keys, resume, schedule."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

import bot.segments.delivery as delivery
from bot.extensions import db
from bot.models_base import utcnow
from bot.segments.jobs import queue_due_sends
from bot.segments.models import DONE, SCHEDULED, SegmentSend
from bot.segments.sending import recipient_statuses
from tests.conftest import LineSide
from tests.segments.factories import make_friends, make_user

Drain = Callable[[], None]
BATCH = 10


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"SEGMENT_BATCH_SIZE": BATCH}


@pytest.fixture
def friends(app: Flask, line: LineSide) -> list[str]:
    """45 friends known to the bot and to LINE, and one who blocked the shop."""
    ids = make_friends(app, line, 45)
    with app.app_context():
        make_user(line.add_user("ブロック"), blocked=True)
    return ids


def _multicast_counts(line: LineSide) -> Counter[str]:
    return Counter(
        d.user_id for d in line.platform.deliveries() if d.via == "multicast"
    )


def _send(runner: FlaskCliRunner, *extra: str) -> Any:
    return runner.invoke(
        args=["segment", "send", "--unlinked", "--text", "週末セールのお知らせ", *extra]
    )


def test_send_goes_in_batches_with_one_retry_key_each(
    app: Flask, friends: list[str], runner: FlaskCliRunner, line: LineSide
) -> None:
    result = _send(runner)
    assert result.exit_code == 0, result.output
    assert "45 delivered" in result.output and "done" in result.output
    calls = line.calls("/v2/bot/message/multicast")
    assert sorted(len(c.body["to"]) for c in calls) == [5, 10, 10, 10, 10]
    assert len({c.headers["X-Line-Retry-Key"] for c in calls}) == 5
    assert _multicast_counts(line) == Counter({user: 1 for user in friends})
    with app.app_context():
        send = db.session.scalar(sa.select(SegmentSend))
        assert (send.status, send.recipient_count) == (DONE, 45)
        assert Counter(recipient_statuses(send.id).values()) == {"sent": 45}


def test_interrupted_send_resumes_without_duplicates(
    app: Flask,
    friends: list[str],
    runner: FlaskCliRunner,
    line: LineSide,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_record = delivery._record_batch
    calls: list[int] = []

    def killed_at_third_batch(send_id: int, batch: Any) -> None:
        calls.append(batch.batch_no)
        if len(calls) == 3:
            # The process dies after LINE took batch 3, before it was written down.
            raise SystemExit("worker killed")
        real_record(send_id, batch)

    monkeypatch.setattr(delivery, "_record_batch", killed_at_third_batch)
    first = _send(runner)
    assert first.exit_code != 0
    with app.app_context():
        statuses = Counter(recipient_statuses(1).values())
    assert statuses["pending"] >= 25 and statuses["sent"] <= 20
    # At least three batches reached LINE although no more than two were recorded.
    assert sum(_multicast_counts(line).values()) >= 30
    monkeypatch.setattr(delivery, "_record_batch", real_record)

    second = _send(runner)
    assert second.exit_code == 0, second.output
    assert "resuming send #1" in second.output
    assert _multicast_counts(line) == Counter({user: 1 for user in friends})
    replays = [c for c in line.calls("/v2/bot/message/multicast") if c.status == 409]
    assert replays, "the batch LINE took before the kill must be replayed as 409"
    with app.app_context():
        assert Counter(recipient_statuses(1).values()) == {"sent": 45}
        assert db.session.scalar(sa.select(sa.func.count(SegmentSend.id))) == 1


def test_customer_who_blocks_after_the_list_is_frozen_is_skipped(
    app: Flask, friends: list[str], line: LineSide
) -> None:
    from bot.segments.definition import SegmentDefinition
    from bot.segments.sending import create_send, freeze_recipients
    from bot.users.models import LineUser

    with app.app_context():
        send = create_send(SegmentDefinition(), [{"type": "text", "text": "お知らせ"}])
        assert freeze_recipients(send) == 45
        db.session.commit()
        leaver = db.session.scalar(
            sa.select(LineUser).where(LineUser.line_user_id == friends[12])
        )
        leaver.is_friend, leaver.blocked_at = False, utcnow()
        db.session.commit()
        report = delivery.deliver_send(send.id)
        statuses = recipient_statuses(send.id)
        assert (report.delivered, report.skipped, report.finished) == (44, 1, True)
        assert statuses[leaver.id] == "skipped"
        assert Counter(statuses.values()) == {"sent": 44, "skipped": 1}
    assert friends[12] not in _multicast_counts(line)
    assert sum(_multicast_counts(line).values()) == 44


def test_send_stays_within_the_rate_limit(
    app: Flask, friends: list[str], runner: FlaskCliRunner, line: LineSide
) -> None:
    # Half of what LINE (here, the emulator) allows, so scheduling jitter on a
    # busy machine can never push two sends into one counting window.
    line.platform.configure(rate_limits={"/v2/bot/message/multicast": 2})
    app.config["SETTINGS"] = _with(app, MULTICAST_RATE_PER_SECOND=1)
    result = _send(runner)
    assert result.exit_code == 0, result.output
    statuses = [c.status for c in line.calls("/v2/bot/message/multicast")]
    assert statuses == [200] * 5
    assert _multicast_counts(line) == Counter({user: 1 for user in friends})


def test_429_from_line_is_retried_without_duplicates(
    app: Flask, friends: list[str], runner: FlaskCliRunner, line: LineSide
) -> None:
    line.platform.configure(rate_limits={"/v2/bot/message/multicast": 2})
    result = _send(runner)
    assert result.exit_code == 0, result.output
    statuses = Counter(c.status for c in line.calls("/v2/bot/message/multicast"))
    assert statuses[429] >= 1 and statuses[200] == 5
    assert _multicast_counts(line) == Counter({user: 1 for user in friends})


def test_template_from_the_repo_is_sent(
    app: Flask, friends: list[str], runner: FlaskCliRunner, line: LineSide
) -> None:
    result = runner.invoke(
        args=["segment", "send", "--unlinked", "--template", "autumn-sale"]
    )
    assert result.exit_code == 0, result.output
    delivered = line.platform.deliveries(friends[0])
    assert [m["type"] for m in delivered[0].messages] == ["text", "template"]
    missing = runner.invoke(args=["segment", "send", "--template", "no-such"])
    assert missing.exit_code == 2 and "no such template" in missing.output


def test_scheduled_send_runs_through_the_job_system(
    app: Flask,
    friends: list[str],
    runner: FlaskCliRunner,
    line: LineSide,
    worker: Drain,
) -> None:
    at = (utcnow() + timedelta(hours=2)).isoformat()
    result = _send(runner, "--at", at)
    assert result.exit_code == 0, result.output
    assert "scheduled for" in result.output
    with app.app_context():
        send = db.session.scalar(sa.select(SegmentSend))
        assert send.status == SCHEDULED and send.scheduled_at is not None
    # The worker's minute sweep queues nothing before the time...
    with app.app_context():
        queue_due_sends()
    worker()
    assert line.calls("/v2/bot/message/multicast") == []
    # ...and the send once its time has come, exactly once even when swept twice.
    with app.app_context():
        db.session.execute(
            sa.update(SegmentSend).values(scheduled_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        queue_due_sends()
    worker()
    with app.app_context():
        queue_due_sends()
    worker()
    assert _multicast_counts(line) == Counter({user: 1 for user in friends})
    with app.app_context():
        assert db.session.scalar(sa.select(SegmentSend.status)) == DONE


def _with(app: Flask, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(app.config["SETTINGS"], **changes)
