"""On SQLite the member lock is a write lock: concurrent redemptions still hold."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from bot.extensions import db
from bot.members.models import Member
from bot.members.numbers import random_member_no
from bot.models_base import utcnow
from bot.points.service import NotEnoughPoints, award_points, balance, redeem_points

THREADS = 6


def test_sqlite_redemptions_at_once_never_overdraw(sqlite_app: Flask) -> None:
    app = sqlite_app
    with app.app_context():
        member = Member(member_no=random_member_no(), name="テスト")
        db.session.add(member)
        db.session.flush()
        award_points(member.id, 100, "opening", utcnow())
        db.session.commit()
        member_id = member.id
    start = threading.Barrier(THREADS)

    def redeem(register: int) -> bool:
        with app.app_context():
            start.wait()
            try:
                redeem_points(member_id, 30, f"R-{register}", utcnow())
                db.session.commit()
                return True
            except NotEnoughPoints:
                db.session.rollback()
                return False

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(redeem, range(THREADS)))
    with app.app_context():
        assert results.count(True) == 3
        assert balance(member_id) == 10
