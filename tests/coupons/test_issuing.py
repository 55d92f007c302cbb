"""Issuing personal coupons: limits under concurrency, guests, and linking."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from bot.coupons.content import parse_coupons
from bot.coupons.definitions import load_definitions
from bot.coupons.models import PersonalCoupon
from bot.coupons.service import (
    ALPHABET,
    issue_coupon,
    issue_to_users,
    usable_coupons_for_user,
)
from bot.extensions import db
from bot.members.service import complete_link, create_nonce
from bot.models_base import utcnow
from tests.coupons.factories import give, load_shipped, user_pk
from tests.pos.factories import make_member

LIMITED = """
coupons:
  - id: first-ten
    title: 先着10名
    kind: amount_off
    value: 100
    valid_days: 3
    channels: [store]
    total_limit: 10
  - id: twice
    title: 2回まで
    kind: percent_off
    value: 5
    valid_until: 2099-12-31
    channels: [store, online]
    limit_per_customer: 2
"""


def _load(app: Flask, text: str = LIMITED) -> None:
    with app.app_context():
        load_definitions(parse_coupons(text, "test"))
        db.session.commit()


def test_codes_are_long_random_and_typeable(app: Flask) -> None:
    load_shipped(app)
    pks = [user_pk(app, f"U{n:032d}") for n in range(50)]
    codes = [give(app, pk, "birthday") for pk in pks]
    assert len(set(codes)) == 50
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert set("".join(groups)) <= set(ALPHABET)
    assert len(ALPHABET) ** 16 >= 2**64


def test_limit_per_customer_and_unknown_or_retired(app: Flask) -> None:
    _load(app)
    pk = user_pk(app, "U" + "1" * 32)
    with app.app_context():
        now = utcnow()
        assert issue_coupon(pk, "twice", now, source="a") is not None
        assert issue_coupon(pk, "twice", now, source="b") is not None
        assert issue_coupon(pk, "twice", now, source="c") is None
        assert issue_coupon(pk, "no-such", now, source="d") is None
        db.session.commit()
    _load(app, LIMITED.split("  - id: twice")[0])  # "twice" leaves the file
    with app.app_context():
        other = user_pk(app, "U" + "2" * 32)
        assert issue_coupon(other, "twice", utcnow(), source="e") is None
        # Issued ones stay valid.
        assert len(usable_coupons_for_user(pk, utcnow())) == 2


def test_parallel_issues_never_pass_the_total_limit(app: Flask) -> None:
    _load(app)
    pks = [user_pk(app, f"U{n:032x}") for n in range(25)]
    start = threading.Barrier(25)

    def issue(pk: int) -> bool:
        with app.app_context():
            start.wait()
            coupon = issue_coupon(pk, "first-ten", utcnow(), source="race")
            db.session.commit()
            return coupon is not None

    with ThreadPoolExecutor(25) as pool:
        results = list(pool.map(issue, pks))
    assert results.count(True) == 10
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PersonalCoupon.id))) == 10


def test_bulk_issue_is_idempotent_per_source(app: Flask) -> None:
    _load(app)
    pks = [user_pk(app, f"U{n:032x}") for n in range(15)]
    with app.app_context():
        now = utcnow()
        first = issue_to_users("first-ten", pks, now, source="send:1")
        db.session.commit()
        again = issue_to_users("first-ten", pks, now, source="send:1")
        db.session.commit()
        assert first == again == pks[:10]
        assert db.session.scalar(sa.select(sa.func.count(PersonalCoupon.id))) == 10


def test_a_guests_coupons_move_to_the_member_when_they_link(app: Flask) -> None:
    load_shipped(app)
    guest = "U" + "9" * 32
    pk = user_pk(app, guest)
    code = give(app, pk, "visit-shibuya")
    member = make_member(app, name="佐藤 花子")
    with app.app_context():
        from bot.members.models import Member
        from bot.users.models import LineUser

        row = db.session.get(Member, member["id"])
        nonce = create_nonce(row, None)
        db.session.commit()
        user = db.session.get(LineUser, pk)
        result = complete_link(nonce, True, user, "event-1")
        db.session.commit()
        assert result.outcome == "linked"
        coupon = db.session.scalar(sa.select(PersonalCoupon))
        assert (coupon.member_id, coupon.line_user_id) == (member["id"], pk)
        # After unlinking, the coupon stays the member's.
        row.line_user_id = None
        db.session.commit()
        assert usable_coupons_for_user(pk, utcnow()) == []
    assert code


def test_valid_until_ends_at_the_end_of_that_day(app: Flask) -> None:
    _load(app)
    pk = user_pk(app, "U" + "3" * 32)
    with app.app_context():
        coupon = issue_coupon(pk, "twice", utcnow(), source="x")
        assert coupon is not None
        local = coupon.expires_at.astimezone(app.config["SETTINGS"].timezone)
        assert (local.year, local.month, local.day, local.hour) == (2100, 1, 1, 0)
        assert coupon.expires_at - utcnow() > timedelta(days=365)
