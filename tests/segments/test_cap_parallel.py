"""Sends frozen side by side, or held by quiet hours, keep to the daily cap."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.marketing.models import MarketingMessage
from bot.models_base import utcnow
from bot.segments.definition import SegmentDefinition
from bot.segments.delivery import QuietHoursNow, deliver_send
from bot.segments.models import SegmentSend
from bot.segments.sending import create_send
from tests.conftest import LineSide
from tests.segments.factories import make_friends

SENDS = 3
FRIENDS = 12


def _sends(app: Flask) -> list[int]:
    with app.app_context():
        ids = [
            create_send(
                SegmentDefinition(),
                [{"type": "text", "text": f"お知らせ{n}"}],
            ).id
            for n in range(SENDS)
        ]
        db.session.commit()
        return ids


@pytest.mark.parametrize("database", ["app", "sqlite_app"])
def test_sends_frozen_at_once_give_no_customer_more_than_the_cap(
    request: pytest.FixtureRequest, line: LineSide, database: str
) -> None:
    # Each send checked the cap against what had been delivered; three frozen
    # in the same minute each saw none of the others, and every customer got
    # all three with the cap at two.
    app: Flask = request.getfixturevalue(database)
    settings = app.config["SETTINGS"]
    assert settings.MAX_MARKETING_MESSAGES_PER_DAY == 2
    friends = make_friends(app, line, FRIENDS)
    start = threading.Barrier(SENDS)
    failures: list[BaseException] = []

    def deliver(send_id: int) -> None:
        with app.app_context():
            start.wait()
            try:
                deliver_send(send_id)
            except BaseException as exc:  # reported below
                failures.append(exc)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in _sends(app)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    received = Counter(d.user_id for d in line.platform.deliveries())
    assert received == Counter({friend: 2 for friend in friends})
    with app.app_context():
        ledger = Counter(db.session.scalars(sa.select(MarketingMessage.line_user_id)))
        assert sorted(set(ledger.values())) == [2]


def _window_around_now(app: Flask) -> str:
    zone = app.config["SETTINGS"].timezone
    now = utcnow().astimezone(zone)
    return "-".join(
        f"{(now + timedelta(hours=h)):%H:%M}" for h in (-1, 1)
    )  # fmt: skip


def test_a_send_due_in_quiet_hours_is_not_frozen_until_they_end(
    app: Flask, line: LineSide
) -> None:
    # Frozen in quiet hours, its recipients counted against that day's cap
    # and it went out the next morning on top of that day's sends.
    from bot.marketing.rules import parse_quiet_hours

    make_friends(app, line, 3)
    [send_id, *_] = _sends(app)
    hours = parse_quiet_hours(_window_around_now(app), app.config["SETTINGS"].timezone)
    app.extensions["quiet_hours"] = hours
    with app.app_context(), pytest.raises(QuietHoursNow):
        deliver_send(send_id)
    with app.app_context():
        send = db.session.get(SegmentSend, send_id)
        assert send is not None and send.recipient_count is None
        assert db.session.scalar(sa.select(sa.func.count(MarketingMessage.id))) == 0
    assert line.platform.deliveries() == []
