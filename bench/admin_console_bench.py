"""Time each marketing console page against the operator queue page; print ratios.

Run from the repository root: .venv/bin/python bench/admin_console_bench.py
Needs PostgreSQL on 127.0.0.1 (database BENCH_DATABASE_URL, dropped and created).
Seeds --members LINE users (all members, one in ten blocked), --sends sends of
--members recipients each (1,000,000 recipient rows by default), their roll-ups,
50 conversations and
the shipped coupons and FAQ; then signs in as an admin (who may open both
consoles) and times --repeat GETs of each page with Flask's test client. LINE is
not reachable (a closed port): the overview shows the quota as unknown at once.
The target: every page within 2x of the operator queue page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bot import create_app  # noqa: E402
from bot.config import normalize_database_url  # noqa: E402
from bot.csrf import CSRF_FIELD  # noqa: E402
from bot.extensions import db  # noqa: E402
from bot.operator.accounts import create_operator  # noqa: E402

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/omo_bot_bench_console"
PASSWORD = "bench-password-0000"
PAGES = [
    "/admin/",
    "/admin/audience",
    "/admin/api/segment-count",
    "/admin/api/segment-count?linked=yes",
    "/admin/api/segment-count?rank=gold",
    "/admin/api/segment-count?linked=no",
    "/admin/sends",
    "/admin/sends/1",
    "/admin/coupons",
    "/admin/faq?q=営業時間を教えて",
    "/admin/audit",
]

SEED = [
    """INSERT INTO line_users (line_user_id, display_name, is_friend, followed_at,
         created_at, updated_at)
       SELECT 'U' || lpad(to_hex(n), 32, '0'), '客' || n, n % 10 <> 0,
              now() - (n % 30) * interval '1 day', now(), now()
       FROM generate_series(1, :members) AS n""",
    # One friend in ten has blocked the shop: counts must leave them out.
    """UPDATE line_users SET blocked_at = now() WHERE NOT is_friend""",
    """INSERT INTO members (member_no, name, rank, source, line_user_id, linked_at,
         created_at, updated_at)
       SELECT lpad(n::text, 13, '0'), '会員' || n,
              (ARRAY['regular','silver','gold','platinum'])[1 + n % 4], 'bench',
              n, now() - (n % 30) * interval '1 day', now(), now()
       FROM generate_series(1, :members) AS n""",
    """INSERT INTO segment_sends (definition, messages, fingerprint, status,
         recipient_count, created_at)
       SELECT '{"linked": true}', '[{"type": "text", "text": "bench"}]',
              md5(n::text), 'done', :members, now()
       FROM generate_series(1, :sends) AS n""",
    """INSERT INTO segment_send_recipients (send_id, line_user_id, batch_no, skipped)
       SELECT s, n, n / 500, false
       FROM generate_series(1, :sends) AS s, generate_series(1, :members) AS n""",
    """INSERT INTO measure_daily (campaign, variant, day, recipients, delivered,
         clicks, clickers, converted, converted_store, converted_online,
         redemptions, revenue, blocks)
       SELECT 'segment:' || s, '', current_date - d, :members / 7, :members / 7,
              500, 400, 120, 80, 40, 30, 360000, 3
       FROM generate_series(1, :sends) AS s, generate_series(0, 6) AS d""",
    """INSERT INTO conversations (user_id, state, reason, opened_at,
         last_activity_at)
       SELECT n, 'waiting', 'asked', now(), now()
       FROM generate_series(1, 50) AS n""",
]


def seed(members: int, sends: int) -> None:
    """Fill the database with friends, sends, recipients and roll-ups."""
    for statement in SEED:
        started = time.perf_counter()
        db.session.execute(sa.text(statement), {"members": members, "sends": sends})
        db.session.commit()
        print(
            f"  seeded in {time.perf_counter() - started:5.1f} s: "
            f"{statement.split('(')[0].strip()}"
        )
    db.session.commit()
    # As autovacuum leaves a live database: statistics, and visibility maps that
    # let counts read an index alone (a fresh bulk load has neither).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))


def timed(client, path: str, repeat: int) -> tuple[float, float, float]:  # noqa: ANN001
    """Return the first GET's ms, the median ms and the median app CPU ms of a page.

    App CPU is this process's (Flask, SQLAlchemy, templates); PostgreSQL's
    own CPU is in its backend process and shows only in the wall time.
    """
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
    return times[0], statistics.median(times), statistics.median(cpu)


def main() -> None:
    """Seed, sign in, time the pages and print each beside the queue page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--sends", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    database = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    engine = sa.create_engine(
        normalize_database_url(database.rsplit("/", 1)[0] + "/postgres"),
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as conn:
        # A fresh database each run: no old revision numbering to downgrade.
        name = database.rsplit("/", 1)[1]
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    app = create_app(
        {
            "BOT_ENV": "test",
            "DATABASE_URL": database,
            "REDIS_URL": "",
            "LINE_API_BASE_URL": "http://127.0.0.1:9",
            "LINE_API_DATA_BASE_URL": "http://127.0.0.1:9",
            "LOG_LEVEL": "ERROR",
        }
    )
    with app.app_context():
        upgrade(revision="heads")
        print(
            f"seeding {args.members:,} members and {args.sends} sends "
            f"({args.members * args.sends:,} recipients)"
        )
        seed(args.members, args.sends)
    runner = app.test_cli_runner()
    for command in (
        ["coupons", "load"],
        ["faq", "load", str(REPO_ROOT / "faq" / "faq.yaml")],
    ):
        result = runner.invoke(args=command)
        print(f"  {' '.join(command[:2])}: exit {result.exit_code}")
    with app.app_context():
        create_operator("bench@example.com", PASSWORD, "admin")
        db.session.commit()
    client = app.test_client()
    client.get("/operator/login")
    with client.session_transaction() as session:
        token = session[CSRF_FIELD]
    client.post(
        "/operator/login",
        data={"email": "bench@example.com", "password": PASSWORD, CSRF_FIELD: token},
    )
    first, baseline, cpu = timed(client, "/operator/", args.repeat)
    heading = f"{'first ms':>9} {'median ms':>10} {'x queue':>8} {'cpu ms':>7}"
    print(f"\n{'page':42} {heading}")
    print(
        f"{'/operator/ (baseline)':42} {first:9.1f} {baseline:10.1f} {1:8.2f}"
        f" {cpu:7.1f}"
    )
    worst = 0.0
    for path in PAGES:
        first, took, cpu = timed(client, path, args.repeat)
        worst = max(worst, took / baseline)
        print(f"{path:42} {first:9.1f} {took:10.1f} {took / baseline:8.2f} {cpu:7.1f}")
    print(f"\nworst median ratio {worst:.2f} (target <= 2.00)")


if __name__ == "__main__":
    main()
