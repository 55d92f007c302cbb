"""How many live console streams may be open: per operator, and per thread pool.

A server-sent event stream holds its connection for minutes. Where each
connection holds a thread (gunicorn's gthread workers, the webhook's own
processes) a few streams would take the threads LINE's webhook deliveries
need, so such a process keeps at most OPERATOR_STREAMS_PER_THREADED_PROCESS
and refuses the rest (503): production serves `/operator/events` from a
gevent worker of its own, where a held connection costs no thread (README).
Across all processes one operator may hold OPERATOR_STREAMS_PER_OPERATOR
streams (429 beyond): leases in Redis that the stream renews while it runs and
that expire on their own when its process dies.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError

# Adds ARGV[3] to the set if fewer than ARGV[1] unexpired leases are in it.
_TAKE_LEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 60)
return 1
"""
# Moves a lease's expiry on, if it is still held.
_RENEW_LEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
return redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[2])
"""


class StreamRefused(Exception):
    """No stream may be opened now; `status` is the HTTP answer to give."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def held_connections_are_free() -> bool:
    """Tell whether this process serves connections on greenlets, not threads."""
    try:
        from gevent import monkey
    except ImportError:
        return False
    return bool(monkey.is_module_patched("socket"))


@dataclass
class ThreadedStreams:
    """Streams open in this process, where each one holds a thread."""

    limit: int
    open: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self) -> bool:
        """Count one more stream if there is room; tell whether there was."""
        with self._lock:
            if self.open >= self.limit:
                return False
            self.open += 1
            return True

    def leave(self) -> None:
        """Count one stream fewer."""
        with self._lock:
            self.open -= 1


@dataclass
class StreamSlot:
    """One open stream's place: its lease in Redis and, maybe, a thread's."""

    redis: Redis
    key: str
    lease_id: str
    ttl: float
    threaded: ThreadedStreams | None
    released: bool = False

    def renew(self) -> None:
        """Keep the lease while the stream runs."""
        self.redis.eval(_RENEW_LEASE, 1, self.key, self.ttl, self.lease_id)

    def release(self) -> None:
        """Give the place back (once)."""
        if self.released:
            return
        self.released = True
        if self.threaded is not None:
            self.threaded.leave()
        try:
            self.redis.zrem(self.key, self.lease_id)
        except (RedisError, OSError):
            pass  # the lease runs out by itself


def open_stream_slot(redis: Redis, operator_id: int, heartbeat: float) -> StreamSlot:
    """Take a place for one more stream of this operator, or raise StreamRefused."""
    settings = current_app.config["SETTINGS"]
    threaded = None
    if not held_connections_are_free():
        threaded = current_app.extensions.setdefault(
            "threaded_streams",
            ThreadedStreams(settings.OPERATOR_STREAMS_PER_THREADED_PROCESS),
        )
        if not threaded.enter():
            raise StreamRefused(503, "live updates are served by the live process")
    key = f"live-streams:{operator_id}"
    lease_id = uuid.uuid4().hex
    ttl = max(3 * heartbeat, heartbeat + 10)
    try:
        taken = redis.eval(
            _TAKE_LEASE, 1, key, settings.OPERATOR_STREAMS_PER_OPERATOR, ttl, lease_id
        )
    except BaseException:
        if threaded is not None:
            threaded.leave()
        raise
    if not taken:
        if threaded is not None:
            threaded.leave()
        raise StreamRefused(429, "too many live streams open for this operator")
    return StreamSlot(redis, key, lease_id, ttl, threaded)
