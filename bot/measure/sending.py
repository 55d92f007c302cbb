"""Personal copies of a shared message: one push per recipient with their links.

A multicast carries identical content to up to 500 customers, so it cannot
carry each customer's own tracked links. A send whose messages hold URLs goes
out as pushes instead: the same message quota (LINE counts each recipient of a
multicast too), at PUSH_RATE_PER_SECOND requests per second instead of
MULTICAST_RATE_PER_SECOND x 500 recipients.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask

from bot.line.client import LineTransientError, RetryKeyAlreadyAccepted, line_client
from bot.line.delivery import retry_key_for
from bot.line.rate_limits import rate_limit
from bot.measure.links import rewrite

MAX_ATTEMPTS = 4


def push_each(
    app: Flask,
    recipients: list[tuple[int, str]],
    messages: list[dict[str, Any]],
    links: dict[str, int],
    key_parts: tuple[Any, ...],
    unit: str | None,
) -> str:
    """Push each (user pk, LINE id) their own copy; "already" if all replayed."""
    outcomes = set()
    with app.app_context():
        limiter, client = rate_limit("push"), line_client()
        for pk, line_id in recipients:
            personal = rewrite(messages, links, pk)
            key = retry_key_for(*key_parts, pk)
            for attempt in range(1, MAX_ATTEMPTS + 1):
                limiter.take()
                try:
                    client.push(line_id, personal, key, unit)
                    outcomes.add("sent")
                except RetryKeyAlreadyAccepted:
                    outcomes.add("already")
                except LineTransientError:
                    if attempt == MAX_ATTEMPTS:
                        raise
                    time.sleep(0.2 * attempt)
                    continue
                break
    return "already" if outcomes == {"already"} else "sent"
