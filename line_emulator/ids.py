"""Identifiers shaped like the ones LINE issues."""

from __future__ import annotations

import itertools
import os
import re
import secrets
import time

USER_ID_PATTERN = re.compile(r"^U[0-9a-f]{32}$")
RETRY_KEY_PATTERN = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_user_id() -> str:
    """Return a fresh user id: 'U' and 32 hex digits."""
    return "U" + secrets.token_hex(16)


def new_request_id() -> str:
    """Return a fresh x-line-request-id value."""
    return secrets.token_hex(16)


def new_reply_token() -> str:
    """Return a fresh reply token."""
    return secrets.token_hex(16)


# Message ids grow like LINE's; a counter keeps them unique without a random draw.
_message_ids = itertools.count(int(time.time() * 1000) * 1000)


def new_message_id() -> str:
    """Return a fresh numeric message id."""
    return str(next(_message_ids))[-18:]


def new_quote_token() -> str:
    """Return a fresh quote token."""
    return secrets.token_urlsafe(96)[:128]


def new_mark_as_read_token() -> str:
    """Return a fresh mark-as-read token for a received message."""
    return secrets.token_urlsafe(48)


def new_link_token() -> str:
    """Return a fresh account-link token."""
    return secrets.token_urlsafe(24)


def new_rich_menu_id() -> str:
    """Return a fresh rich menu id: 'richmenu-' and 32 hex digits."""
    return "richmenu-" + secrets.token_hex(16)


def new_webhook_event_id() -> str:
    """Return a 26-character ULID: 48-bit millisecond time and 80 random bits."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def is_user_id(value: object) -> bool:
    """Tell whether value looks like a LINE user id."""
    return isinstance(value, str) and bool(USER_ID_PATTERN.match(value))


def is_retry_key(value: str) -> bool:
    """Tell whether value is a hexadecimal UUID as LINE wants for retry keys."""
    return bool(RETRY_KEY_PATTERN.match(value))
