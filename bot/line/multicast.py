"""Multicast within LINE's rate limit, once per retry key.

LINE allows MULTICAST_RATE_PER_SECOND requests per second per channel for
multicast. Every sender, in any process, takes a slot from one sliding window
kept in Redis first (bot/line/rate_limits.py); a 429 that still happens
(another program sending on the same channel) waits and tries again with the
same retry key, which LINE had not accepted. A 409 means LINE accepted that
retry key earlier: delivered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from bot.line.client import LineTransientError, RetryKeyAlreadyAccepted, line_client
from bot.line.rate_limits import rate_limit

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 500
MAX_ATTEMPTS = 6


def send_multicast(
    to: Sequence[str],
    messages: Sequence[dict[str, Any]],
    retry_key: str,
    unit: str | None = None,
) -> str:
    """Multicast to up to 500 users; return "sent", or "already" on a replay."""
    if not 1 <= len(to) <= MAX_RECIPIENTS:
        raise ValueError(f"multicast takes 1 to 500 recipients, got {len(to)}")
    limiter = rate_limit("multicast")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        limiter.take()
        try:
            line_client().multicast(to, messages, retry_key, unit)
            return "sent"
        except RetryKeyAlreadyAccepted:
            log.info("multicast batch already accepted by LINE")
            return "already"
        except LineTransientError as exc:
            if attempt == MAX_ATTEMPTS:
                raise
            # A 429 clears within the second; a 5xx or timeout gets a longer wait.
            pause = 0.2 * attempt if exc.status == 429 else 0.5 * 2**attempt
            log.warning(
                "multicast batch will be retried",
                extra={"status": exc.status, "attempt": attempt},
            )
            time.sleep(pause)
    raise AssertionError("unreachable")
