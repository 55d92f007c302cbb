"""Coupons: the register scan with 20 coupons, and issuing to 100,000 customers.

Run from the repository root: .venv/bin/python bench/coupons_bench.py
Needs PostgreSQL on 127.0.0.1 (BENCH_DATABASE_URL, created if missing); the
emulator runs standalone in a child process; Redis is BENCH_REDIS_URL when set
(as in production), else the in-process stand-in.

1. Scan: POST /api/pos/scan with a member number, in process (Flask's test
   client, one thread), alternating members with no coupons and members with
   20 usable coupons; the ratio of medians is the figure (target <= 1.2x).
2. Issue: `coupons issue` to every friend as `deliver_send` runs it: a personal
   coupon for each recipient, committed batch by batch, then the multicast,
   against LINE's multicast rate limit (--rate requests/s x 500 recipients).
   The share of that maximum is the figure (target >= 90%).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from segment_send_bench import (  # noqa: E402
    DEFAULT_DB,
    MULTICAST,
    TOKEN,
    build_users,
    ensure_database,
    one_row_floor,
    start_emulator,
)

from bot import create_app  # noqa: E402
from bot.coupons.content import parse_coupons  # noqa: E402
from bot.coupons.definitions import load_definitions  # noqa: E402
from bot.coupons.messages import definition_message  # noqa: E402
from bot.coupons.models import CouponDefinition, PersonalCoupon  # noqa: E402
from bot.coupons.service import issue_to_users  # noqa: E402
from bot.extensions import db  # noqa: E402
from bot.line.multicast import send_multicast  # noqa: E402
from bot.members.models import Member  # noqa: E402
from bot.members.numbers import random_member_no  # noqa: E402
from bot.models_base import utcnow  # noqa: E402
from bot.segments.definition import SegmentDefinition  # noqa: E402
from bot.segments.delivery import deliver_send  # noqa: E402
from bot.segments.sending import create_send  # noqa: E402
from bot.stores.models import Store  # noqa: E402
from bot.stores.service import issue_api_key  # noqa: E402
from bot.users.models import LineUser  # noqa: E402
from line_emulator.client import EmulatorClient  # noqa: E402

SHIPPED = REPO_ROOT / "coupons" / "coupons.yaml"
MANY = """
coupons:
""" + "".join(
    f"""  - id: bench-{n}
    title: ベンチ{n}
    kind: amount_off
    value: {100 + n}
    valid_days: 30
    channels: [store, online]
"""
    for n in range(20)
)


def load_coupons(app: Flask) -> None:
    """Load the shipped coupons and 20 more for the scan."""
    with app.app_context():
        text = SHIPPED.read_text("utf-8") + MANY.split("coupons:\n", 1)[1]
        load_definitions(parse_coupons(text, "bench"))
        db.session.commit()


def seed_scan(app: Flask, members: int) -> tuple[str, list[str], list[str]]:
    """Create a store key, members without coupons and members with 20 each."""
    with app.app_context():
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
        plain, rich = [], []
        users = db.session.scalars(
            sa.select(LineUser.id).order_by(LineUser.id).limit(members * 2)
        ).all()
        for index, user_id in enumerate(users):
            member = Member(
                member_no=random_member_no(), name=f"会員{index}", line_user_id=user_id
            )
            db.session.add(member)
            db.session.flush()
            if index % 2:
                for n in range(20):
                    issue_to_users(f"bench-{n}", [user_id], utcnow(), source="bench")
                rich.append(member.member_no)
            else:
                plain.append(member.member_no)
        db.session.commit()
    return key, plain, rich


def bench_scan(app: Flask, key: str, plain: list[str], rich: list[str], rounds: int):
    """Scan alternately; return median ms without and with 20 coupons."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    times: dict[bool, list[float]] = {False: [], True: []}
    for warm in range(20):
        client.post(
            "/api/pos/scan", json={"code": plain[warm % len(plain)]}, headers=headers
        )
    for index in range(rounds):
        for with_coupons, numbers in ((False, plain), (True, rich)):
            code = numbers[index % len(numbers)]
            started = time.perf_counter()
            answer = client.post("/api/pos/scan", json={"code": code}, headers=headers)
            times[with_coupons].append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.get_json()
            assert len(answer.get_json()["coupons"]) == (20 if with_coupons else 0)
    return statistics.median(times[False]), statistics.median(times[True])


def bench_issue(app: Flask, threads: int) -> tuple[float, int]:
    """Issue `comeback` to every friend through a coupon send; return seconds."""
    with app.app_context():
        definition = db.session.get(CouponDefinition, "comeback")
        assert definition is not None
        send = create_send(
            SegmentDefinition(), [definition_message(definition)], coupon_id="comeback"
        )
        db.session.commit()
        started = time.perf_counter()
        report = deliver_send(send.id, threads=threads)
        seconds = time.perf_counter() - started
        issued = db.session.scalar(
            sa.select(sa.func.count(PersonalCoupon.id)).where(
                PersonalCoupon.source == f"send:{send.id}"
            )
        )
        assert report.finished, report
        return seconds, issued or 0


def bench_emulator_ceiling(app: Flask, users: int, threads: int) -> float:
    """Multicast the same batches with no database work; return seconds.

    The bot's own sender (rate limiter, LINE client, retry keys) on the same
    threads, to the same recipients: what the emulator on this machine can take.
    """
    ids = [f"U{n:032x}" for n in range(users)]
    batches = [ids[i : i + 500] for i in range(0, users, 500)]
    message = [{"type": "text", "text": "ceiling"}]
    run = uuid.uuid4().hex

    def send(number: int) -> str:
        with app.app_context():
            key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"ceiling:{run}:{number}"))
            return send_multicast(batches[number], message, key)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        outcomes = list(pool.map(send, range(len(batches))))
    seconds = time.perf_counter() - started
    assert outcomes == ["sent"] * len(batches), outcomes
    return seconds


def main(argv: list[str] | None = None) -> None:
    """Run both benches and print the figures beside their baselines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=200, help="multicast requests/s")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--scan-members", type=int, default=200)
    parser.add_argument("--scan-rounds", type=int, default=1000)
    args = parser.parse_args(argv)
    database = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB + "_coupons")
    ensure_database(database)
    emulator, base = start_emulator(args.rate)
    control = EmulatorClient(base)
    try:
        app = create_app(
            {
                "BOT_ENV": "test",
                "DATABASE_URL": database,
                # LINE's rate limit's sliding window: a real Redis as in
                # production (BENCH_REDIS_URL), else the in-process stand-in.
                "REDIS_URL": os.environ.get("BENCH_REDIS_URL", ""),
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
        build_users(app, args.users)
        load_coupons(app)
        if args.scan_rounds:
            key, plain, rich = seed_scan(app, args.scan_members)
            without, with_20 = bench_scan(app, key, plain, rich, args.scan_rounds)
            print(f"scan, median of {args.scan_rounds} each (in process, one thread):")
            print(f"  member without coupons: {without:6.2f} ms (baseline)")
            print(f"  member with 20 coupons: {with_20:6.2f} ms")
            print(f"  ratio: {with_20 / without:.2f}x (target <= 1.2x)")
        batches = -(-args.users // 500)
        best = batches / args.rate
        control.reset()
        control.configure(rate_limits={MULTICAST: args.rate})
        ceiling = bench_emulator_ceiling(app, args.users, args.threads)
        floor = one_row_floor(app, args.users)
        time.sleep(1.5)  # let the rate limit's window empty
        control.reset()
        control.configure(rate_limits={MULTICAST: args.rate})
        cpu = time.process_time()
        seconds, issued = bench_issue(app, args.threads)
        cpu = time.process_time() - cpu
        limited = sum(1 for c in control.calls(path=MULTICAST) if c["status"] == 429)
        print(f"issue comeback to {args.users:,} friends ({batches} multicasts):")
        print(f"  LINE's rate limit: {args.rate} req/s -> {best:.2f} s (baseline)")
        print(
            f"  emulator alone (no database, {args.threads} threads): "
            f"{ceiling:.2f} s = {batches / ceiling:.0f} req/s (ceiling)"
        )
        print(
            f"  one cap-ledger row per recipient, database only (rolled back):"
            f" {floor:.2f} s = {best / floor:.0%} of LINE's limit at most"
        )
        print(
            f"  coupon send: {seconds:.2f} s, {issued:,} coupons, {limited} 429s,"
            f" bot CPU {cpu:.1f} s ({cpu / max(issued, 1) * 1e6:.0f} us a coupon)"
        )
        print(f"  share of LINE's limit: {best / seconds:.0%} (target >= 90%)")
        print(f"  share of the emulator's ceiling: {ceiling / seconds:.0%}")
        print(f"  load average: {os.getloadavg()[0]:.2f}")
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


if __name__ == "__main__":
    main()
