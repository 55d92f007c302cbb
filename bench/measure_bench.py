"""Measurement: report time at 10,000 vs 1,000,000 recipients; /r/TOKEN vs /healthz.

Part 1 builds two segment sends in PostgreSQL, one with 10,000 recipients and
one with 1,000,000 (line_users, segment_send_recipients and exposures rows
written with generate_series; 1% clicks and conversions), and fills the daily
roll-up through the same `bump` the event path calls (one per batch of 500,
as segment delivery records exposures, and one per conversion). It then times
`report send` for each (median of --runs) and prints the ratio.

Part 2 serves the app under gunicorn (gthread) on loopback and runs wrk
against GET /healthz (the baseline: SELECT 1 and a Redis PING) and then
GET /r/TOKEN (HMAC check, cached link, one INSERT) for --seconds each, with the
same connections and threads, and prints both rates and their ratio.

Usage: .venv/bin/python bench/measure_bench.py [--runs 30] [--seconds 5]
Needs PostgreSQL at BENCH_DATABASE_URL (default omo_bot_bench_measure, dropped
and rebuilt) and Redis at BENCH_REDIS_URL (default db 12), and `wrk`.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webhook_processes import start_bot_under_gunicorn  # noqa: E402

from bot import create_app  # noqa: E402
from bot.config import normalize_database_url  # noqa: E402
from bot.extensions import db  # noqa: E402
from bot.measure.links import make_token  # noqa: E402
from bot.measure.models import TrackedLink  # noqa: E402
from bot.measure.report import send_report  # noqa: E402
from bot.measure.rollup import bump  # noqa: E402
from bot.models_base import utcnow  # noqa: E402
from bot.segments.models import DONE, SegmentSend  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL",
    "postgresql://postgres@127.0.0.1:5432/omo_bot_bench_measure",
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
SIZES = (10_000, 1_000_000)
SETTINGS = {
    "BOT_ENV": "test",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "LOG_LEVEL": "WARNING",
    "SECRET_KEY": "bench-secret",
    "BOT_BASE_URL": "http://127.0.0.1:18431",
}


def rebuild_database() -> None:
    """Drop and create the bench database, then migrate it to the head."""
    from flask_migrate import upgrade

    url = sa.make_url(normalize_database_url(DATABASE_URL))
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    app = create_app(SETTINGS)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def seed_send(size: int, first_user: int) -> int:
    """Create one done send to `size` users and its raw rows and roll-ups."""
    now = utcnow() - timedelta(days=1)
    send = SegmentSend(
        definition={},
        messages=[{"type": "text", "text": "https://shop.example.com/x"}],
        fingerprint=f"bench-{size}",
        status=DONE,
        recipient_count=size,
        created_at=now,
    )
    db.session.add(send)
    db.session.flush()
    campaign = f"segment:{send.id}"
    link = TrackedLink(campaign=campaign, variant="", url="https://shop.example.com/x")
    db.session.add(link)
    db.session.flush()
    last = first_user + size - 1
    params = {"s": send.id, "a": first_user, "b": last, "c": campaign, "t": now}
    for statement in (
        "INSERT INTO segment_send_recipients (send_id, line_user_id, batch_no,"
        " skipped) SELECT :s, i, (i - CAST(:a AS int)) / 500, false"
        " FROM generate_series(CAST(:a AS int), CAST(:b AS int)) i",
        "INSERT INTO exposures (campaign, variant, line_user_id, holdout,"
        " first_sent_at, last_sent_at) SELECT :c, '', i, false, :t, :t"
        " FROM generate_series(CAST(:a AS int), CAST(:b AS int)) i",
        "INSERT INTO clicks (link_id, line_user_id, clicked_at, counted)"
        f" SELECT {link.id}, i, :t, true"
        " FROM generate_series(CAST(:a AS int), CAST(:b AS int), 100) i",
        "INSERT INTO conversions (exposure_id, campaign, variant, line_user_id,"
        " kind, reference, amount, occurred_at) SELECT e.id, e.campaign, '',"
        " e.line_user_id, 'store', 'pos:S001:' || e.id, 3000, :t"
        " FROM exposures e WHERE e.campaign = :c AND e.line_user_id % 100 = 0",
    ):
        db.session.execute(sa.text(statement), params)
    for _ in range(0, size, 500):
        bump(campaign, "", now, recipients=500, delivered=500)
    for _ in range(size // 100):
        bump(campaign, "", now, clicks=1, clickers=1)
        bump(campaign, "", now, converted=1, converted_store=1, revenue=3000)
    db.session.commit()
    return send.id


def seed() -> list[tuple[int, int]]:
    """Create 1,010,000 LINE users and the two sends; return (size, send id)."""
    total = sum(SIZES)
    db.session.execute(
        sa.text(
            "INSERT INTO line_users (id, line_user_id, is_friend, created_at,"
            " updated_at) SELECT i, 'U' || md5(i::text), true, now(), now()"
            " FROM generate_series(1, CAST(:n AS int)) i"
        ),
        {"n": total},
    )
    db.session.commit()
    sends, first = [], 1
    for size in SIZES:
        sends.append((size, seed_send(size, first)))
        first += size
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return sends


def time_reports(sends: list[tuple[int, int]], runs: int) -> dict[int, float]:
    """Return the median milliseconds of `report send` per size."""
    medians = {}
    for size, send_id in sends:
        send_report(send_id)  # warm the connection and statements
        db.session.rollback()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            report = send_report(send_id)
            times.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        assert report["totals"]["recipients"] == size
        assert report["totals"]["converted"] == size // 100
        medians[size] = statistics.median(times)
    return medians


def wrk(url: str, seconds: int, connections: int) -> float:
    """Run wrk against one URL; return requests per second."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    if "Non-2xx or 3xx" in out:
        raise SystemExit(f"errors under load:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])


def main() -> None:
    """Seed, time the reports, then serve and load /healthz and /r/TOKEN."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=18431)
    args = parser.parse_args()

    rebuild_database()
    app = create_app(SETTINGS)
    with app.app_context():
        started = time.perf_counter()
        sends = seed()
        print(
            f"seeded {sum(SIZES):,} recipients in {time.perf_counter() - started:.0f} s"
        )
        medians = time_reports(sends, args.runs)
        link_id = db.session.scalar(sa.select(sa.func.min(TrackedLink.id)))
        token = make_token(link_id, 1)
        db.engine.dispose()
    small, large = medians[SIZES[0]], medians[SIZES[1]]
    print(f"report send, median of {args.runs}:")
    print(f"  {SIZES[0]:>9,} recipients: {small:7.2f} ms")
    print(f"  {SIZES[1]:>9,} recipients: {large:7.2f} ms")
    print(f"  ratio: {large / small:.2f} (target <= 1.5)")

    server = start_bot_under_gunicorn(SETTINGS, args.port, args.workers, args.threads)
    try:
        base = f"http://127.0.0.1:{args.port}"
        healthz = wrk(f"{base}/healthz", args.seconds, args.connections)
        redirect = wrk(f"{base}/r/{token}", args.seconds, args.connections)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"gunicorn {args.workers}x{args.threads} threads, wrk {args.connections}"
        f" connections, {args.seconds} s each:"
    )
    print(f"  GET /healthz  {healthz:8.0f} req/s (baseline)")
    print(f"  GET /r/TOKEN  {redirect:8.0f} req/s")
    print(f"  ratio: {redirect / healthz:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
