"""Coupon sends: codes drawn by the database, resumed exactly once, within limits."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

import bot.coupons.service as coupon_service
import bot.segments.delivery as delivery
from bot.coupons.content import parse_coupons
from bot.coupons.definitions import load_definitions
from bot.coupons.models import PersonalCoupon
from bot.coupons.service import ALPHABET, issue_coupon, issue_to_users
from bot.extensions import db
from bot.models_base import utcnow
from tests.conftest import LineSide
from tests.coupons.factories import load_shipped
from tests.segments.factories import make_friends, make_user

BATCH = 10
LIMITED = """
coupons:
  - id: first-twenty
    title: 先着20名
    kind: amount_off
    value: 300
    valid_days: 7
    channels: [store]
    total_limit: 20
"""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"SEGMENT_BATCH_SIZE": BATCH}


@pytest.fixture
def friends(app: Flask, line: LineSide) -> list[str]:
    """45 friends known to the bot and to LINE."""
    return make_friends(app, line, 45)


def _multicast_counts(line: LineSide) -> Counter[str]:
    return Counter(
        d.user_id for d in line.platform.deliveries() if d.via == "multicast"
    )


def _coupons(app: Flask) -> list[tuple[str, str, str]]:
    """Return (LINE user id, code, source) of every personal coupon."""
    from bot.users.models import LineUser

    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                sa.select(
                    LineUser.line_user_id, PersonalCoupon.code, PersonalCoupon.source
                ).join(LineUser, LineUser.id == PersonalCoupon.line_user_id)
            )
        ]


def test_codes_drawn_by_the_database_are_random_and_typeable(app: Flask) -> None:
    load_shipped(app)
    with app.app_context():
        pks = [make_user(f"U{n:032x}").id for n in range(400)]
        db.session.commit()
        holders = issue_to_users("comeback", pks, utcnow(), source="send:9")
        db.session.commit()
        codes = db.session.scalars(sa.select(PersonalCoupon.code)).all()
    assert holders == pks
    assert len(codes) == len(set(codes)) == 400
    assert all(len(code) == 16 and set(code) <= set(ALPHABET) for code in codes)
    # Every letter turns up in every position: the codes are not one pattern.
    for position in range(16):
        assert len({code[position] for code in codes}) == len(ALPHABET)


def test_a_code_that_collides_is_drawn_again(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_shipped(app)
    real_insert = coupon_service._insert_with_database_codes
    attempts: list[int] = []

    def first_row_collides(rows: list[dict[str, Any]]) -> set[int]:
        attempts.append(len(rows))
        if len(attempts) == 1:  # as if the first row's code were taken
            return real_insert(rows[1:])
        return real_insert(rows)

    monkeypatch.setattr(
        coupon_service, "_insert_with_database_codes", first_row_collides
    )
    with app.app_context():
        pks = [make_user(f"U{n:032x}").id for n in range(5)]
        db.session.commit()
        assert issue_to_users("comeback", pks, utcnow(), source="send:1") == pks
        db.session.commit()
        held = db.session.scalars(sa.select(PersonalCoupon.line_user_id)).all()
    assert attempts == [5, 1]
    assert sorted(held) == sorted(pks)


def test_interrupted_coupon_send_resumes_without_double_coupons_or_messages(
    app: Flask,
    friends: list[str],
    runner: FlaskCliRunner,
    line: LineSide,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load_shipped(app)
    monkeypatch.setattr(delivery, "PREFETCH_BATCHES", 2)  # coupons issued ahead
    real_record = delivery._record_batch
    calls: list[int] = []

    def killed_at_third_batch(send_id: int, batch: Any) -> None:
        calls.append(batch.batch_no)
        if len(calls) == 3:
            # The process dies after LINE took batch 3, before it was written down.
            raise SystemExit("worker killed")
        real_record(send_id, batch)

    monkeypatch.setattr(delivery, "_record_batch", killed_at_third_batch)
    first = runner.invoke(args=["coupons", "issue", "comeback"])
    assert first.exit_code != 0
    issued_before = len(_coupons(app))
    assert 30 <= issued_before <= 45  # coupons of batches not yet sent, too
    monkeypatch.setattr(delivery, "_record_batch", real_record)

    second = runner.invoke(args=["coupons", "issue", "comeback"])
    assert second.exit_code == 0, second.output
    assert _multicast_counts(line) == Counter({user: 1 for user in friends})
    coupons = _coupons(app)
    assert Counter(user for user, _, _ in coupons) == Counter(
        {user: 1 for user in friends}
    )
    assert {source for _, _, source in coupons} == {"send:1"}
    assert len({code for _, code, _ in coupons}) == 45


def test_sends_and_single_issues_at_once_never_pass_the_total_limit(
    app: Flask, friends: list[str], line: LineSide
) -> None:
    from bot.segments.definition import SegmentDefinition
    from bot.segments.sending import create_send

    with app.app_context():
        load_definitions(parse_coupons(LIMITED, "test"))
        message = [{"type": "text", "text": "先着20名さまにクーポン"}]
        sends = [
            create_send(SegmentDefinition(), message, coupon_id="first-twenty").id
            for _ in range(2)
        ]
        walk_ins = [make_user(f"U{n:032x}").id for n in range(8)]
        db.session.commit()
    start = threading.Barrier(len(sends) + len(walk_ins))

    def deliver(send_id: int) -> None:
        with app.app_context():
            start.wait()
            delivery.deliver_send(send_id)

    def walk_in(pk: int) -> bool:
        with app.app_context():
            start.wait()
            coupon = issue_coupon(pk, "first-twenty", utcnow(), source="beacon:S001")
            db.session.commit()
            return coupon is not None

    with ThreadPoolExecutor(len(sends) + len(walk_ins)) as pool:
        delivered = [pool.submit(deliver, s) for s in sends]
        walked = list(pool.map(walk_in, walk_ins))
        for future in delivered:
            future.result()
    coupons = _coupons(app)
    assert len(coupons) == 20
    with app.app_context():
        counted = db.session.scalar(
            sa.text("SELECT issued_count FROM coupon_definitions WHERE id = :i"),
            {"i": "first-twenty"},
        )
    assert counted == 20
    # Each customer holds one, and only those who got one from a send got its
    # message.
    holders = Counter(user for user, _, _ in coupons)
    assert set(holders.values()) == {1}
    from_sends = {user for user, _, source in coupons if source.startswith("send:")}
    assert set(_multicast_counts(line)) == from_sends
    assert set(_multicast_counts(line).values()) <= {1}
    assert len(from_sends) + walked.count(True) == 20
