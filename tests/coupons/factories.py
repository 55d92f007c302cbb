"""Coupon definitions and personal coupons the coupon tests start from (committed)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from flask import Flask

from bot.coupons.content import parse_coupons
from bot.coupons.definitions import load_definitions
from bot.coupons.models import PersonalCoupon
from bot.coupons.service import format_code, issue_coupon
from bot.extensions import db
from bot.models_base import utcnow
from bot.points.models import PointEntry
from bot.purchases.models import Purchase
from bot.stores.models import StoreVisit
from bot.users.models import LineUser

SHIPPED = Path(__file__).resolve().parents[2] / "coupons" / "coupons.yaml"


def load_shipped(app: Flask) -> None:
    """Load the repository's coupons.yaml."""
    with app.app_context():
        load_definitions(parse_coupons(SHIPPED.read_text("utf-8"), str(SHIPPED)))
        db.session.commit()


def user_pk(app: Flask, line_user_id: str) -> int:
    """Return the LineUser row id of a LINE user id, creating a friend row."""
    with app.app_context():
        user = db.session.scalar(
            sa.select(LineUser).where(LineUser.line_user_id == line_user_id)
        )
        if user is None:
            user = LineUser(line_user_id=line_user_id, display_name="客")
            db.session.add(user)
            db.session.commit()
        return user.id


def give(app: Flask, pk: int, coupon_id: str, **changes: Any) -> str:
    """Issue a coupon to a LINE user row, change fields, and return its code."""
    with app.app_context():
        coupon = issue_coupon(pk, coupon_id, utcnow(), source="test")
        assert coupon is not None
        for name, value in changes.items():
            setattr(coupon, name, value)
        db.session.commit()
        return format_code(coupon.code)


def expire(app: Flask, code: str) -> None:
    """Let a coupon's time run out."""
    with app.app_context():
        coupon = db.session.scalar(
            sa.select(PersonalCoupon).where(
                PersonalCoupon.code == code.replace("-", "")
            )
        )
        assert coupon is not None
        coupon.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()


def coupon_row(app: Flask, code: str) -> PersonalCoupon:
    """Return a coupon's row, detached."""
    with app.app_context():
        coupon = db.session.scalar(
            sa.select(PersonalCoupon).where(
                PersonalCoupon.code == code.replace("-", "")
            )
        )
        assert coupon is not None
        db.session.expunge(coupon)
        return coupon


def snapshot(app: Flask) -> dict[str, Any]:
    """Return every row a sale could change: purchases, points, coupons, visits."""
    with app.app_context():
        return {
            "purchases": db.session.execute(sa.select(Purchase.id)).all(),
            "points": db.session.execute(
                sa.select(PointEntry.id, PointEntry.delta)
            ).all(),
            "coupons": db.session.execute(
                sa.select(
                    PersonalCoupon.id,
                    PersonalCoupon.status,
                    PersonalCoupon.used_reference,
                    PersonalCoupon.discount,
                ).order_by(PersonalCoupon.id)
            ).all(),
            "visits": db.session.execute(sa.select(StoreVisit.id)).all(),
        }


def apply_at_registers_at_once(
    bot_url: str, keys: list[str], sale_at: Callable[[int], dict[str, Any]], count: int
) -> list[int]:
    """POST one sale per register, all released at once; return the statuses.

    Register n sends `sale_at(n)` with the key of store n % len(keys).
    """
    from tests.pos.factories import bearer

    start = threading.Barrier(count)

    def apply(register: int) -> int:
        start.wait()
        return requests.post(
            f"{bot_url}/api/pos/transactions",
            json=sale_at(register),
            headers=bearer(keys[register % len(keys)]),
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(count) as pool:
        return sorted(pool.map(apply, range(count)))
