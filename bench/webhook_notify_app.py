"""The bot's webhook with the event table as the queue, for the ack comparison.

Issue 22 asks whether workers should claim stored events from PostgreSQL
(`FOR UPDATE SKIP LOCKED`, woken by `LISTEN/NOTIFY`) instead of Dramatiq's
Redis queue. This app measures the request's side of that: the bot exactly as
`wsgi:app`, except that its prepared INSERT also sends
`NOTIFY webhook_events` (in the same statement, so the same one round trip)
and nothing is enqueued in Redis. No worker consumes what it stores:
webhook_bench.py serves it only in the acknowledgement phase, alternating
with the bot and the minimal app. Served by gunicorn as
`webhook_notify_app:app` with bench/ on the path.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import create_app  # noqa: E402
from bot.webhook import store  # noqa: E402

NOTIFY_CHANNEL = "webhook_events"
_INSERT_SQL = store._prepared_insert_sql


def _insert_and_notify_sql() -> bytes:
    # One statement: the INSERT as a data-modifying CTE, and one NOTIFY per
    # statement (PostgreSQL folds equal notifications of a transaction).
    insert = _INSERT_SQL().decode()
    return (
        f"WITH new AS ({insert}) SELECT new.id, new.line_user_id FROM new"
        f" CROSS JOIN (SELECT pg_notify('{NOTIFY_CHANNEL}', '')) AS woken"
    ).encode()


store._prepared_insert_sql = _insert_and_notify_sql  # type: ignore[assignment]
store.PREPARED_INSERT = b"omo_store_webhook_events_notify"
app = create_app()
app.extensions["webhook_intake"].queue = lambda new_rows: None
