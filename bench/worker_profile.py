"""Profile the worker on FAQ text events: CPU per event, and where it goes.

Run from the repository root:
    .venv/bin/python bench/worker_profile.py [--events 2000] [--py-spy PATH]
Stores `--events` text webhooks from known customers through the bot's
/callback (the emulator, in its own process, issued their reply tokens), then
runs the real worker (Dramatiq, one thread, in this process) until every reply
reached the emulator. Prints the process's CPU per event; with --py-spy, also
samples this process with py-spy (the thread holding the GIL) and prints the
share of each part of the path. Uses the benchmark's database and Redis one.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from webhook_bench import ACCESS_TOKEN, CHANNEL_SECRET  # noqa: E402
from webhook_e2e import CUSTOMER_QUESTION  # noqa: E402
from webhook_processes import (  # noqa: E402
    VENV_BIN,
    ProcessGroup,
    free_port,
    wait_for_http,
)
from webhook_stores import flush_redis, prepare_database  # noqa: E402

from line_emulator.client import EmulatorClient  # noqa: E402

# Where on-CPU samples are counted: the first pattern found in a stack, from
# the innermost frame outwards, names the part (so SQLAlchemy's own Python
# counts as "ORM", its socket wait as "PostgreSQL I/O").
PARTS = [
    ("sudachipy", "FAQ match: SudachiPy"),
    ("bot/faq/", "FAQ match: the rest"),
    ("psycopg", "PostgreSQL driver"),
    ("sqlalchemy", "SQLAlchemy (ORM, core)"),
    ("redis/lock", "per-user lock (redis-py)"),
    ("bot/line/delivery", "reply marker (redis-py)"),
    ("redis/", "Redis client (Dramatiq)"),
    ("linebot/", "LINE call: line-bot-sdk"),
    ("urllib3", "LINE call: urllib3/http"),
    ("http/client", "LINE call: urllib3/http"),
    ("pydantic", "LINE call: pydantic"),
    ("logging/", "logging"),
    ("bot/logs", "logging"),
    ("pythonjsonlogger", "logging"),
    ("dramatiq/middleware", "Dramatiq middleware"),
    ("dramatiq/", "Dramatiq (consumer, worker)"),
    ("flask/", "Flask app context"),
    ("werkzeug", "Flask app context"),
    ("bot/", "the bot's own code"),
]


# Where on-CPU samples are counted by step of the job: the innermost frame
# that names one of these functions decides (so the handler's own queries count
# as the handler, the job's commit as "commit and bookkeeping").
STEPS = [
    ("user_locks ", "per-user locks (Redis)"),
    ("user_lock ", "per-user locks (Redis)"),  # main's, one per event
    ("one_connection_session ", "connection checkout"),
    ("load_event ", "load_event (event, user, conversation)"),
    ("live_faq ", "handler: FAQ version and index"),
    ("clear_not_understood ", "handler: misses DELETE (Redis)"),
    ("keep_for_operator ", "handler: handoff interceptor"),
    ("FaqIndex.match ", "handler: FAQ match"),
    ("dispatch_event ", "handler: the rest"),
    ("send_outbox ", "send_outbox (LINE call, reply marker)"),
    ("_mark_sent ", "_mark_sent (one UPDATE per job)"),
    ("handle_webhook_event ", "handle_webhook_event: commit and bookkeeping"),
    ("handle_webhook_events ", "the job: the rest"),
    ("run_in_app ", "app context, session.remove"),
    ("dramatiq/middleware", "Dramatiq middleware"),
    ("dramatiq/", "Dramatiq (consumer fetch and ack, worker)"),
]


def step_of(stack: str) -> str:
    """Return the step of the job a collapsed py-spy stack belongs to."""
    for frame in reversed(stack.split(";")):
        for pattern, step in STEPS:
            if pattern in frame:
                return step
    return "other (interpreter, threading)"


def part_of(stack: str) -> str:
    """Return the part a collapsed py-spy stack belongs to."""
    frames = stack.split(";")
    for frame in reversed(frames):
        for pattern, part in PARTS:
            if pattern in frame:
                return part
    return "other (interpreter, json, threading)"


def main() -> int:
    """Profile the worker; print CPU per event and the on-CPU shares."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--py-spy", default=None, help="py-spy binary to sample with")
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/omo_bot_bench",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    args = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix="worker_profile_"))
    processes = ProcessGroup(log_dir)
    try:
        return run(args, processes, log_dir)
    finally:
        processes.stop_all()


def run(args: argparse.Namespace, processes: ProcessGroup, log_dir: Path) -> int:
    """Start the emulator, store the events, run the worker and report."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    emulator_process = processes.start(
        "emulator",
        [
            str(VENV_BIN / "python"),
            "-m",
            "line_emulator",
            "--port",
            str(port),
            "--channel-secret",
            CHANNEL_SECRET,
            "--access-token",
            ACCESS_TOKEN,
        ],
    )
    wait_for_http(f"{url}/_emulator/config", emulator_process, 60)
    emulator = EmulatorClient(url)
    # Stored events wait for the worker longer than LINE's minute here.
    emulator.configure(reply_token_ttl=3600)
    env = {
        "BOT_ENV": "production",
        "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "SECRET_KEY": "bench-secret-key-0123456789abcdef",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "LINE_API_BASE_URL": url,
        "LINE_API_DATA_BASE_URL": url + "/data",
        "LINE_ACCESS_BASE_URL": url,
        # Production wants its public https URL; the bench never opens links.
        "BOT_BASE_URL": "https://bot.bench.invalid",
        "LINE_LOGIN_CHANNEL_ID": "1660000001",
        "LOG_LEVEL": "WARNING",
    }
    prepare_database(args.database_url, env)
    flush_redis(args.redis_url)
    os.environ.update(env)
    from bot import create_app
    from bot.jobs.worker import start_worker

    app = create_app()
    client = app.test_client()

    def post(batch: dict) -> None:
        for item in batch["webhooks"]:
            response = client.post(
                "/callback",
                data=item["body"].encode(),
                headers={
                    "X-Line-Signature": item["signature"],
                    "Content-Type": "application/json",
                },
            )
            assert response.status_code == 200, response.status_code

    def drain(expected: int) -> float:
        before = sum(emulator.stats()["deliveries"].values())
        started = time.process_time()
        worker = start_worker(app, threads=1, sweeps=False)
        while sum(emulator.stats()["deliveries"].values()) - before < expected:
            time.sleep(0.05)
        worker.stop()
        return time.process_time() - started

    meet = emulator.build_webhooks(
        "text", args.users, users=args.users, text=CUSTOMER_QUESTION
    )
    post(meet)
    drain(args.users)
    batch = emulator.build_webhooks(
        "text", args.events, users=meet["userIds"], text=CUSTOMER_QUESTION
    )
    post(batch)
    sampler = None
    samples = log_dir / "samples.txt"
    if args.py_spy:
        sampler = subprocess.Popen(
            [
                args.py_spy,
                "record",
                "--pid",
                str(os.getpid()),
                "--format",
                "raw",
                "--gil",
                "--rate",
                "200",
                "--output",
                str(samples),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)
    cpu = drain(args.events)
    print(
        f"worker, one thread, {args.events:,} FAQ text events: "
        f"{1000 * cpu / args.events:.2f} ms CPU per event "
        f"(this process; the emulator runs in its own)"
    )
    if sampler is not None:
        sampler.send_signal(signal.SIGINT)
        sampler.wait(timeout=60)
        print_shares(samples)
    print(json.dumps({"log_dir": str(log_dir)}))
    return 0


def print_shares(samples: Path) -> None:
    """Print the share of on-CPU samples of each part of the worker's path."""
    counts: Counter[str] = Counter()
    steps: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    for line in samples.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack or "start_worker" in stack or "drain" in stack:
            # The main thread polling the emulator is not the worker.
            continue
        counts[part_of(stack)] += int(number)
        steps[step_of(stack)] += int(number)
        leaf = stack.split(";")[-1]
        functions[leaf] += int(number)
    total = sum(counts.values()) or 1
    print(f"on-CPU samples of the worker's threads: {total:,}")
    for part, number in counts.most_common():
        print(f"  {part:<40} {100 * number / total:5.1f}%")
    print("by step of the job:")
    for step, number in steps.most_common():
        print(f"  {step:<52} {100 * number / total:5.1f}%")
    print("top leaf functions:")
    for leaf, number in functions.most_common(15):
        print(f"  {100 * number / total:5.1f}%  {leaf[:110]}")


if __name__ == "__main__":
    sys.exit(main())
