"""PostgreSQL away: the webhook answers 5xx so LINE redelivers; nothing half-stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.webhook.models import WebhookEvent
from tests.conftest import TEST_DATABASE_URL, LineSide
from tests.faults.processes import (
    Process,
    TcpProxy,
    answers,
    bot_environment,
    gunicorn,
)
from tests.helpers import free_port


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    """A cuttable TCP path to the test database."""
    port = sa.make_url(TEST_DATABASE_URL).port or 5432
    path = TcpProxy(port)
    yield path
    path.close()


def _stored(app: Flask) -> Counter[str]:
    with app.app_context():
        ids = db.session.scalars(sa.select(WebhookEvent.webhook_event_id)).all()
        db.session.rollback()
    return Counter(ids)


def _health(port: int) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30):
            return 200
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def test_webhook_answers_5xx_while_the_database_is_away_and_stores_on_redelivery(
    app: Flask,
    emulator: Any,
    line_side: LineSide,
    proxy: TcpProxy,
    children: list[Process],
    tmp_path: Path,
) -> None:
    line = line_side
    url = sa.make_url(TEST_DATABASE_URL).set(host="127.0.0.1", port=proxy.port)
    env = bot_environment(
        emulator, DATABASE_URL=url.render_as_string(hide_password=False)
    )
    port = free_port()
    web = gunicorn(
        env, port, tmp_path / "web.log", "-w", "2", "-k", "gthread",
        "--threads", "4",
    )  # fmt: skip
    children.append(web)
    assert answers(f"http://127.0.0.1:{port}/healthz")
    line.platform.configure(webhook_url=f"http://127.0.0.1:{port}/callback")
    users = [line.add_user(f"客{n}") for n in range(3)]

    before = [line.text(u, "こんにちは") for u in users]
    assert line.send(*before) == 200

    proxy.cut()
    # Each delivery carries several events, so a half-stored one would show.
    during = [[line.text(u, f"質問{n}") for u in users] for n in range(4)]
    statuses = [line.send(*events) for events in during]
    assert all(500 <= status <= 599 for status in statuses), statuses
    assert _health(port) == 503
    assert _stored(app) == Counter(e["webhookEventId"] for e in before)

    proxy.restore()
    # LINE redelivers what was not acknowledged, marked as a redelivery.
    for events in during:
        for event in events:
            assert line.redeliver(event["webhookEventId"]) == 200
    # A redelivery of an event already stored changes nothing either.
    assert line.redeliver(before[0]["webhookEventId"]) == 200
    everything = before + [e for events in during for e in events]
    assert _stored(app) == Counter(e["webhookEventId"] for e in everything)
    assert _health(port) == 200
    log = web.output()
    assert "こんにちは" not in log and "質問" not in log
