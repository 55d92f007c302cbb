"""A follow or unfollow redelivered late does not undo a newer one.

LINE redelivers events it could not deliver, and says they may arrive out of
order; the event's own timestamp tells which came first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.measure.models import FriendDaily
from bot.users.models import LineUser
from tests.conftest import LineSide

Drain = Callable[[], None]


def _late(event: dict[str, Any], earlier_than: dict[str, Any]) -> dict[str, Any]:
    """Return the event as LINE's redelivery of it, dated before another."""
    return {
        **event,
        "timestamp": earlier_than["timestamp"] - 5_000,
        "deliveryContext": {"isRedelivery": True},
    }


def _friendship(app: Flask, user_id: str) -> tuple[bool, bool]:
    with app.app_context():
        user = db.session.scalar(
            sa.select(LineUser).where(LineUser.line_user_id == user_id)
        )
        assert user is not None
        return user.is_friend, user.blocked_at is not None


def _unfollows(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.sum(FriendDaily.unfollows))) or 0


def test_late_unfollow_leaves_a_friend_a_friend(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    # The late unfollow marked a current friend blocked: no more pushes,
    # out of every scenario, counted as a block.
    user_id = line.add_user("山田 花子")
    unfollow = line.unfollow(user_id)
    follow = line.follow(user_id)
    line.send(follow)
    worker()
    assert line.send(_late(unfollow, earlier_than=follow)) == 200
    worker()
    assert _friendship(app, user_id) == (True, False)
    assert _unfollows(app) == 0


def test_late_follow_neither_welcomes_nor_unblocks(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user("山田 花子")
    follow = line.follow(user_id)
    unfollow = line.unfollow(user_id)
    line.send(unfollow)
    worker()
    assert line.send(_late(follow, earlier_than=unfollow)) == 200
    worker()
    assert _friendship(app, user_id) == (False, True)
    assert line.deliveries_to(user_id) == []
