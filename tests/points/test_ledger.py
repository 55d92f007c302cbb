"""The ledger: lots that expire, spending soonest-expiring first, reversals."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.models_base import utcnow
from bot.points.models import PointEntry
from bot.points.service import (
    NotEnoughPoints,
    award_points,
    balance,
    expire_points,
    point_history,
    point_summary,
    points_for_amount,
    redeem_points,
    reverse_points,
)
from tests.pos.factories import make_member

DAY = timedelta(days=1)


def test_award_and_redeem_are_idempotent_per_reference(app: Flask) -> None:
    member = make_member(app)
    now = utcnow()
    with app.app_context():
        award_points(member["id"], 100, "pos:S1:1", now)
        award_points(member["id"], 100, "pos:S1:1", now)
        redeem_points(member["id"], 40, "pos:S1:2", now)
        redeem_points(member["id"], 40, "pos:S1:2", now)
        db.session.commit()
        assert balance(member["id"]) == 60
        with pytest.raises(NotEnoughPoints) as refused:
            redeem_points(member["id"], 61, "pos:S1:3", now)
        assert (refused.value.available, refused.value.requested) == (60, 61)


def test_expired_lots_leave_the_balance_even_before_the_sweep(app: Flask) -> None:
    member = make_member(app)
    start = utcnow() - 400 * DAY
    with app.app_context():
        award_points(member["id"], 100, "old", start)
        award_points(member["id"], 50, "new", start + 100 * DAY)
        db.session.commit()
        now = utcnow()
        summary = point_summary(member["id"], now)
        assert summary.balance == 50
        assert summary.next_expiry == start + 465 * DAY
        assert summary.expiring_points == 50
        assert expire_points(member["id"], now) == 100
        assert expire_points(member["id"], now) == 0
        db.session.commit()
        assert balance(member["id"]) == 50
        kinds = [(e.kind, e.delta) for e in point_history(member["id"], now)]
        assert ("expire", -100) in kinds


def test_spending_uses_the_soonest_expiring_points_first(app: Flask) -> None:
    member = make_member(app)
    start = utcnow() - 300 * DAY
    with app.app_context():
        award_points(member["id"], 100, "first", start)  # expires in 65 days
        award_points(member["id"], 100, "second", start + 200 * DAY)
        redeem_points(member["id"], 80, "spend", start + 250 * DAY)
        db.session.commit()
        assert balance(member["id"]) == 120
        # After the first lot's expiry only the untouched second lot remains.
        later = start + 366 * DAY
        assert point_summary(member["id"], later).balance == 100
        assert expire_points(member["id"], later) == 20


def test_reversal_gives_back_used_points_and_never_goes_below_zero(
    app: Flask,
) -> None:
    member = make_member(app)
    now = utcnow()
    with app.app_context():
        award_points(member["id"], 30, "opening", now)
        redeem_points(member["id"], 30, "pos:S1:9", now)
        award_points(member["id"], 50, "pos:S1:9", now)
        redeem_points(member["id"], 40, "elsewhere", now)  # spent most of it
        db.session.commit()
        first = reverse_points(member["id"], "pos:S1:9", 30, 50, now)
        again = reverse_points(member["id"], "pos:S1:9", 30, 50, now)
        db.session.commit()
        assert (first.restored, first.taken_back, first.not_recovered) == (30, 40, 10)
        assert again == first
        assert balance(member["id"]) == 0
        rows = db.session.scalar(
            sa.select(sa.func.count(PointEntry.id)).where(PointEntry.kind == "reversal")
        )
        assert rows == 2


@pytest.mark.parametrize(
    ("rate", "amount", "points"),
    [(0.01, 12345, 123), (0.01, 99, 0), (0.015, 1000, 15), (0.0, 5000, 0)],
)
def test_points_for_amount(app: Flask, rate: float, amount: int, points: int) -> None:
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = type(settings)(
        **{**settings.__dict__, "POINTS_EARN_RATE": rate}
    )
    with app.app_context():
        assert points_for_amount(amount) == points
