"""Live updates for the console: Redis pub/sub, published only after commit.

Every web process (any gunicorn worker) subscribes to one channel, so a change
made in the worker or in another web process reaches every open console.
Events carry ids only; the console fetches what changed, so no customer text
passes through Redis.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator

from redis import Redis
from redis.exceptions import RedisError

from bot.extensions import after_commit, get_redis
from bot.handoff.stream_slots import StreamSlot

log = logging.getLogger(__name__)

CHANNEL = "operator:events"


def publish_after_commit(kind: str, conversation_id: int | None = None) -> None:
    """Announce a change to every console once the transaction commits."""
    redis = get_redis()
    payload = json.dumps({"type": kind, "conversation": conversation_id})
    after_commit(lambda: _publish(redis, payload))


def _publish(redis: Redis, payload: str) -> None:
    try:
        redis.publish(CHANNEL, payload)
    except RedisError as exc:
        # Consoles also refresh on reconnect; a lost event is not worth a failure.
        log.warning("live update not published", extra={"error": type(exc).__name__})


def stream_events(
    redis: Redis,
    heartbeat_seconds: float,
    max_seconds: float = 300.0,
    slot: StreamSlot | None = None,
) -> Iterator[str]:
    """Yield server-sent events from the channel, with heartbeats, until closed.

    The stream ends after `max_seconds` (the browser reconnects by itself) and
    as soon as a write fails because the client went away: the next heartbeat
    raises in the server, which closes this generator and its subscription.
    The stream's slot (see stream_slots) is renewed with each heartbeat and
    given back when it ends.
    """
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(CHANNEL)
        yield "retry: 2000\n: connected\n\n"
        started = last_sent = renewed = time.monotonic()
        while time.monotonic() - started < max_seconds:
            message = pubsub.get_message(timeout=min(1.0, heartbeat_seconds))
            if message is not None and message.get("type") == "message":
                data = message["data"]
                text = data.decode() if isinstance(data, bytes) else str(data)
                yield f"data: {text}\n\n"
                last_sent = time.monotonic()
            elif time.monotonic() - last_sent >= heartbeat_seconds:
                yield ": heartbeat\n\n"
                last_sent = time.monotonic()
            if slot is not None and time.monotonic() - renewed >= heartbeat_seconds:
                slot.renew()
                renewed = time.monotonic()
    except (RedisError, OSError, ValueError) as exc:
        # Redis went away or the app is shutting down its client.
        log.warning("live stream ended", extra={"error": type(exc).__name__})
    finally:
        with contextlib.suppress(RedisError, OSError, ValueError):
            pubsub.unsubscribe()
        with contextlib.suppress(RedisError, OSError, ValueError):
            pubsub.close()
        if slot is not None:
            slot.release()
