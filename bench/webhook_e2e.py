"""End to end: webhook in, worker, reply received by the emulator; events/s."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from webhook_load import emulator_bodies, send_all
from webhook_processes import cpu_used
from webhook_stores import count_events

from line_emulator.client import EmulatorClient

# A question the shipped FAQ answers: the common path of a text message.
CUSTOMER_QUESTION = "送料はいくらですか？"
SEND_TIMEOUT = 30.0
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class E2eResult:
    """End-to-end figures for one emulator latency."""

    latency_ms: int
    events: int
    acked_seconds: float
    last_reply_seconds: float
    statuses: dict[int, int]
    replies: int
    pushes: int
    line_statuses: dict[str, int]
    # CPU seconds used during the run, by kind of process (see cpu_seconds).
    cpu: dict[str, float] = field(default_factory=dict)

    def cpu_ms_per_event(self) -> dict[str, float]:
        """Return CPU milliseconds per event, by kind of process."""
        return {kind: 1000 * used / self.events for kind, used in self.cpu.items()}

    @property
    def events_per_second(self) -> float:
        """Return events per second from the first webhook to the last reply."""
        if self.last_reply_seconds <= 0:
            return 0.0
        return self.events / self.last_reply_seconds


class EndToEnd:
    """Send message events the emulator issued reply tokens for, to the bot."""

    def __init__(
        self,
        emulator: EmulatorClient,
        bot_port: int,
        database_url: str,
        connections: int,
        cpu_seconds: Callable[[], dict[str, float]],
    ) -> None:
        self.emulator = emulator
        self.cpu_seconds = cpu_seconds
        self.bot_port = bot_port
        self.database_url = database_url
        self.connections = connections
        self.user_ids: list[str] = []

    def meet_users(self, users: int, timeout: float) -> None:
        """Have each user write once, so that the measured events come from
        customers the bot knows (their profile fetched, their row stored); this
        also warms up every process."""
        self.emulator.configure(latency_ms=0)
        batch = self.emulator.build_webhooks(
            "text", users, users=users, text=CUSTOMER_QUESTION
        )
        self.user_ids = batch["userIds"]
        before = self.emulator.stats()
        sent = send_all(
            self.bot_port, emulator_bodies(batch), self.connections, SEND_TIMEOUT
        )
        stats = self.wait(before, users, timeout)
        answered = _replies(stats) - _replies(before)
        if sent.statuses.get(200) != users or answered < users:
            raise RuntimeError(
                f"warm-up: the bot acknowledged {dict(sent.statuses)} and replied "
                f"{answered} of {users} times; see the worker logs"
            )

    def warm(self, timeout: float, events: int = 200) -> None:
        """Send a few events and wait for their replies (workers just started)."""
        self.run(0, events, timeout)

    def run(self, latency_ms: int, events: int, timeout: float) -> E2eResult:
        """Send `events` from the known users; time until the last reply."""
        self.emulator.configure(latency_ms=latency_ms)
        batch = self.emulator.build_webhooks(
            "text", events, users=self.user_ids, text=CUSTOMER_QUESTION
        )
        bodies = emulator_bodies(batch)
        before = self.emulator.stats()
        cpu_before = self.cpu_seconds()
        sent = send_all(self.bot_port, bodies, self.connections, SEND_TIMEOUT)
        stats = self.wait(before, events, timeout)
        cpu = cpu_used(cpu_before, self.cpu_seconds())
        cpu.pop("finished children", None)
        last = stats["lastDeliveryAt"] or time.time()
        deliveries, earlier = stats["deliveries"], before["deliveries"]
        return E2eResult(
            latency_ms=latency_ms,
            events=events,
            acked_seconds=sent.finished - sent.started,
            last_reply_seconds=last - sent.started,
            statuses=dict(sent.statuses),
            replies=deliveries.get("reply", 0) - earlier.get("reply", 0),
            pushes=deliveries.get("push", 0) - earlier.get("push", 0),
            line_statuses=_difference(stats["callsByStatus"], before["callsByStatus"]),
            cpu=cpu,
        )

    def wait(
        self, before: dict[str, Any], expected: int, timeout: float
    ) -> dict[str, Any]:
        """Wait for `expected` more deliveries, or until no event is pending."""
        deadline = time.monotonic() + timeout
        while True:
            stats = self.emulator.stats()
            delivered = sum(stats["deliveries"].values()) - sum(
                before["deliveries"].values()
            )
            if delivered >= expected or time.monotonic() > deadline:
                return stats
            # A handler may answer some events without a message: then the run
            # ends when the bot has handled every stored event.
            unfinished = sum(
                count_events(self.database_url, status)
                for status in ("pending", "sending")
            )
            if unfinished == 0:
                return self.emulator.stats()
            time.sleep(POLL_SECONDS)


def _replies(stats: dict[str, Any]) -> int:
    return int(stats["deliveries"].get("reply", 0))


def _difference(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    changed = {key: value - before.get(key, 0) for key, value in after.items()}
    return {key: value for key, value in changed.items() if value}
