"""CSRF tokens for the bot's HTML forms, kept in Flask's signed session."""

from __future__ import annotations

import hmac
import re
import secrets

from flask import session

CSRF_FIELD = "csrf_token"
# A form's one-time key (a send, an operator's reply): a double submit is
# recognised by it and acted on once.
FORM_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_form_key() -> str:
    """Return a fresh one-time key for a form that must act once."""
    return secrets.token_urlsafe(24)


def is_form_key(value: str) -> bool:
    """Tell whether a submitted value has the shape of a form key."""
    return FORM_KEY.fullmatch(value) is not None


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
