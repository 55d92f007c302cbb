"""Failed sign-in attempts in Redis: a sliding window per account and per IP.

Password and card-number sign-ins count against the same account once the
identifier names a member, so switching methods gains an attacker nothing.
"""

from __future__ import annotations

import hashlib
import time
import uuid

from flask import current_app

from bot.extensions import get_redis

_PREFIX = "link:failures"


def account_key(kind: str, identifier: str, member_id: int | None) -> str:
    """Return the key an attempt counts against: the member, else what was typed."""
    if member_id is not None:
        return f"member:{member_id}"
    return f"{kind}:{identifier.strip().lower()}"


def is_limited(ip: str, account: str | None) -> bool:
    """Tell whether this IP or account has used up its failures in the window."""
    settings = current_app.config["SETTINGS"]
    if _count("ip", ip) >= settings.LINK_MAX_FAILURES_PER_IP:
        return True
    if account is None:
        return False
    return _count("account", account) >= settings.LINK_MAX_FAILURES_PER_ACCOUNT


def record_failure(ip: str, account: str | None) -> None:
    """Count one failed attempt for the IP and, if known, the account."""
    _add("ip", ip)
    if account is not None:
        _add("account", account)


def clear_account(account: str) -> None:
    """Forget an account's failures after it signed in correctly."""
    get_redis().delete(_key("account", account))


def _key(scope: str, value: str) -> str:
    # Hashed so that emails and addresses never appear in Redis keys.
    hashed = hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]
    return f"{_PREFIX}:{scope}:{hashed}"


def _window() -> int:
    return int(current_app.config["SETTINGS"].LINK_FAILURE_WINDOW_SECONDS)


def _count(scope: str, value: str) -> int:
    key, now = _key(scope, value), time.time()
    pipe = get_redis().pipeline()
    pipe.zremrangebyscore(key, "-inf", now - _window())
    pipe.zcard(key)
    return int(pipe.execute()[1])


def _add(scope: str, value: str) -> None:
    key, now = _key(scope, value), time.time()
    pipe = get_redis().pipeline()
    pipe.zadd(key, {f"{now:.6f}:{uuid.uuid4().hex[:8]}": now})
    pipe.expire(key, _window())
    pipe.execute()
