"""Signed webhook bodies and the two load generators: wrk, and a threaded sender."""

from __future__ import annotations

import http.client
import json
import shutil
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webhook_processes import ProcessGroup

from line_emulator.platform import LinePlatform
from line_emulator.webhooks import sign, text_message_event

LUA_SCRIPT = Path(__file__).resolve().parent / "webhook_load.lua"
WRK_THREADS = 2
CUSTOMER_TEXT = "営業時間を教えてください"


@dataclass(frozen=True)
class SignedBody:
    """One webhook POST as LINE sends it: the raw body and its signature."""

    body: bytes
    signature: str


@dataclass(frozen=True)
class AckResult:
    """What wrk measured against one server."""

    requests: int
    seconds: float
    non_2xx: int
    socket_errors: int
    timeouts: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    wrapped: int
    # CPU seconds used during the run, by kind of process (see cpu_seconds).
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        """Return requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    def cpu_ms_per_request(self) -> dict[str, float]:
        """Return CPU milliseconds per answered request, by kind of process."""
        return {
            kind: 1000 * seconds / self.requests
            for kind, seconds in self.cpu.items()
            if self.requests
        }


def local_text_bodies(
    channel_secret: str, count: int, users: int, bot_user_id: str
) -> list[SignedBody]:
    """Build count one-event text webhooks locally, each a new webhookEventId."""
    platform = LinePlatform(channel_secret=channel_secret)
    user_ids = [platform.add_user().user_id for _ in range(users)]
    bodies = []
    for number in range(count):
        event = text_message_event(
            platform, user_ids[number % users], f"{CUSTOMER_TEXT} #{number}"
        )
        payload = {"destination": bot_user_id, "events": [event]}
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        bodies.append(SignedBody(raw, sign(channel_secret, raw)))
    return bodies


def emulator_bodies(batch: dict[str, Any]) -> list[SignedBody]:
    """Turn the emulator's /_emulator/events/batch answer into SignedBody values."""
    return [
        SignedBody(item["body"].encode(), item["signature"])
        for item in batch["webhooks"]
    ]


def write_bodies(path: Path, bodies: Sequence[SignedBody]) -> Path:
    """Write 'signature<TAB>body' lines for the wrk script."""
    with path.open("wb") as out:
        for item in bodies:
            out.write(item.signature.encode() + b"\t" + item.body + b"\n")
    return path


def require_wrk() -> str:
    """Return wrk's path, or stop with how to install it."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(
            "wrk is not installed: run `apt-get install -y wrk` (Debian/Ubuntu) "
            "or `brew install wrk` (macOS), then run this script again."
        )
    return found


def run_wrk(
    processes: ProcessGroup,
    url: str,
    bodies_file: Path,
    duration: float,
    connections: int,
) -> AckResult:
    """Load url with wrk for duration seconds and return its figures."""
    threads = min(WRK_THREADS, connections)
    argv = [
        require_wrk(),
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration:g}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA_SCRIPT),
        url,
        "--",
        str(bodies_file),
        str(threads),
    ]
    name = f"wrk-{bodies_file.stem}"
    process = processes.start(name, argv)
    try:
        process.wait(timeout=duration + 60)
    finally:
        processes.stop(process)
    output = (processes.log_dir / f"{name}.log").read_text()
    lines = [line for line in output.splitlines() if line.startswith("WRK_RESULT ")]
    if not lines:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    found = json.loads(lines[-1].removeprefix("WRK_RESULT "))
    return AckResult(
        requests=found["requests"],
        seconds=found["duration_us"] / 1e6,
        non_2xx=found["non_2xx"],
        socket_errors=found["socket_errors"],
        timeouts=found["timeouts"],
        p50_ms=found["p50_us"] / 1000,
        p90_ms=found["p90_us"] / 1000,
        p99_ms=found["p99_us"] / 1000,
        max_ms=found["max_us"] / 1000,
        wrapped=found["wrapped"],
    )


@dataclass
class SendResult:
    """What the threaded sender saw: statuses and when the last answer came."""

    statuses: Counter[int]
    started: float
    finished: float


def send_all(
    port: int, bodies: Sequence[SignedBody], connections: int, timeout: float
) -> SendResult:
    """POST every body once over `connections` keep-alive connections."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(connections + 1)

    def send_share(share: Sequence[SignedBody]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        seen: Counter[int] = Counter()
        start.wait()
        try:
            for item in share:
                headers = {
                    "Content-Type": "application/json; charset=utf-8",
                    "X-Line-Signature": item.signature,
                }
                try:
                    connection.request("POST", "/callback", item.body, headers)
                    response = connection.getresponse()
                    response.read()
                    seen[response.status] += 1
                except OSError:
                    seen[0] += 1
                    connection.close()
        finally:
            connection.close()
            with lock:
                statuses.update(seen)

    workers = [
        threading.Thread(target=send_share, args=(bodies[n::connections],))
        for n in range(connections)
    ]
    for worker in workers:
        worker.start()
    started = time.time()
    start.wait()
    for worker in workers:
        worker.join(timeout + len(bodies))
    return SendResult(statuses=statuses, started=started, finished=time.time())
