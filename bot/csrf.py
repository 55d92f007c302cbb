"""CSRF tokens for the bot's HTML forms, kept in Flask's signed session."""

from __future__ import annotations

import hmac
import secrets

from flask import session

CSRF_FIELD = "csrf_token"


def csrf_token() -> str:
    """Return this session's CSRF token, creating it on first use."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def csrf_matches(sent: str) -> bool:
    """Tell whether a submitted token is this session's, in constant time."""
    expected = session.get(CSRF_FIELD) or ""
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())
