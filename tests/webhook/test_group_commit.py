"""Concurrent deliveries share one INSERT (and its commit), and its failure."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import OperationalError

from bot.extensions import db
from bot.webhook.models import WebhookEvent
from tests.helpers import event_body, raw_event, sign
from tests.webhook.test_callback_refusals import post, queued_jobs, stored_events

DELIVERIES = 8


def _deliver_at_once(app: Flask, bodies: list[bytes]) -> list[int]:
    start = threading.Barrier(len(bodies))
    statuses: list[int] = []

    def deliver(body: bytes) -> None:
        client = app.test_client()
        start.wait()
        statuses.append(post(client, body, sign(body))[0])

    threads = [threading.Thread(target=deliver, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def _slowed(write: Callable[[Any], Any], error: Exception | None = None) -> Any:
    """The real writer, slow enough that the other deliveries queue behind it."""

    def slow_write(events: Any) -> Any:
        time.sleep(0.15)
        if error is not None:
            raise error
        return write(events)

    return slow_write


def _statements_that_stored(app: Flask) -> int:
    """Count the INSERTs that stored events: each gives its rows one received_at."""
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(WebhookEvent.received_at)))
        )
        db.session.rollback()
    return int(count or 0)


def _bodies() -> list[bytes]:
    return [
        event_body(
            raw_event(
                "message",
                user_id=f"U{n:032x}",
                replyToken=f"r{n}",
                message={"type": "text", "id": str(n), "text": "こんにちは"},
            )
        )
        for n in range(DELIVERIES)
    ]


def test_concurrent_deliveries_share_commits(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake = app.extensions["webhook_intake"]
    monkeypatch.setattr(intake, "write", _slowed(intake.write))

    statuses = _deliver_at_once(app, _bodies())

    assert statuses == [200] * DELIVERIES
    assert stored_events(app) == DELIVERIES
    assert queued_jobs(app) == DELIVERIES
    # The first delivery writes alone; the seven behind it share the next round.
    assert intake.stats.rounds < DELIVERIES and intake.stats.largest > 1
    assert _statements_that_stored(app) == intake.stats.rounds


def test_a_failed_round_fails_every_delivery_in_it(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake = app.extensions["webhook_intake"]
    real_write = intake.write
    down = OperationalError("INSERT", {}, Exception("server closed the connection"))
    monkeypatch.setattr(intake, "write", _slowed(real_write, error=down))

    statuses = _deliver_at_once(app, _bodies())

    assert statuses == [500] * DELIVERIES
    assert stored_events(app) == 0
    assert queued_jobs(app) == 0
    # The next delivery finds nobody writing and goes through.
    monkeypatch.setattr(intake, "write", real_write)
    body = _bodies()[0]
    assert _deliver_at_once(app, [body]) == [200]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 1


def test_the_writer_keeps_its_connection_between_rounds_until_idle(
    app: Flask,
) -> None:
    from bot.webhook.parsing import parse_webhook_body
    from bot.webhook.store import EventStore

    checkouts: list[object] = []
    with app.app_context():
        sa.event.listen(db.engine, "checkout", lambda *args: checkouts.append(1))
        store = EventStore(idle_seconds=0.2)
        for _ in range(3):
            store.write(parse_webhook_body(event_body(raw_event("follow"))))
        busy_checkouts = len(checkouts)
        time.sleep(0.3)
        store.write(parse_webhook_body(event_body(raw_event("follow"))))
        after_idle = len(checkouts)
        store.release()
        stored = db.session.scalar(sa.select(sa.func.count(WebhookEvent.id)))

    assert busy_checkouts == 1
    assert after_idle == 2  # a fresh, pre-pinged one after the idle time
    assert stored == 4


def test_a_writer_whose_connection_was_dropped_stores_on_a_new_one(
    app: Flask,
) -> None:
    from bot.webhook.parsing import parse_webhook_body
    from bot.webhook.store import EventStore

    with app.app_context():
        store = EventStore()
        store.write(parse_webhook_body(event_body(raw_event("follow"))))
        # The database drops every other session (a restart or a failover).
        db.session.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        db.session.commit()
        db.session.remove()
        stored = store.write(parse_webhook_body(event_body(raw_event("follow"))))
        store.release()
        count = db.session.scalar(sa.select(sa.func.count(WebhookEvent.id)))

    assert len(stored) == 1
    assert count == 2


def test_writers_taking_turns_on_one_pooled_connection_both_store(
    app: Flask,
) -> None:
    from bot.webhook.parsing import parse_webhook_body
    from bot.webhook.store import EventStore

    with app.app_context():
        # One connection in the pool: the second writer gets the first's,
        # where the INSERT is already prepared.
        engine = sa.create_engine(db.engine.url, pool_size=1, max_overflow=0)
        first, second = EventStore(engine=engine), EventStore(engine=engine)
        stored = []
        for store in (first, second, first):
            stored += store.write(parse_webhook_body(event_body(raw_event("follow"))))
            store.release()
        engine.dispose()
        count = db.session.scalar(sa.select(sa.func.count(WebhookEvent.id)))

    assert len(stored) == 3
    assert count == 3
