"""Scenario steps at scale against the emulator; print figures beside baselines.

Run from the repository root: .venv/bin/python bench/scenarios_bench.py
Needs PostgreSQL on 127.0.0.1 (database BENCH_DATABASE_URL, created if missing);
BENCH_REDIS_URL names a Redis database for LINE's rate limits (as production
has; without it the in-process stand-in, which costs ~0.4 ms per request).
The emulator runs standalone with LINE's documented limits (multicast 200
requests/s, push 2,000 requests/s). Figures:
- a step with the same content for everyone reaching N customers at once goes
  out by multicast: recipients/s over the whole run (freezing and sending
  overlap), against the limit (200 x 500) and against the emulator's own
  ceiling, measured in the same run by a sender with no database (pre-built
  requests, the bot's thread count, keep-alive connections);
- a personal step (with {name}) goes out by push: requests/s against 2,000/s
  and against the emulator's push ceiling measured the same way;
- the bench process's CPU per 1,000 customers, and the load average;
- finding due steps: the due query at 1,000 and at 1,000,000 enrollments (same
  1,000 due), as a ratio; an index on the due time keeps it near 1;
- peak RSS before and after each run (flat memory: chunks of 5,000).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bench.segment_send_bench import (  # noqa: E402
    MULTICAST,
    TOKEN,
    build_users,
    ensure_database,
    one_row_floor,
    peak_rss_mib,
    start_emulator,
)
from bot import create_app  # noqa: E402
from bot.extensions import db  # noqa: E402
from bot.models_base import utcnow  # noqa: E402
from bot.scenarios.loader import load_scenarios  # noqa: E402
from bot.scenarios.running import _due_query, run_due  # noqa: E402
from bot.scenarios.sending import SENDER_THREADS  # noqa: E402
from line_emulator.client import EmulatorClient  # noqa: E402

PUSH = "/v2/bot/message/push"
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/omo_bot_bench_scenarios"
SCENARIO = """
id: {sid}
trigger: follow
steps:
  - after: 0m
    text: "{text}"
"""


def load(app: Flask, texts: dict[str, str]) -> None:
    """Load one single-step scenario per (id, text)."""
    with tempfile.TemporaryDirectory() as folder, app.app_context():
        for sid, text in texts.items():
            (Path(folder) / f"{sid}.yaml").write_text(
                SCENARIO.format(sid=sid, text=text), encoding="utf-8"
            )
        load_scenarios(Path(folder), utcnow())
        db.session.commit()


def enroll_everyone(app: Flask, scenario_id: str, limit: int, due: str) -> None:
    """Enroll the first `limit` users with one INSERT .. SELECT, due at `due`."""
    with app.app_context():
        db.session.execute(
            sa.text(
                """
                INSERT INTO scenario_enrollments (scenario_id, line_user_id,
                    occurrence, status, holdout, context, trigger_at, enrolled_at,
                    next_step, next_due_at, quiet_waits, cap_waits)
                SELECT :sid, id, 'bench', 'active', false, '{}', now(), now(),
                    0, """
                + due
                + """, 0, 0
                FROM line_users ORDER BY id LIMIT :limit
                """
            ),
            {"sid": scenario_id, "limit": limit},
        )
        db.session.commit()


def clear_enrollments(app: Flask) -> None:
    with app.app_context():
        db.session.execute(
            sa.text(
                "TRUNCATE scenario_step_sends, scenario_send_batches,"
                " scenario_enrollments, marketing_messages"
            )
        )
        db.session.commit()


def postgres_cpu(app: Flask) -> dict[int, float]:
    """Return the CPU seconds of each PostgreSQL backend serving the bench DB.

    Read from /proc (the server runs on this machine): the database's share
    of the work, which the bench process's own CPU time does not include.
    """
    with app.app_context():
        pids = db.session.scalars(
            sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            )
        ).all()
        db.session.rollback()
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return seconds


def timed_run(app: Flask) -> tuple[float, float, int, float, float, float, float]:
    """Run due steps now; return freeze and whole-run seconds, sent, RSS, CPU s.

    CPU: the bench process (the bot and its sender threads), then PostgreSQL.
    """
    before = peak_rss_mib()
    cpu = time.process_time()
    database_before = postgres_cpu(app)
    started = time.perf_counter()
    with app.app_context():
        report = run_due(utcnow())
    seconds = time.perf_counter() - started
    bot_cpu = time.process_time() - cpu
    database_after = postgres_cpu(app)
    database_cpu = sum(
        spent - database_before.get(pid, 0.0) for pid, spent in database_after.items()
    )
    return (
        report.freeze_seconds,
        seconds,
        report.sent,
        before,
        peak_rss_mib(),
        bot_cpu,
        database_cpu,
    )


def load_average() -> str:
    """Return the 1-minute load average, as `uptime` shows it."""
    return f"{os.getloadavg()[0]:.1f}"


def ceiling(base: str, path: str, bodies: Iterator[bytes], threads: int) -> float:
    """POST pre-built requests with no database, on keep-alive connections.

    The emulator's own limit on this machine: `threads` senders (the bot's
    count), each on one connection; a 429 waits briefly and sends again.
    Returns the seconds all the bodies took.
    """
    host, port = base.removeprefix("http://").split(":")
    # One list iterator shared by the senders: its next() is atomic in CPython.
    remaining = iter(list(bodies))

    def sender(_: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        for body in remaining:
            while True:
                connection.request(
                    "POST",
                    path,
                    body=body,
                    headers={
                        "Authorization": f"Bearer {TOKEN}",
                        "Content-Type": "application/json",
                        "X-Line-Retry-Key": str(uuid.uuid4()),
                    },
                )
                response = connection.getresponse()
                response.read()
                if response.status != 429:
                    assert response.status == 200, response.status
                    break
                time.sleep(0.02)
        connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(sender, range(threads)))
    return time.perf_counter() - started


def multicast_bodies(users: int) -> Iterator[bytes]:
    """Yield 500-recipient multicast bodies reaching `users` recipients."""
    for start in range(0, users, 500):
        to = [f"U{n:032x}" for n in range(start, min(users, start + 500))]
        yield json.dumps(
            {"to": to, "messages": [{"type": "text", "text": "ceiling"}]}
        ).encode()


def push_bodies(users: int) -> Iterator[bytes]:
    """Yield one personal push body per user."""
    for n in range(users):
        yield json.dumps(
            {
                "to": f"U{n:032x}",
                "messages": [{"type": "text", "text": f"客{n}様へ ceiling"}],
            },
            ensure_ascii=False,
        ).encode()


def due_lookup_ms(app: Flask, repeats: int = 30) -> tuple[float, float]:
    """Return the median time of finding the due enrollments (the runner's query).

    Two figures: the round trip fetching their ids, and PostgreSQL's own
    execution time (EXPLAIN ANALYZE), which no client noise reaches.
    """
    times, server = [], []
    with app.app_context():
        query = (
            _due_query(utcnow(), None)
            .with_only_columns(sa.literal_column("scenario_enrollments.id"))
            .order_by(sa.text("next_due_at"))
            .limit(5000)
        )
        sql = str(
            query.compile(
                dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
            )
        )
        for _ in range(repeats):
            started = time.perf_counter()
            rows = db.session.execute(sa.text(sql)).all()
            times.append((time.perf_counter() - started) * 1000)
            assert len(rows) == 1000, len(rows)
            plan = db.session.execute(sa.text("EXPLAIN ANALYZE " + sql)).scalars()
            for line in plan:
                if line.startswith("Execution Time:"):
                    server.append(float(line.split()[2]))
        db.session.rollback()
    return statistics.median(times), statistics.median(server)


def grow_to_a_million(app: Flask) -> None:
    """Add 999,000 enrollments not yet due, with generate_series."""
    with app.app_context():
        db.session.execute(
            sa.text(
                """
                INSERT INTO scenario_enrollments (scenario_id, line_user_id,
                    occurrence, status, holdout, context, trigger_at, enrolled_at,
                    next_step, next_due_at, quiet_waits, cap_waits)
                SELECT 'later', 1 + (n % 1000), 'bench:' || n, 'active', false,
                    '{}', now(), now(), 0,
                    now() + interval '1 day' + make_interval(mins => n % 100000), 0, 0
                FROM generate_series(1, 999000) AS n
                """
            )
        )
        db.session.commit()
        db.session.execute(sa.text("ANALYZE scenario_enrollments"))
        db.session.commit()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--push-users", type=int, default=5_000)
    args = parser.parse_args(argv)
    database = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    ensure_database(database)
    emulator, base = start_emulator(200)
    control = EmulatorClient(base)
    control.configure(rate_limits={MULTICAST: 200, PUSH: 2000})
    try:
        app = create_app(
            {
                "BOT_ENV": "test",
                "DATABASE_URL": database,
                # The rate limits' sliding windows: a real Redis as in
                # production (BENCH_REDIS_URL), else the in-process stand-in.
                "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
                "LINE_API_BASE_URL": base,
                "LINE_API_DATA_BASE_URL": base + "/data",
                "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
                "QUIET_HOURS": "",
                "MAX_MARKETING_MESSAGES_PER_DAY": 10,
                "LOG_LEVEL": "ERROR",
            }
        )
        with app.app_context():
            upgrade(revision="heads")
        build_users(app, args.users)
        load(
            app,
            {
                "same": "新商品のご案内です",
                "mine": "{name}様へのご案内です",
                "later": "あとで",
            },
        )
        best_multicast = 200 * 500
        print(f"load average before: {load_average()}")
        redis_url = os.environ.get("BENCH_REDIS_URL") or "fakeredis"
        print(f"rate limits counted in: {redis_url}")
        seconds = ceiling(base, MULTICAST, multicast_bodies(args.users), SENDER_THREADS)
        multicast_ceiling = args.users / seconds
        floor = one_row_floor(app, args.users)
        control.reset()
        control.configure(rate_limits={MULTICAST: 200, PUSH: 2000})

        enroll_everyone(app, "same", args.users, "now() - interval '1 minute'")
        frozen, seconds, sent, rss0, rss1, cpu, db_cpu = timed_run(app)
        assert sent == args.users, sent
        rate = sent / seconds
        print(f"step to {args.users:,} customers, same content (multicast):")
        print(f"  all frozen (records, batches, cap ledger) after {frozen:.2f} s")
        print(f"  all sent after {seconds:.2f} s: {rate:,.0f} recipients/s")
        print(
            f"  LINE's limit 200 req/s x 500 = {best_multicast:,}/s:"
            f" {rate / best_multicast:.0%}"
        )
        print(
            f"  emulator ceiling, same run (no DB, {SENDER_THREADS} keep-alive"
            f" senders): {multicast_ceiling:,.0f}/s: {rate / multicast_ceiling:.0%}"
        )
        print(
            f"  one cap-ledger row per customer, database only (rolled back):"
            f" {floor:.2f} s = {args.users / floor / best_multicast:.0%}"
            " of LINE's limit at most"
        )
        print(
            f"  CPU per 1,000 customers: bot {cpu * 1e6 / sent:.0f} ms,"
            f" PostgreSQL {db_cpu * 1e6 / sent:.0f} ms"
        )
        print(f"  peak RSS {rss0:.0f} MiB before, {rss1:.0f} MiB after")
        print(f"  load average after: {load_average()}")

        clear_enrollments(app)
        control.reset()
        control.configure(rate_limits={MULTICAST: 200, PUSH: 2000})
        # A push reaches only users LINE knows (a multicast does not check).
        with ThreadPoolExecutor(8) as pool:
            list(
                pool.map(
                    lambda n: control.add_user(user_id=f"U{n:032x}", display_name="客"),
                    range(args.push_users),
                )
            )
        seconds = ceiling(base, PUSH, push_bodies(args.push_users), SENDER_THREADS)
        push_ceiling = args.push_users / seconds
        control.configure(rate_limits={MULTICAST: 200, PUSH: 2000})
        enroll_everyone(app, "mine", args.push_users, "now() - interval '1 minute'")
        frozen, seconds, sent, rss0, rss1, cpu, db_cpu = timed_run(app)
        assert sent == args.push_users, sent
        rate = sent / seconds
        print(f"step to {args.push_users:,} customers, personal content (push):")
        print(f"  all frozen after {frozen:.2f} s")
        print(
            f"  all sent after {seconds:.2f} s: {rate:,.0f} requests/s;"
            f" LINE's limit 2,000/s: {rate / 2000:.0%}"
        )
        print(
            f"  emulator ceiling, same run (no DB, {SENDER_THREADS} keep-alive"
            f" senders): {push_ceiling:,.0f}/s: {rate / push_ceiling:.0%}"
        )
        print(
            f"  CPU per 1,000 customers: bot {cpu * 1e6 / sent:.0f} ms,"
            f" PostgreSQL {db_cpu * 1e6 / sent:.0f} ms"
        )
        print(f"  peak RSS {rss0:.0f} MiB before, {rss1:.0f} MiB after")
        print(f"  load average after: {load_average()}")

        clear_enrollments(app)
        enroll_everyone(app, "later", 1000, "now() - interval '1 minute'")
        with app.app_context():
            db.session.execute(sa.text("ANALYZE scenario_enrollments"))
            db.session.commit()
        small, small_db = due_lookup_ms(app)
        grow_to_a_million(app)
        large, large_db = due_lookup_ms(app)
        print("finding 1,000 due steps (median of 30; round trip / in PostgreSQL):")
        print(f"  among 1,000 enrollments: {small:.2f} ms / {small_db:.2f} ms")
        print(f"  among 1,000,000 enrollments: {large:.2f} ms / {large_db:.2f} ms")
        print(f"  ratio: {large / small:.2f} / {large_db / small_db:.2f}")
        clear_enrollments(app)
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


if __name__ == "__main__":
    main()
