"""Sign-in attempts in Redis: a sliding window per account and per IP.

Each sign-in form (the member link page, the operator console) counts its
attempts under a prefix of its own, with limits from its own settings. An
attempt is counted before its password or birthday is checked, in one Redis
script that also checks the limits, so parallel guesses cannot all slip in
under the limit; a successful attempt is then taken back.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass

from flask import request

from bot.extensions import get_redis

# KEYS: the IP's window, then the account's; ARGV: now, window, each key's limit,
# the attempt's entry. Counts the attempt in every window, or in none.
_RESERVE = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= tonumber(ARGV[2 + i]) then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[#ARGV])
  redis.call('EXPIRE', key, window)
end
return 1
"""


def client_ip() -> str:
    """Return the address failures count against for the current request."""
    # Behind a reverse proxy, configure ProxyFix so remote_addr is the client.
    return request.remote_addr or "unknown"


@dataclass(frozen=True)
class Attempt:
    """One counted sign-in attempt, to be taken back if it succeeds."""

    entry: str
    ip: str
    account: str | None


@dataclass(frozen=True)
class FailureLimit:
    """How many failed sign-ins a window allows, per IP and per account."""

    prefix: str
    window_seconds: int
    per_account: int
    per_ip: int

    def reserve(self, ip: str, account: str | None) -> Attempt | None:
        """Count an attempt before it is checked; None when a limit is used up."""
        now = time.time()
        entry = f"{now:.6f}:{uuid.uuid4().hex[:12]}"
        keys, limits = [self._key("ip", ip)], [self.per_ip]
        if account is not None:
            keys.append(self._key("account", account))
            limits.append(self.per_account)
        script = get_redis().register_script(_RESERVE)
        counted = script(keys=keys, args=[now, self.window_seconds, *limits, entry])
        return Attempt(entry, ip, account) if int(counted) == 1 else None

    def succeeded(self, attempt: Attempt) -> None:
        """Take back a successful attempt and forget the account's failures."""
        pipe = get_redis().pipeline()
        pipe.zrem(self._key("ip", attempt.ip), attempt.entry)
        if attempt.account is not None:
            pipe.delete(self._key("account", attempt.account))
        pipe.execute()

    def _key(self, scope: str, value: str) -> str:
        # Hashed so that emails and addresses never appear in Redis keys.
        hashed = hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]
        return f"{self.prefix}:{scope}:{hashed}"
