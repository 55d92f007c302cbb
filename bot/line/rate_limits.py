"""LINE's per-channel rate limits, counted in Redis so every process shares them.

LINE counts requests per channel, whichever gunicorn worker or job thread made
them. Each limit is a sliding window kept in a Redis sorted set and checked and
taken by one Lua script, so two processes can never both take the last slot.
Time comes from the Redis server, so the processes' clocks do not matter.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from flask import current_app
from redis import Redis

from bot.line.client import LineTransientError

# Takes ARGV[3] slots if they fit in the window; else returns the microseconds
# until the oldest slot leaves it.
_TAKE_SLOTS = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local used = redis.call('ZCARD', key)
if used + wanted <= limit then
  for n = 1, wanted do
    redis.call('ZADD', key, now, ARGV[4] .. ':' .. n)
  end
  redis.call('PEXPIRE', key, math.ceil(window / 1000) + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, used + wanted - limit - 1, 'WITHSCORES')
return math.max(1, tonumber(oldest[#oldest]) + window - now)
"""


class RateLimited(LineTransientError):
    """Our own count says LINE would refuse this call for longer than we wait."""

    def __init__(self, operation: str, retry_after: float) -> None:
        super().__init__(operation, 429, f"rate limit: free in {retry_after:.0f} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SharedRateLimit:
    """At most `limit` calls in any `window` seconds, across every process."""

    redis: Redis
    name: str
    limit: int
    window: float

    def try_take(self, slots: int = 1) -> float:
        """Take slots now and return 0, or return the seconds until they fit."""
        if slots > self.limit:
            raise ValueError(f"{self.name}: {slots} slots exceed the limit")
        waited_us = self.redis.eval(
            _TAKE_SLOTS,
            1,
            f"line-rate:{self.name}",
            self.limit,
            int(self.window * 1_000_000),
            slots,
            uuid.uuid4().hex,
        )
        return int(waited_us) / 1_000_000

    def take(self, max_wait: float = float("inf")) -> None:
        """Wait for a slot and take it; raise RateLimited if it is further off."""
        while True:
            wait = self.try_take()
            if wait == 0:
                return
            if wait > max_wait:
                raise RateLimited(self.name, wait)
            time.sleep(wait)


# LINE's documented limits (messaging-api reference, "Rate limits"), per channel.
_LIMITS = {
    # Send multicast message: 200 requests per second; a little room for jitter.
    "multicast": ("MULTICAST_RATE_PER_SECOND", 1.05),
    # Send push message: 2,000 requests per second (scenario steps).
    "push": ("PUSH_RATE_PER_SECOND", 1.05),
    # Create rich menu and Delete rich menu: 100 requests per hour each.
    "richmenu-create": ("RICHMENU_CREATE_DELETE_PER_HOUR", 3600.0),
    "richmenu-delete": ("RICHMENU_CREATE_DELETE_PER_HOUR", 3600.0),
}


def rate_limit(name: str) -> SharedRateLimit:
    """Return the shared limit for one kind of LINE call."""
    setting, window = _LIMITS[name]
    settings = current_app.config["SETTINGS"]
    limit = max(1, int(getattr(settings, setting)))
    from bot.extensions import get_redis

    return SharedRateLimit(get_redis(), name, limit, window)
