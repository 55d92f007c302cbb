"""Console sessions kept in Redis, so that sign-out really ends them.

The signed cookie carries only a random session id. Redis maps its digest to
the operator for `OPERATOR_SESSION_IDLE_MINUTES`, restarted by every request;
signing out deletes it, and a password change deletes all of the operator's.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app

from bot.extensions import get_redis


def _idle_seconds() -> int:
    return int(current_app.config["SETTINGS"].OPERATOR_SESSION_IDLE_MINUTES) * 60


def _key(session_id: str) -> str:
    # Only a digest is stored: reading Redis gives no cookie to replay.
    return "operator:session:" + hashlib.sha256(session_id.encode()).hexdigest()


def _index(operator_id: int) -> str:
    return f"operator:sessions-of:{operator_id}"


def start_session(operator_id: int) -> str:
    """Open a session for the operator and return its id for the cookie."""
    session_id, idle = secrets.token_urlsafe(32), _idle_seconds()
    pipe = get_redis().pipeline()
    pipe.set(_key(session_id), operator_id, ex=idle)
    pipe.sadd(_index(operator_id), _key(session_id))
    pipe.expire(_index(operator_id), idle)
    pipe.execute()
    return session_id


def session_owner(session_id: str) -> int | None:
    """Return the operator id of a live session and restart its idle clock."""
    if not session_id:
        return None
    redis, key = get_redis(), _key(session_id)
    value = redis.getex(key, ex=_idle_seconds())
    if value is None:
        return None
    redis.expire(_index(int(value)), _idle_seconds())
    return int(value)


def end_session(session_id: str) -> None:
    """Forget one session (sign-out)."""
    redis, key = get_redis(), _key(session_id)
    value = redis.getdel(key)
    if value is not None:
        redis.srem(_index(int(value)), key)


def end_all_sessions(operator_id: int) -> None:
    """Forget every session of the operator (password change, deactivation)."""
    redis = get_redis()
    keys = list(redis.smembers(_index(operator_id)))
    redis.delete(*keys, _index(operator_id))
