"""Failed sign-in attempts in Redis: a sliding window per account and per IP.

Each sign-in form (the member link page, the operator console) counts its
failures under a prefix of its own, with limits from its own settings.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass

from flask import request

from bot.extensions import get_redis


def client_ip() -> str:
    """Return the address failures count against for the current request."""
    # Behind a reverse proxy, configure ProxyFix so remote_addr is the client.
    return request.remote_addr or "unknown"


@dataclass(frozen=True)
class FailureLimit:
    """How many failed sign-ins a window allows, per IP and per account."""

    prefix: str
    window_seconds: int
    per_account: int
    per_ip: int

    def is_limited(self, ip: str, account: str | None) -> bool:
        """Tell whether this IP or account has used up its failures in the window."""
        if self._count("ip", ip) >= self.per_ip:
            return True
        if account is None:
            return False
        return self._count("account", account) >= self.per_account

    def record_failure(self, ip: str, account: str | None) -> None:
        """Count one failed attempt for the IP and, if known, the account."""
        self._add("ip", ip)
        if account is not None:
            self._add("account", account)

    def clear_account(self, account: str) -> None:
        """Forget an account's failures after it signed in correctly."""
        get_redis().delete(self._key("account", account))

    def _key(self, scope: str, value: str) -> str:
        # Hashed so that emails and addresses never appear in Redis keys.
        hashed = hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]
        return f"{self.prefix}:{scope}:{hashed}"

    def _count(self, scope: str, value: str) -> int:
        key, now = self._key(scope, value), time.time()
        pipe = get_redis().pipeline()
        pipe.zremrangebyscore(key, "-inf", now - self.window_seconds)
        pipe.zcard(key)
        return int(pipe.execute()[1])

    def _add(self, scope: str, value: str) -> None:
        key, now = self._key(scope, value), time.time()
        pipe = get_redis().pipeline()
        pipe.zadd(key, {f"{now:.6f}:{uuid.uuid4().hex[:8]}": now})
        pipe.expire(key, self.window_seconds)
        pipe.execute()
