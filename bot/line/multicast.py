"""Multicast within LINE's rate limit, once per retry key.

LINE allows MULTICAST_RATE_PER_SECOND requests per second per channel for
multicast. Every sender thread of this process takes a slot from one sliding
window first; a 429 that still happens (another process sending on the same
channel) waits and tries again with the same retry key, which LINE had not
accepted. A 409 means LINE accepted that retry key earlier: delivered.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

from flask import current_app

from bot.line.client import LineTransientError, RetryKeyAlreadyAccepted, line_client

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 500
# LINE counts requests as they arrive; keep a little room for network jitter.
WINDOW_SECONDS = 1.05
MAX_ATTEMPTS = 6


class SlidingWindowLimiter:
    """At most `per_second` acquisitions in any window, shared across threads."""

    def __init__(self, per_second: int, window: float = WINDOW_SECONDS) -> None:
        self.per_second = max(1, per_second)
        self.window = window
        self._started: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until one more request fits in the window, then count it."""
        while True:
            with self._lock:
                now = time.monotonic()
                while self._started and now - self._started[0] >= self.window:
                    self._started.popleft()
                if len(self._started) < self.per_second:
                    self._started.append(now)
                    return
                wait = self.window - (now - self._started[0])
            time.sleep(max(wait, 0.001))


_limiter_lock = threading.Lock()


def multicast_limiter() -> SlidingWindowLimiter:
    """Return this app's shared multicast limiter."""
    extensions = current_app.extensions
    with _limiter_lock:
        limiter = extensions.get("multicast_limiter")
        if limiter is None:
            rate = current_app.config["SETTINGS"].MULTICAST_RATE_PER_SECOND
            limiter = extensions["multicast_limiter"] = SlidingWindowLimiter(rate)
    return limiter


def send_multicast(
    to: Sequence[str],
    messages: Sequence[dict[str, Any]],
    retry_key: str,
    unit: str | None = None,
) -> str:
    """Multicast to up to 500 users; return "sent", or "already" on a replay."""
    if not 1 <= len(to) <= MAX_RECIPIENTS:
        raise ValueError(f"multicast takes 1 to 500 recipients, got {len(to)}")
    limiter = multicast_limiter()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        limiter.acquire()
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
