"""Scenario steps at scale against the emulator; print figures beside baselines.

Run from the repository root: .venv/bin/python bench/scenarios_bench.py
Needs PostgreSQL on 127.0.0.1 (database BENCH_DATABASE_URL, created if missing).
The emulator runs standalone with LINE's documented limits (multicast 200
requests/s, push 2,000 requests/s). Figures:
- a step with the same content for everyone reaching N customers at once goes
  out by multicast: recipients/s against the limit (200 x 500), and against the
  emulator's own ceiling (pre-built requests, no database) on this machine;
- a personal step (with {name}) goes out by push: requests/s against 2,000/s;
- finding due steps: the due query at 1,000 and at 1,000,000 enrollments (same
  1,000 due), as a ratio; an index on the due time keeps it near 1;
- peak RSS before and after each run (flat memory: chunks of 5,000).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
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
    emulator_ceiling,
    ensure_database,
    peak_rss_mib,
    start_emulator,
)
from bot import create_app  # noqa: E402
from bot.extensions import db  # noqa: E402
from bot.models_base import utcnow  # noqa: E402
from bot.scenarios.loader import load_scenarios  # noqa: E402
from bot.scenarios.running import _due_query, run_due  # noqa: E402
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


def timed_run(app: Flask) -> tuple[float, float, int, float, float]:
    """Run due steps now; return freeze and send seconds, sent, RSS (MiB)."""
    before = peak_rss_mib()
    with app.app_context():
        report = run_due(utcnow())
    return (
        report.freeze_seconds,
        report.send_seconds,
        report.sent,
        before,
        peak_rss_mib(),
    )


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
                "REDIS_URL": "",
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
        ceiling = args.users / emulator_ceiling(base, -(-args.users // 500))
        control.reset()
        control.configure(rate_limits={MULTICAST: 200, PUSH: 2000})

        enroll_everyone(app, "same", args.users, "now() - interval '1 minute'")
        frozen, seconds, sent, rss0, rss1 = timed_run(app)
        assert sent == args.users, sent
        rate = sent / seconds
        print(f"step to {args.users:,} customers, same content (multicast):")
        print(f"  steps checked and frozen (records, cap ledger): {frozen:.2f} s")
        print(f"  sent in {seconds:.2f} s, {rate:,.0f} recipients/s")
        print(
            f"  LINE's limit 200 req/s x 500 = {best_multicast:,}/s:"
            f" {rate / best_multicast:.0%}"
        )
        print(
            f"  emulator ceiling here (no DB): {ceiling:,.0f}/s: {rate / ceiling:.0%}"
        )
        print(f"  peak RSS {rss0:.0f} MiB before, {rss1:.0f} MiB after")

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
        enroll_everyone(app, "mine", args.push_users, "now() - interval '1 minute'")
        frozen, seconds, sent, rss0, rss1 = timed_run(app)
        assert sent == args.push_users, sent
        rate = sent / seconds
        print(f"step to {args.push_users:,} customers, personal content (push):")
        print(f"  steps checked and frozen: {frozen:.2f} s")
        print(
            f"  sent in {seconds:.2f} s, {rate:,.0f} requests/s; limit 2,000/s:"
            f" {rate / 2000:.0%}"
        )
        print(f"  peak RSS {rss0:.0f} MiB before, {rss1:.0f} MiB after")

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
