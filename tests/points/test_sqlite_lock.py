"""On SQLite the member lock is a write lock: concurrent redemptions still hold."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bot import create_app
from bot.extensions import db
from bot.members.models import Member
from bot.members.numbers import random_member_no
from bot.models_base import utcnow
from bot.points.service import NotEnoughPoints, award_points, balance, redeem_points
from tests.conftest import TEST_REDIS_URL

THREADS = 6


def test_sqlite_redemptions_at_once_never_overdraw(
    tmp_path: Path, emulator: Any
) -> None:
    app = create_app(
        {
            "BOT_ENV": "test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
            "REDIS_URL": TEST_REDIS_URL,
            "LINE_API_BASE_URL": emulator.base_url,
        }
    )
    with app.app_context():
        db.create_all()
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
        db.engine.dispose()
