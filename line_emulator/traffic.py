"""Recorded calls, injected faults and per-endpoint rate limits."""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

FAULT_MODES = ("before", "after")


@dataclass
class RecordedCall:
    """One request the bot made to the emulated LINE Platform, and the answer."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    status: int
    response: Any
    request_id: str
    timestamp: float

    def as_dict(self) -> dict[str, Any]:
        """Return the call as JSON-friendly values."""
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "status": self.status,
            "response": self.response,
            "requestId": self.request_id,
            "timestamp": self.timestamp,
        }


@dataclass
class Fault:
    """The next `remaining` calls matching path (and method) answer `status`."""

    path: str
    status: int
    remaining: int
    mode: str = "before"
    method: str | None = None
    body: dict[str, Any] | None = None

    def matches(self, method: str, path: str) -> bool:
        """Tell whether this fault applies to a call."""
        if self.method and self.method.upper() != method.upper():
            return False
        return fnmatchcase(path, self.path)

    def as_dict(self) -> dict[str, Any]:
        """Return the fault as JSON-friendly values."""
        return {
            "path": self.path,
            "status": self.status,
            "remaining": self.remaining,
            "mode": self.mode,
            "method": self.method,
            "body": self.body,
        }


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """Return headers with the Authorization value hidden."""
    return {
        name: ("<redacted>" if name.lower() == "authorization" else value)
        for name, value in headers.items()
    }


class CallLog:
    """An append-only list of recorded calls; callers hold the platform lock."""

    def __init__(self) -> None:
        self.calls: list[RecordedCall] = []
        # Kept as calls come, so that /_emulator/stats never walks the list.
        self.by_status: Counter[str] = Counter()

    def add(self, call: RecordedCall) -> None:
        """Append one call."""
        self.calls.append(call)
        self.by_status[str(call.status)] += 1

    def find(
        self, path: str | None = None, method: str | None = None
    ) -> list[RecordedCall]:
        """Return calls whose path matches the fnmatch pattern and method."""
        found = []
        for call in self.calls:
            if method and call.method.upper() != method.upper():
                continue
            if path and not fnmatchcase(call.path, path):
                continue
            found.append(call)
        return found

    def clear(self) -> None:
        """Forget every call."""
        self.calls.clear()
        self.by_status.clear()


class FaultPlan:
    """Faults waiting to be served, first added first served."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Queue a fault after checking its mode and count."""
        if fault.mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {FAULT_MODES}")
        if fault.remaining < 1:
            raise ValueError("count must be at least 1")
        if not 400 <= fault.status <= 599:
            raise ValueError("status must be an HTTP error status")
        self.faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """Return and use up one matching fault, if any."""
        for fault in self.faults:
            if fault.matches(method, path):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        """Drop every fault."""
        self.faults.clear()


class RateLimiter:
    """A one-second sliding window per configured path pattern."""

    def __init__(self) -> None:
        self.windows: dict[str, deque[float]] = {}

    def allow(self, limits: dict[str, int], path: str) -> bool:
        """Count a call against the first matching limit; tell whether it may pass."""
        for pattern, per_second in limits.items():
            if not fnmatchcase(path, pattern):
                continue
            now = time.monotonic()
            window = self.windows.setdefault(pattern, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= per_second:
                return False
            window.append(now)
            return True
        return True

    def clear(self) -> None:
        """Forget every window."""
        self.windows.clear()
