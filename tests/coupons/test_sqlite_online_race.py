"""On SQLite too, orders racing for one single-use coupon redeem it once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from bot.coupons.redemption import redeem_online_codes
from bot.extensions import db
from bot.members.models import Member
from bot.models_base import utcnow
from tests.coupons.factories import coupon_row, give, load_shipped, user_pk
from tests.pos.factories import make_member

ORDERS = 8


def test_parallel_orders_redeem_one_coupon_once_on_sqlite(sqlite_app: Flask) -> None:
    # SQLite has no row locks: a locked read before the write let six of ten
    # parallel orders each redeem the same coupon (the last one's reference won).
    app = sqlite_app
    load_shipped(app)
    member_id = make_member(app, line_user_id="U" + "d" * 32)["id"]
    code = give(app, user_pk(app, "U" + "d" * 32), "thanks-next")
    start = threading.Barrier(ORDERS)

    def order(number: int) -> str:
        with app.app_context():
            member = db.session.get(Member, member_id)
            start.wait()
            [use] = redeem_online_codes([(code, 500)], f"ec:{number}", utcnow(), member)
            db.session.commit()
            return use.outcome

    with ThreadPoolExecutor(ORDERS) as pool:
        outcomes = list(pool.map(order, range(ORDERS)))
    row = coupon_row(app, code)
    assert sorted(outcomes) == ["redeemed"] + ["refused"] * (ORDERS - 1)
    assert row.status == "used"
    assert row.used_reference == f"ec:{outcomes.index('redeemed')}"
