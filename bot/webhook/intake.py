"""Group commit for webhook deliveries: one committed INSERT and one job a round.

Under load, every gunicorn worker has several deliveries in flight at once.
The first to arrive becomes the writer: it takes every delivery waiting at that
moment, inserts all their events with one autocommitted statement, wakes the
others with the outcome, hands the writer's seat on, and queues one job for
the events that were new. Deliveries that arrive while it writes wait for the
next round, led by one of them. A delivery that finds nobody writing writes
its own events at once, so a quiet bot behaves exactly as if there were no
grouping.

Nothing is acknowledged before its round committed: a request returns only
after the statement that stored its events, and a failed round fails every
request in it (LINE redelivers them). A round refused for what one delivery's
events hold (see `unstorable`) is written again delivery by delivery, so only
that delivery fails.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from redis.exceptions import RedisError

from bot.webhook.parsing import IncomingEvent
from bot.webhook.store import StoredEvent

log = logging.getLogger(__name__)

# The longest a writer waits for deliveries already in flight to join its round.
GATHER_SECONDS = 0.002

# Stores the events of a round and commits; returns the new rows.
Writer = Callable[[list[IncomingEvent]], list[StoredEvent]]
# Queues the new rows for the worker.
Queuer = Callable[[list[StoredEvent]], None]
# Lets go of what the writer holds (its connection), at shutdown.
Closer = Callable[[], None]
# Tells whether a failed write was refused for the events' content.
Verdict = Callable[[BaseException], bool]


class RoundFailed(RuntimeError):
    """The round that held this delivery could not be stored (see the cause)."""


@dataclass(eq=False)
class _Delivery:
    events: list[IncomingEvent]
    done: bool = False
    error: BaseException | None = None
    # Set once: when the round holding it is over, or when it is to lead one.
    wake: threading.Event = field(default_factory=threading.Event)


@dataclass
class RoundStats:
    """How many rounds this process wrote and the most deliveries one held."""

    rounds: int = 0
    largest: int = 0


@dataclass(eq=False)
class GroupCommit:
    """Writes concurrent deliveries of one process in shared rounds.

    Each waiting delivery sleeps on its own event and is woken exactly once:
    with its outcome, or to lead the next round. (One shared condition woke
    every waiter at every arrival, which cost more than the rounds saved.)
    """

    write: Writer
    queue: Queuer
    close: Closer = lambda: None  # noqa: E731 - a no-op by default
    unstorable: Verdict = lambda exc: False  # noqa: E731 - never, by default
    # How long a writer waits for deliveries already being read and checked,
    # like PostgreSQL's commit_delay with commit_siblings: only when others are
    # in flight, so a lone delivery never waits.
    gather_seconds: float = GATHER_SECONDS
    stats: RoundStats = field(default_factory=RoundStats)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _waiting: list[_Delivery] = field(default_factory=list)
    _in_flight: int = 0
    _writing: bool = False
    _gathering: bool = False
    _arrived: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        # Only a gathering writer waits on this, so a notify wakes just it.
        self._arrived = threading.Condition(self._lock)

    @contextlib.contextmanager
    def delivery(self) -> Iterator[None]:
        """Count a delivery in flight from its first byte until it is answered."""
        with self._lock:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                if self._gathering:
                    self._arrived.notify()

    def accept(self, events: list[IncomingEvent]) -> None:
        """Return once the events are committed (and queued, if Redis is up)."""
        mine = _Delivery(events)
        with self._lock:
            self._waiting.append(mine)
            lead = not self._writing
            if lead:
                self._writing = True
            elif self._gathering:
                self._arrived.notify()
        if not lead:
            mine.wake.wait()
            if mine.done:
                if mine.error is not None:
                    # The writer raised the original in its own request.
                    raise RoundFailed(
                        "the round holding this delivery failed"
                    ) from mine.error
                return
        # This delivery leads a round: every delivery waiting now joins it.
        with self._lock:
            self._gather()
            batch, self._waiting = self._waiting, []
        try:
            new_rows = self._write_round(batch)
        finally:
            self._hand_over()
        # Queued after handing over, so the next round's INSERT does not wait
        # for this round's trip to Redis.
        if new_rows:
            self._queue(new_rows)
        if mine.error is not None:
            raise mine.error

    def _gather(self) -> None:
        # Called holding the lock: wait until every delivery in flight has
        # its events ready, or until gather_seconds have passed.
        deadline = time.monotonic() + self.gather_seconds
        self._gathering = True
        try:
            while len(self._waiting) < self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._arrived.wait(left)
        finally:
            self._gathering = False

    def _hand_over(self) -> None:
        """Wake the next round's leader, or stop writing."""
        with self._lock:
            if self._waiting:
                self._waiting[0].wake.set()  # still writing: it leads next
            else:
                self._writing = False

    def _write_round(self, batch: list[_Delivery]) -> list[StoredEvent]:
        """Store the batch and wake its deliveries; errors are left on each."""
        events = [event for delivery in batch for event in delivery.events]
        new_rows: list[StoredEvent] = []
        try:
            new_rows = self.write(events)
        except BaseException as exc:  # noqa: BLE001 - handed to each delivery
            if isinstance(exc, Exception) and len(batch) > 1 and self.unstorable(exc):
                return self._write_one_by_one(batch)
            for delivery in batch:
                delivery.error = exc
            if not isinstance(exc, Exception):
                raise
        finally:
            for delivery in batch:
                delivery.done = True
                delivery.wake.set()
        self.stats.rounds += 1
        self.stats.largest = max(self.stats.largest, len(batch))
        return new_rows

    def _write_one_by_one(self, batch: list[_Delivery]) -> list[StoredEvent]:
        # Called before _write_round's finally wakes the batch.
        new_rows: list[StoredEvent] = []
        for delivery in batch:
            try:
                new_rows += self.write(delivery.events)
            except Exception as exc:  # noqa: BLE001 - this delivery's alone
                delivery.error = exc
        self.stats.rounds += len(batch)
        return sorted(new_rows)

    def _queue(self, new_rows: list[StoredEvent]) -> None:
        try:
            self.queue(new_rows)
        except RedisError as exc:
            # The events are stored; the worker's sweep queues them once Redis
            # is back, so LINE still gets its 200 and nothing is lost.
            log.error(
                "events stored but not queued", extra={"error": type(exc).__name__}
            )
