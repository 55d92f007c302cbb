"""Card API and scan API latency under concurrent load, beside a baseline.

The app runs under gunicorn (gthread workers) against PostgreSQL and Redis, the
way it is deployed; LINE is the emulator (ID token verification). Each phase
sends the same number of requests from the same client threads:

- baseline: GET /healthz (one SELECT 1 and a Redis PING: the stack's floor)
- card:     POST /api/member/card (ID token check, cached after the first call;
            balance, history, a new QR code row, barcode SVG from the cache)
- scan-no:  POST /api/pos/scan with a member number
- scan-qr:  POST /api/pos/scan with a one-time QR code from the card phase

Usage: .venv/bin/python bench/card_scan_bench.py [--requests 3000] [--clients 16]
Needs PostgreSQL at BENCH_DATABASE_URL (default a local omo_bot_bench_pos) and
Redis at BENCH_REDIS_URL (default db 13, flushed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webhook_processes import start_bot_under_gunicorn  # noqa: E402

from bot import create_app  # noqa: E402
from bot.config import normalize_database_url  # noqa: E402
from bot.extensions import db  # noqa: E402
from bot.members.models import Member  # noqa: E402
from bot.members.numbers import random_member_no  # noqa: E402
from bot.models_base import utcnow  # noqa: E402
from bot.points.service import award_points  # noqa: E402
from bot.stores.models import Store  # noqa: E402
from bot.stores.service import issue_api_key  # noqa: E402
from bot.users.models import LineUser  # noqa: E402
from line_emulator.client import EmulatorClient  # noqa: E402
from line_emulator.server import EmulatorServer  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/omo_bot_bench_pos"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
CHANNEL_ID = "1660000001"
Request = Callable[[requests.Session, int], requests.Response]


def ensure_database() -> None:
    """Create the bench database when missing."""
    url = sa.make_url(normalize_database_url(DATABASE_URL))
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
            {"n": url.database},
        ):
            conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def app_settings(emulator: EmulatorServer) -> dict[str, str]:
    """Return the settings the bench app runs with (also as environment)."""
    return {
        "BOT_ENV": "test",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "LINE_API_BASE_URL": emulator.base_url,
        "LINE_API_DATA_BASE_URL": emulator.data_base_url,
        "LINE_ACCESS_BASE_URL": emulator.access_base_url,
        "LINE_LOGIN_CHANNEL_ID": CHANNEL_ID,
        "LOG_LEVEL": "WARNING",
    }


def seed(emulator: EmulatorServer, members: int) -> tuple[str, list[str], list[str]]:
    """Reset the database; create a store key and linked members with tokens."""
    from flask_migrate import upgrade

    app = create_app(app_settings(emulator))
    app.extensions["redis"].flushdb()
    control = EmulatorClient(emulator.base_url)
    with app.app_context():
        upgrade(revision="heads")
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.add(
            Store(
                code="S001",
                name="渋谷店",
                address="東京都",
                lat=35.6,
                lng=139.7,
                opens_at="10:00",
                closes_at="21:00",
            )
        )
        db.session.flush()
        key = issue_api_key("S001", utcnow())
        tokens, numbers = [], []
        for index in range(members):
            user_id = emulator.platform.add_user(display_name=f"会員{index}").user_id
            user = LineUser(line_user_id=user_id, display_name=f"会員{index}")
            db.session.add(user)
            db.session.flush()
            member = Member(
                member_no=random_member_no(), name=f"会員{index}", line_user_id=user.id
            )
            db.session.add(member)
            db.session.flush()
            for lot in range(5):
                award_points(member.id, 100, f"seed:{lot}", utcnow())
            tokens.append(control.issue_id_token(user_id, CHANNEL_ID))
            numbers.append(member.member_no)
        db.session.commit()
        db.engine.dispose()
    return key, tokens, numbers


def run_phase(count: int, clients: int, send: Request) -> tuple[list[float], float]:
    """Send `count` requests from `clients` threads; return latencies and seconds."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(count))

    def client() -> None:
        session = requests.Session()
        mine = []
        for index in counter:
            started = time.perf_counter()
            answer = send(session, index)
            mine.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return latencies, time.perf_counter() - started


def report(name: str, latencies: list[float], seconds: float) -> None:
    """Print one line of figures."""
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{name:<10} {len(latencies):>6} {len(latencies) / seconds:>9.0f} "
        f"{statistics.median(latencies):>8.1f} {cuts[98]:>8.1f} {max(latencies):>8.1f}"
    )


def main() -> None:
    """Seed, start gunicorn, run the four phases and print p50/p99 and req/s."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    ensure_database()
    with EmulatorServer() as emulator:
        key, tokens, numbers = seed(emulator, args.members)
        server = start_bot_under_gunicorn(
            app_settings(emulator), args.port, args.workers, args.threads
        )
        base = f"http://127.0.0.1:{args.port}"
        staff = {"Authorization": f"Bearer {key}"}
        codes: list[str] = []

        def baseline(session: requests.Session, i: int) -> requests.Response:
            return session.get(f"{base}/healthz", timeout=30)

        def card(session: requests.Session, i: int) -> requests.Response:
            token = tokens[i % len(tokens)]
            answer = session.post(
                f"{base}/api/member/card",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            if answer.ok:
                codes.append(answer.json()["qr_code"])
            return answer

        def scan_number(session: requests.Session, i: int) -> requests.Response:
            body = {"code": numbers[i % len(numbers)]}
            return session.post(
                f"{base}/api/pos/scan", json=body, headers=staff, timeout=30
            )

        def scan_code(session: requests.Session, i: int) -> requests.Response:
            body = {"code": codes[i]}
            return session.post(
                f"{base}/api/pos/scan", json=body, headers=staff, timeout=30
            )

        try:
            run_phase(300, args.clients, baseline)  # warm up connections
            run_phase(len(tokens), args.clients, card)  # every token verified once
            codes.clear()
            print(
                f"gunicorn gthread {args.workers}x{args.threads}, "
                f"{args.clients} concurrent clients, PostgreSQL + Redis, LINE emulator"
            )
            print(
                f"{'phase':<10} {'reqs':>6} {'req/s':>9} {'p50 ms':>8} "
                f"{'p99 ms':>8} {'max ms':>8}"
            )
            for name, send in (
                ("baseline", baseline),
                ("card", card),
                ("scan-no", scan_number),
                ("scan-qr", scan_code),
                ("baseline", baseline),
            ):
                latencies, seconds = run_phase(args.requests, args.clients, send)
                report(name, latencies, seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
