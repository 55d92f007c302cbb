"""Send one message to a 100,000-user segment against the emulator; print figures.

Run from the repository root: .venv/bin/python bench/segment_send_bench.py
Needs PostgreSQL on 127.0.0.1 (database BENCH_DATABASE_URL, created if missing).
The emulator runs standalone in a child process with LINE's documented multicast
limit (200 requests/s); Redis is the in-process stand-in. Figures:
- rate-limit maximum: 200 requests/s x 500 recipients = the best any sender can do;
- naive: one batch at a time (multicast, then record the batch), no concurrency;
- emulator ceiling: pre-built 500-recipient requests from 8 threads, no database;
- segment send: `deliver_send` as `flask segment send` runs it.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from bot import create_app  # noqa: E402
from bot.config import normalize_database_url  # noqa: E402
from bot.extensions import db  # noqa: E402
from bot.line.client import line_client  # noqa: E402
from bot.line.delivery import retry_key_for  # noqa: E402
from bot.models_base import utcnow  # noqa: E402
from bot.segments.definition import SegmentDefinition  # noqa: E402
from bot.segments.delivery import deliver_send  # noqa: E402
from bot.segments.models import (  # noqa: E402
    SENT,
    SegmentSendBatch,
    SegmentSendRecipient,
)
from bot.segments.sending import create_send, freeze_recipients  # noqa: E402
from bot.users.models import LineUser  # noqa: E402
from line_emulator.client import EmulatorClient  # noqa: E402

MULTICAST = "/v2/bot/message/multicast"
TOKEN = "bench-access-token"
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/omo_bot_bench_seg"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_emulator(rate: int) -> tuple[subprocess.Popen[bytes], str]:
    """Start the emulator standalone and set LINE's multicast rate limit."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "line_emulator", "--port", str(port)]
        + ["--access-token", TOKEN],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    control = EmulatorClient(base)
    for _ in range(100):
        try:
            control.configure(rate_limits={MULTICAST: rate})
            return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the emulator did not start")


def ensure_database(url: str) -> None:
    engine_url = sa.make_url(normalize_database_url(url))
    admin = sa.create_engine(
        engine_url.set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        if not conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
            {"n": engine_url.database},
        ):
            conn.execute(sa.text(f'CREATE DATABASE "{engine_url.database}"'))
    admin.dispose()


def build_users(app: Flask, count: int) -> float:
    """Replace every LINE user with `count` friends using COPY; return seconds."""
    started = time.perf_counter()
    with app.app_context():
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        now = utcnow().isoformat()
        rows = io.StringIO()
        for n in range(count):
            rows.write(f"U{n:032x}\tt\t{now}\t{now}\n")
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            columns = "line_user_id, is_friend, created_at, updated_at"
            with cursor.copy(f"COPY line_users ({columns}) FROM STDIN") as copy:
                copy.write(rows.getvalue())
            raw.commit()
        finally:
            raw.close()
    return time.perf_counter() - started


def new_send(app: Flask, text: str) -> tuple[int, float]:
    """Create a send to every friend and freeze its recipients; return id, seconds."""
    with app.app_context():
        started = time.perf_counter()
        send = create_send(SegmentDefinition(), [{"type": "text", "text": text}])
        freeze_recipients(send)
        db.session.commit()
        return send.id, time.perf_counter() - started


def naive_send(app: Flask, send_id: int) -> float:
    """Send one batch at a time and record it before the next; return seconds."""
    with app.app_context():
        started = time.perf_counter()
        messages = [{"type": "text", "text": "naive"}]
        batches = db.session.execute(
            sa.select(SegmentSendRecipient.batch_no, LineUser.line_user_id)
            .join(LineUser, LineUser.id == SegmentSendRecipient.line_user_id)
            .where(SegmentSendRecipient.send_id == send_id)
            .order_by(SegmentSendRecipient.batch_no)
        ).all()
        grouped: dict[int, list[str]] = {}
        for batch_no, line_user_id in batches:
            grouped.setdefault(batch_no, []).append(line_user_id)
        for batch_no, ids in grouped.items():
            while True:
                try:
                    line_client().multicast(
                        ids, messages, retry_key_for("naive", send_id, batch_no)
                    )
                    break
                except Exception as exc:  # noqa: BLE001 - a 429: wait and retry
                    if getattr(exc, "status", None) != 429:
                        raise
                    time.sleep(0.05)
            db.session.execute(
                sa.update(SegmentSendBatch)
                .where(
                    SegmentSendBatch.send_id == send_id,
                    SegmentSendBatch.batch_no == batch_no,
                )
                .values(status=SENT, delivered=len(ids), sent_at=utcnow())
            )
            db.session.commit()
        return time.perf_counter() - started


def emulator_ceiling(base: str, batches: int, threads: int = 8) -> float:
    """Post pre-built 500-recipient multicasts with no database; return seconds."""
    body = (
        '{"to":['
        + ",".join(f'"U{n:032x}"' for n in range(500))
        + '],"messages":[{"type":"text","text":"ceiling"}]}'
    ).encode()

    def post(_: int) -> None:
        while True:
            request = urllib.request.Request(
                base + MULTICAST,
                data=body,
                headers={
                    "Authorization": f"Bearer {TOKEN}",
                    "Content-Type": "application/json",
                    "X-Line-Retry-Key": str(uuid.uuid4()),
                },
            )
            try:
                urllib.request.urlopen(request).read()
                return
            except urllib.error.HTTPError as error:
                error.close()
                if error.code != 429:
                    raise
                time.sleep(0.05)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(post, range(batches)))
    return time.perf_counter() - started


def one_row_floor(app: Flask, users: int) -> float:
    """Seconds PostgreSQL takes to write one cap-ledger row per recipient.

    The least any marketing send records per customer (the day's cap counts
    these rows): one INSERT .. SELECT of `users` rows into
    `marketing_messages`, with its indexes and foreign key, rolled back.
    Beside LINE's limit (1 s per 100,000 multicast recipients) it shows how
    much of that second one row per recipient costs on this machine.
    """
    with app.app_context(), db.engine.connect() as connection:
        started = time.perf_counter()
        connection.execute(
            sa.text(
                "INSERT INTO marketing_messages"
                " (line_user_id, local_day, source, sent_at)"
                " SELECT id, current_date, 'floor', now() FROM line_users"
                " ORDER BY id LIMIT :users"
            ),
            {"users": users},
        )
        seconds = time.perf_counter() - started
        connection.rollback()
    return seconds


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=200, help="multicast requests/s")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args(argv)
    database = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    ensure_database(database)
    emulator, base = start_emulator(args.rate)
    control = EmulatorClient(base)
    try:
        app = create_app(
            {
                "BOT_ENV": "test",
                "DATABASE_URL": database,
                "REDIS_URL": "",
                "LINE_API_BASE_URL": base,
                "LINE_API_DATA_BASE_URL": base + "/data",
                "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
                "MULTICAST_RATE_PER_SECOND": args.rate,
                # The bench runs at any hour: quiet hours would refuse the send.
                "QUIET_HOURS": "",
                "LOG_LEVEL": "WARNING",
            }
        )
        with app.app_context():
            upgrade(revision="heads")
        build_seconds = build_users(app, args.users)
        batches = -(-args.users // 500)
        best = args.users / (args.rate * 500)
        rows: list[tuple[str, float, int]] = []
        if not args.skip_naive:
            send_id, _ = new_send(app, "naive")
            rows.append(("naive (1 batch at a time)", naive_send(app, send_id), 0))
            control.reset()
        rows.append(("emulator ceiling (no DB)", emulator_ceiling(base, batches), 0))
        control.reset()
        floor = one_row_floor(app, args.users)
        rows.append(("one ledger row each (DB only)", floor, 0))
        rss_before = peak_rss_mib()
        send_id, freeze_seconds = new_send(app, "セールのお知らせ")
        with app.app_context():
            started = time.perf_counter()
            report = deliver_send(send_id, threads=args.threads)
            seconds = time.perf_counter() - started
        assert report.finished and report.delivered == args.users, report
        limited = sum(1 for c in control.calls(path=MULTICAST) if c["status"] == 429)
        rows.append((f"segment send ({args.threads} threads)", seconds, limited))
        print(f"recipients: {args.users:,} in {batches} batches of <= 500")
        print(f"users built with COPY: {build_seconds:.2f} s")
        print(f"recipient list frozen (INSERT .. SELECT): {freeze_seconds:.2f} s")
        print(f"rate-limit maximum: {args.rate} req/s x 500 = {args.rate * 500:,}")
        print(f"  recipients/s, so {best:.2f} s for this segment")
        print(f"{'sender':34} {'seconds':>8} {'recipients/s':>13} {'of max':>7} 429s")
        for name, took, count in rows:
            rate = args.users / took
            share = rate / (args.rate * 500)
            print(f"{name:34} {took:8.2f} {rate:13,.0f} {share:7.0%} {count:4}")
        after = peak_rss_mib()
        print(f"peak RSS: {rss_before:.0f} MiB before the send, {after:.0f} after")
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


if __name__ == "__main__":
    main()
