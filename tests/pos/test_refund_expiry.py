"""A refund gives used points back with the expiry they had, not a new year."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import db
from bot.models_base import utcnow
from bot.points.models import REVERSAL, PointEntry
from bot.points.service import point_summary
from bot.purchases.service import refund_store_purchase
from bot.stores.models import Store
from tests.pos.factories import bearer, give_points, make_member, make_store


@pytest.fixture
def key(app: Flask) -> str:
    return make_store(app)


def post(client: FlaskClient, key: str, path: str, **body: Any) -> Any:
    return client.post(f"/api/pos/{path}", json=body, headers=bearer(key))


def restored_lots(app: Flask, member_id: int) -> list[tuple[int, datetime | None]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(PointEntry)
            .where(
                PointEntry.member_id == member_id,
                PointEntry.kind == REVERSAL,
                PointEntry.delta > 0,
            )
            .order_by(PointEntry.expires_at)
        )
        return [(row.delta, row.expires_at) for row in rows]


def test_points_about_to_lapse_keep_their_expiry_after_a_refund(
    app: Flask, client: FlaskClient, key: str
) -> None:
    member = make_member(app)
    now = utcnow()
    with app.app_context():
        # 100 points lapse in 3 days, 50 in 200 days.
        give_points(member["id"], 100, at=now - timedelta(days=362), reference="a")
        give_points(member["id"], 50, at=now - timedelta(days=165), reference="b")
        db.session.commit()
        soon = now - timedelta(days=362) + timedelta(days=365)
        later = now - timedelta(days=165) + timedelta(days=365)
    sale = {"member_no": member["member_no"], "receipt_no": "R-1", "amount": 120}
    assert post(client, key, "transactions", **sale, points_used=120).status_code == 201

    answer = post(client, key, "refunds", receipt_no="R-1")

    assert answer.status_code == 200
    assert answer.get_json()["points_restored"] == 120
    assert answer.get_json()["member"]["points"] == 150
    # The 100 soonest-lapsing points were spent first; they come back as they were.
    assert restored_lots(app, member["id"]) == [(100, soon), (20, later)]
    with app.app_context():
        summary = point_summary(member["id"])
        assert (summary.next_expiry, summary.expiring_points) == (soon, 100)
    again = post(client, key, "refunds", receipt_no="R-1")
    assert again.get_json()["points_restored"] == 120
    assert len(restored_lots(app, member["id"])) == 2


def test_points_that_lapsed_before_the_refund_stay_lapsed(
    app: Flask, client: FlaskClient, key: str
) -> None:
    member = make_member(app)
    now = utcnow()
    with app.app_context():
        give_points(member["id"], 100, at=now - timedelta(days=364, hours=23))
        db.session.commit()
    sale = {"member_no": member["member_no"], "receipt_no": "R-2", "amount": 100}
    assert post(client, key, "transactions", **sale, points_used=100).status_code == 201
    a_day_later = now + timedelta(days=1)
    with app.app_context():
        store = db.session.scalar(sa.select(Store))
        assert store is not None
        refund_store_purchase(store, "R-2", a_day_later)
        db.session.commit()
        # The lot lapsed an hour after the sale: the refund cannot renew it.
        assert point_summary(member["id"], a_day_later).balance == 0
