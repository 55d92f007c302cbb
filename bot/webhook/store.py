"""The event store: insert-if-new of each round of webhook events, in one statement."""

from __future__ import annotations

import functools
import json
import time
from typing import Any, NamedTuple

import psycopg
import psycopg.errors
import psycopg.waiting
from psycopg import pq
from sqlalchemy import Connection, Engine, TextClause, bindparam, text
from sqlalchemy.exc import DBAPIError

from bot.extensions import db
from bot.models_base import utcnow
from bot.webhook.models import PENDING, WebhookEvent
from bot.webhook.parsing import IncomingEvent

# The columns a new event row is inserted with; the rest start empty.
INSERTED_COLUMNS = (
    "webhook_event_id",
    "event_type",
    "line_user_id",
    "is_redelivery",
    "occurred_at",
    "payload",
    "status",
    "attempts",
    "received_at",
)


class StoredEvent(NamedTuple):
    """A stored event as the worker's job needs it: its row and whose it is."""

    pk: int
    line_user_id: str | None


# Rows per INSERT statement on SQLite; a round with more events uses several.
ROWS_PER_STATEMENT = 64


def is_unstorable(exc: BaseException) -> bool:
    """Tell whether a failed write was refused for what the events hold.

    Such a failure is the events' own (a value the database cannot take), not
    the database's: the other deliveries of the round can still be stored.
    """
    if isinstance(exc, DBAPIError):
        exc = exc.orig or exc
    return isinstance(
        exc,
        psycopg.DataError
        | psycopg.errors.ProgramLimitExceeded
        | UnicodeError
        | RecursionError
        | OverflowError,
    )


def store_new_events(
    connection: Connection, events: list[IncomingEvent]
) -> list[StoredEvent]:
    """Insert the events not seen before; return the new rows, oldest first.

    The unique webhookEventId decides: two deliveries racing on two workers
    both try the insert and the database lets exactly one of them win.
    """
    unique = _distinct(events)
    if connection.dialect.name == "postgresql":
        insert = _insert_prepared if _libpq_blocks_threads_only() else _insert_arrays
        return sorted(insert(connection, unique))
    new_ids: list[StoredEvent] = []
    for start in range(0, len(unique), ROWS_PER_STATEMENT):
        new_ids += _insert_rows(connection, unique[start : start + ROWS_PER_STATEMENT])
    return sorted(new_ids)


def _distinct(events: list[IncomingEvent]) -> list[IncomingEvent]:
    # The same event twice in one round (a redelivery racing the original).
    return list({e.webhook_event_id: e for e in events}.values())


def _insert_arrays(
    connection: Connection, events: list[IncomingEvent]
) -> list[StoredEvent]:
    # One statement of constant text and one JSON parameter for any number of
    # events, so that psycopg caches and prepares it (it will not for VALUES
    # lists of more than 50 parameters, and parsing those took a tenth of a
    # request; text arrays of payloads cost as much again in escaping).
    return _stored(
        connection.execute(
            _insert_recordset(),
            {
                "rows": _recordset_json(events),
                "status": PENDING,
                "received_at": utcnow(),
            },
        )
    )


def _recordset_json(events: list[IncomingEvent]) -> str:
    """Return the events as the JSON array that _insert_recordset reads."""
    return json.dumps(
        [
            {
                "webhook_event_id": e.webhook_event_id,
                "event_type": e.event_type,
                "line_user_id": e.line_user_id,
                "is_redelivery": e.is_redelivery,
                "occurred_at": e.occurred_at.isoformat() if e.occurred_at else None,
                "payload": e.payload,
            }
            for e in events
        ],
        ensure_ascii=False,
    )


@functools.cache
def _insert_recordset() -> TextClause:
    table = WebhookEvent.__table__.name
    return text(
        f"INSERT INTO {table} ({', '.join(INSERTED_COLUMNS)})"
        " SELECT e.webhook_event_id, e.event_type, e.line_user_id,"
        " e.is_redelivery, e.occurred_at, e.payload, :status, 0, :received_at"
        " FROM json_to_recordset(CAST(:rows AS json)) AS e(webhook_event_id text,"
        " event_type text, line_user_id text, is_redelivery boolean,"
        " occurred_at timestamptz, payload json)"
        " ON CONFLICT (webhook_event_id) DO NOTHING RETURNING id, line_user_id"
    )


def _insert_rows(
    connection: Connection, events: list[IncomingEvent]
) -> list[StoredEvent]:
    received_at = utcnow()
    params = {}
    for n, e in enumerate(events):
        params[f"webhook_event_id_{n}"] = e.webhook_event_id
        params[f"event_type_{n}"] = e.event_type
        params[f"line_user_id_{n}"] = e.line_user_id
        params[f"is_redelivery_{n}"] = e.is_redelivery
        params[f"occurred_at_{n}"] = e.occurred_at
        params[f"payload_{n}"] = e.payload
        params[f"status_{n}"] = PENDING
        params[f"attempts_{n}"] = 0
        params[f"received_at_{n}"] = received_at
    return _stored(connection.execute(_insert_values(len(events)), params))


def _stored(rows: Any) -> list[StoredEvent]:
    return [StoredEvent(pk, line_user_id) for pk, line_user_id in rows]


@functools.cache
def _insert_values(rows: int) -> TextClause:
    # SQLite (3.35+) has no arrays: a VALUES list, one statement per chunk.
    table = WebhookEvent.__table__
    names = list(INSERTED_COLUMNS)
    values = ", ".join(
        "(" + ", ".join(f":{name}_{n}" for name in names) + ")" for n in range(rows)
    )
    return text(
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES {values}"
        " ON CONFLICT (webhook_event_id) DO NOTHING RETURNING id, line_user_id"
    ).bindparams(
        *(
            bindparam(f"{name}_{n}", type_=table.c[name].type)
            for n in range(rows)
            for name in names
        )
    )


# A writer's connection unused this long goes back to the pool before the
# next round, which then gets one the pool has checked (pre-ping).
WRITER_IDLE_SECONDS = 10.0
# The name the webhook INSERT is prepared under on each writer connection.
PREPARED_INSERT = b"omo_store_webhook_events"


class EventStore:
    """Writes rounds of webhook events on one autocommitted connection.

    Each INSERT commits on its own: one round trip per round instead of
    BEGIN, INSERT and COMMIT. That is safe because storing is idempotent: if
    a later statement of a round fails, the request answers 500, LINE
    redelivers, and the events already stored are recognised by their id.
    The connection stays checked out from one round to the next, even across
    the short gaps between deliveries (checking it in and out again cost a
    pre-ping round trip and a third of a lone delivery's CPU); after
    WRITER_IDLE_SECONDS without a round it goes back to the pool, and a
    connection the database dropped meanwhile is replaced once. Only the
    round's writer uses it, one writer at a time.

    On PostgreSQL the INSERT is prepared once per connection and run with one
    blocking libpq call (see _insert_prepared).
    """

    def __init__(
        self, idle_seconds: float = WRITER_IDLE_SECONDS, engine: Engine | None = None
    ) -> None:
        self._engine = engine  # the app's engine (db.engine) unless given
        self._connection: Connection | None = None
        self._idle_seconds = idle_seconds
        self._last_write = 0.0

    def write(self, events: list[IncomingEvent]) -> list[StoredEvent]:
        """Store the events of one round; return the new rows."""
        now = time.monotonic()
        if now - self._last_write > self._idle_seconds:
            self.release()
        self._last_write = now
        for attempt in (1, 2):
            if self._connection is None:
                engine = self._engine or db.engine
                self._connection = engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                )
            try:
                return store_new_events(self._connection, events)
            except (DBAPIError, psycopg.Error) as exc:
                # A connection the database dropped while we held it: once more
                # on a fresh (pre-pinged) one.
                dropped = self._dropped(exc)
                self.release()
                if attempt == 2 or not dropped:
                    raise
        raise AssertionError("unreachable")

    def _dropped(self, exc: BaseException) -> bool:
        if isinstance(exc, DBAPIError):
            return exc.connection_invalidated
        connection = self._connection
        if connection is None or connection.closed:
            return True
        if connection.connection.driver_connection.pgconn.status == pq.ConnStatus.OK:
            return False
        connection.invalidate()  # not back into the pool
        return True

    def release(self) -> None:
        """Give the connection back to the pool."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.close()


def _libpq_blocks_threads_only() -> bool:
    # psycopg waits with its C function (blocking only the calling thread)
    # unless gevent or the like has patched select; then it waits
    # cooperatively, and a blocking libpq call would stall every greenlet, so
    # the SQLAlchemy path is taken instead.
    return psycopg.waiting.wait is getattr(psycopg.waiting, "wait_c", None)


def _insert_prepared(
    connection: Connection, events: list[IncomingEvent]
) -> list[StoredEvent]:
    # One libpq call sends the statement and waits for its result with the
    # GIL released once. psycopg's execute releases and retakes it several
    # times, and under load each retake waits behind the threads parsing
    # other deliveries: the same INSERT takes 0.3-0.5 ms on a quiet process
    # and took 3-4.5 ms of wall time per round under the benchmark's load
    # (bench/README.md).
    pgconn = connection.connection.driver_connection.pgconn
    # The pool keeps this dict with the database session, across check-outs,
    # and empties it when it opens a new session.
    if not connection.info.get(PREPARED_INSERT):
        prepared = pgconn.prepare(PREPARED_INSERT, _prepared_insert_sql())
        _check(prepared, pq.ExecStatus.COMMAND_OK)
        connection.info[PREPARED_INSERT] = True
    result = pgconn.exec_prepared(
        PREPARED_INSERT,
        [
            _recordset_json(events).encode(),
            PENDING.encode(),
            utcnow().isoformat().encode(),
        ],
    )
    _check(result, pq.ExecStatus.TUPLES_OK)
    return _stored(
        (int(result.get_value(n, 0)), _text(result.get_value(n, 1)))
        for n in range(result.ntuples)
    )


def _check(result: Any, expected: pq.ExecStatus) -> None:
    if result.status != expected:
        raise psycopg.errors.error_from_result(result)


@functools.cache
def _prepared_insert_sql() -> bytes:
    # The same statement as _insert_recordset, with libpq's placeholders.
    compiled = str(_insert_recordset())
    for number, name in enumerate(("rows", "status", "received_at"), start=1):
        compiled = compiled.replace(f":{name}", f"${number}")
    return compiled.encode()


def _text(value: bytes | None) -> str | None:
    return value.decode() if value is not None else None
