"""Measure webhook acknowledgement and end-to-end throughput beside baselines.

Run from the repository root: .venv/bin/python bench/webhook_bench.py
Needs PostgreSQL and Redis on 127.0.0.1 and wrk (`apt-get install -y wrk`).
Every server runs on 127.0.0.1 and is stopped again, also on Ctrl-C.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from webhook_e2e import EndToEnd  # noqa: E402
from webhook_load import (  # noqa: E402
    AckResult,
    emulator_bodies,
    local_text_bodies,
    require_wrk,
    run_wrk,
    write_bodies,
)
from webhook_processes import (  # noqa: E402
    VENV_BIN,
    ProcessGroup,
    cpu_used,
    free_port,
    gunicorn_argv,
    machine_busy_share,
    stop_on_signals,
    wait_for_http,
)
from webhook_report import Pair, print_report  # noqa: E402
from webhook_stores import (  # noqa: E402
    count_events,
    count_queued_jobs,
    empty_event_tables,
    flush_redis,
    mark_pending_done,
    prepare_database,
)

from line_emulator.client import EmulatorClient  # noqa: E402
from line_emulator.settings import DEFAULT_BOT_USER_ID  # noqa: E402

CHANNEL_SECRET = "bench-channel-secret-0123456789abcdef"
ACCESS_TOKEN = "bench-access-token-0123456789abcdef"
START_TIMEOUT = 60.0
E2E_TIMEOUT = 180.0
# Bodies per second of --duration prepared for wrk: more than this stack serves,
# so that no body (and so no webhookEventId) is sent twice.
ACK_BODIES_PER_SECOND = 12000
BASELINE_BODIES_PER_SECOND = {0: 1500, 50: 600}
WARMUP_SECONDS = 2.0
ACK_USERS = 1000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds per wrk run"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="ack runs per server, alternating; the best counts (shared machines)",
    )
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--gunicorn-threads", type=int, default=8)
    parser.add_argument("--worker-processes", type=int, default=2)
    parser.add_argument(
        "--worker-threads",
        type=int,
        default=16,
        help="threads per `flask worker` process (jobs waiting on LINE at once)",
    )
    parser.add_argument("--events", type=int, default=3000, help="end-to-end events")
    parser.add_argument(
        "--users", type=int, default=1000, help="customers writing end to end"
    )
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/omo_bot_bench",
        help="a PostgreSQL database of the benchmark's own (created, then emptied)",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/11",
        help="a Redis database of the benchmark's own (flushed)",
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=2,
        help="end-to-end rounds: inline, bot workers, minimal workers, alternating",
    )
    parser.add_argument("--skip-ack", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--keep-logs", action="store_true")
    return parser.parse_args(argv)


class BenchRun:
    """The servers of one run and the phases that load them."""

    def __init__(
        self, args: argparse.Namespace, processes: ProcessGroup, log_dir: Path
    ) -> None:
        self.args = args
        self.processes = processes
        self.log_dir = log_dir
        self.emulator_port = free_port()
        self.bot_port = free_port()
        emulator_url = f"http://127.0.0.1:{self.emulator_port}"
        self.emulator = EmulatorClient(emulator_url)
        self.bot_env = {
            "BOT_ENV": "production",
            "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
            "SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "LINE_API_BASE_URL": emulator_url,
            "LINE_API_DATA_BASE_URL": emulator_url + "/data",
            "LINE_ACCESS_BASE_URL": emulator_url,
            # Production wants its public https URL; the bench never opens links.
            "BOT_BASE_URL": "https://bot.bench.invalid",
            "LINE_LOGIN_CHANNEL_ID": "1660000001",
            "WORKER_THREADS": str(args.worker_threads),
            "LOG_LEVEL": "WARNING",
        }
        self.bench_env = {
            "BENCH_CHANNEL_SECRET": CHANNEL_SECRET,
            "BENCH_ACCESS_TOKEN": ACCESS_TOKEN,
            "BENCH_LINE_API": emulator_url,
        }

    def start_emulator(self) -> None:
        """Start the LINE emulator as one process of its own."""
        process = self.processes.start(
            "emulator",
            [
                str(VENV_BIN / "python"),
                "-m",
                "line_emulator",
                "--port",
                str(self.emulator_port),
                "--channel-secret",
                CHANNEL_SECRET,
                "--access-token",
                ACCESS_TOKEN,
            ],
        )
        url = f"http://127.0.0.1:{self.emulator_port}/_emulator/config"
        wait_for_http(url, process, START_TIMEOUT)

    def start_served(
        self, name: str, app: str, env: dict[str, str], pythonpath: str | None = None
    ) -> tuple[subprocess.Popen[bytes], int]:
        """Serve an app with the benchmark's gunicorn settings until it answers."""
        port = self.bot_port if name == "bot" else free_port()
        argv = gunicorn_argv(
            app,
            port,
            self.args.gunicorn_workers,
            self.args.gunicorn_threads,
            pythonpath,
        )
        process = self.processes.start(name, argv, env)
        probe = "/healthz" if name == "bot" else "/callback"
        wait_for_http(f"http://127.0.0.1:{port}{probe}", process, START_TIMEOUT)
        return process, port

    def start_workers(self, minimal: bool = False) -> list[subprocess.Popen[bytes]]:
        """Start the `flask worker` processes, or the minimal worker's."""
        started = []
        threads = str(self.args.worker_threads)
        for number in range(self.args.worker_processes):
            if minimal:
                argv = [str(VENV_BIN / "python"), "bench/webhook_minimal_worker.py"]
                env = {
                    **self.bench_env,
                    "BENCH_DATABASE_URL": self.args.database_url,
                    "BENCH_REDIS_URL": self.args.redis_url,
                }
                name = f"minworker-{number}"
            else:
                argv = [str(VENV_BIN / "flask"), "--app", "wsgi", "worker"]
                env, name = self.bot_env, f"worker-{number}"
            argv += ["--threads", threads]
            started.append(self.processes.start(name, argv, env))
        return started

    def wrk(self, port: int, bodies_file: Path, duration: float) -> AckResult:
        """Run wrk against a served app's /callback."""
        url = f"http://127.0.0.1:{port}/callback"
        before = self.processes.cpu_seconds()
        result = run_wrk(
            self.processes, url, bodies_file, duration, self.args.connections
        )
        used = cpu_used(before, self.processes.cpu_seconds())
        # wrk has exited: its CPU is in this process's finished children.
        used["wrk"] = used.pop("finished children", 0.0)
        used.pop("bench", None)
        return dataclasses.replace(result, cpu=used)

    def ack_phase(self) -> dict[str, Any]:
        """Load the minimal app and the bot in turn with unique pre-signed bodies."""
        duration, rounds = self.args.duration, self.args.rounds
        count = int(ACK_BODIES_PER_SECOND * duration)
        files = []
        # The warm-up's, then per round one for the bot and one for the notify
        # variant: every body a webhookEventId that server has not seen.
        for number in range(2 * rounds + 1):
            size = count if number else int(ACK_BODIES_PER_SECOND * WARMUP_SECONDS)
            bodies = local_text_bodies(
                CHANNEL_SECRET, size, ACK_USERS, DEFAULT_BOT_USER_ID
            )
            files.append(write_bodies(self.log_dir / f"ack-{number}.txt", bodies))
        minimal, minimal_port = self.start_served(
            "minimal", "webhook_minimal_app:app", self.bench_env, "bench"
        )
        # Issue 22: the bot with the event table as the queue (INSERT + NOTIFY
        # in one statement, no Redis), run alternately with the bot.
        notify, notify_port = self.start_served(
            "notify", "webhook_notify_app:app", self.bot_env, "bench"
        )
        self.wrk(minimal_port, files[0], WARMUP_SECONDS)
        self.wrk(self.bot_port, files[0], WARMUP_SECONDS)
        self.wrk(notify_port, files[0], WARMUP_SECONDS)
        stored_before = count_events(self.args.database_url)
        queued_before = count_queued_jobs(self.args.redis_url)
        minimal_runs, bot_runs, notify_runs = [], [], []
        bot_answered = bot_stored = 0
        for number in range(rounds):
            bot_file, notify_file = files[1 + 2 * number], files[2 + 2 * number]
            minimal_runs.append(self.wrk(minimal_port, bot_file, duration))
            bot_runs.append(self.wrk(self.bot_port, bot_file, duration))
            # Rows are counted for the bot alone: before the variant runs.
            bot_answered += bot_runs[-1].requests
            bot_stored += count_events(self.args.database_url) - stored_before
            notify_runs.append(self.wrk(notify_port, notify_file, duration))
            stored_before = count_events(self.args.database_url)
        self.processes.stop(minimal)
        self.processes.stop(notify)
        return {
            "bodies": count,
            "minimal": max(minimal_runs, key=lambda r: r.rps),
            "bot": max(bot_runs, key=lambda r: r.rps),
            "notify": max(notify_runs, key=lambda r: r.rps),
            "minimal_runs": minimal_runs,
            "bot_runs": bot_runs,
            "notify_runs": notify_runs,
            "bot_answered": bot_answered,
            "bot_stored": bot_stored,
            "bot_queued": count_queued_jobs(self.args.redis_url) - queued_before,
        }

    def baseline(self, port: int, latency_ms: int) -> AckResult:
        """Load the reply-inside-the-request app with emulator-issued tokens."""
        self.emulator.configure(latency_ms=latency_ms)
        warm = self.emulator.build_webhooks("text", 500, users=100, text="warm")
        warm_file = self.log_dir / "inline-warm.txt"
        self.wrk(port, write_bodies(warm_file, emulator_bodies(warm)), 1)
        count = int(BASELINE_BODIES_PER_SECOND[latency_ms] * self.args.duration)
        batch = self.emulator.build_webhooks("text", count, users=1000, text="hello")
        bodies_file = self.log_dir / f"inline-{latency_ms}ms.txt"
        write_bodies(bodies_file, emulator_bodies(batch))
        return self.wrk(port, bodies_file, self.args.duration)


def run_all(run: BenchRun) -> None:
    """Run the phases in order and print the figures."""
    args = run.args
    background = machine_busy_share(2.0)
    faq_loaded = prepare_database(args.database_url, run.bot_env)
    flush_redis(args.redis_url)
    run.start_emulator()
    run.start_served("bot", "wsgi:app", run.bot_env)
    ack = run.ack_phase() if not args.skip_ack else None
    if args.skip_e2e:
        print_report(args, ack, [], background, faq_loaded)
        return
    # The ack phase's events were never meant to be handled: drop them and
    # their queued jobs before the workers start.
    flush_redis(args.redis_url)
    empty_event_tables(args.database_url)
    workers = run.start_workers()
    e2e = EndToEnd(
        run.emulator,
        run.bot_port,
        args.database_url,
        args.connections,
        run.processes.cpu_seconds,
    )
    e2e.meet_users(args.users, E2E_TIMEOUT)
    inline_port = None
    if not args.skip_baseline:
        _, inline_port = run.start_served(
            "inline", "webhook_inline_reply_app:app", run.bench_env, "bench"
        )
    pairs: list[Pair] = []
    for number in range(args.pairs):
        pair = Pair()
        # The same order each time: inline, bot workers, minimal workers.
        if inline_port is not None:
            pair.inline = {ms: run.baseline(inline_port, ms) for ms in (0, 50)}
        if number:
            workers = run.start_workers()
            e2e.warm(E2E_TIMEOUT)
        pair.bot = [e2e.run(ms, args.events, E2E_TIMEOUT) for ms in (0, 50)]
        for process in workers:
            run.processes.stop(process)
        workers = run.start_workers(minimal=True)
        e2e.warm(E2E_TIMEOUT)
        pair.minimal = [e2e.run(ms, args.events, E2E_TIMEOUT) for ms in (0, 50)]
        for process in workers:
            run.processes.stop(process)
        # The minimal worker leaves its events pending: close them, so that the
        # bot's stale-event sweep does not answer them again.
        mark_pending_done(args.database_url)
        pairs.append(pair)
    print_report(args, ack, pairs, background, faq_loaded)


def main(argv: list[str] | None = None) -> int:
    """Run every phase, print the figures, and stop every server started."""
    args = parse_args(argv)
    require_wrk()
    log_dir = Path(tempfile.mkdtemp(prefix="webhook_bench_"))
    processes = ProcessGroup(log_dir)
    stop_on_signals()
    failed = True
    try:
        run_all(BenchRun(args, processes, log_dir))
        failed = False
    except KeyboardInterrupt:
        print("interrupted: stopping every server this run started", file=sys.stderr)
        return 130
    finally:
        processes.stop_all()
        if failed or args.keep_logs:
            print(f"server logs kept in {log_dir}", file=sys.stderr)
        else:
            shutil.rmtree(log_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
