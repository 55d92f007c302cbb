"""Rows the card, register, points and shop tests start from, written directly.

Members are created here rather than through the account-link flow (another
area), and committed so that requests served in other sessions see them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from bot.extensions import db
from bot.members.models import Member
from bot.members.numbers import random_member_no
from bot.models_base import utcnow
from bot.points.models import OPENING, PointEntry
from bot.stores.models import Store
from bot.stores.service import issue_api_key
from bot.users.models import LineUser

LOGIN_CHANNEL_ID = "1660000001"
CARD_SETTINGS = {"LINE_LOGIN_CHANNEL_ID": LOGIN_CHANNEL_ID}


def make_member(
    app: Flask,
    name: str = "山田 花子",
    line_user_id: str | None = None,
    email: str | None = None,
    rank: str = "regular",
    points: int = 0,
    friend: bool = True,
) -> dict[str, Any]:
    """Create a member (linked to a LINE user when given) with opening points."""
    with app.app_context():
        user = None
        if line_user_id is not None:
            user = LineUser(line_user_id=line_user_id, display_name=name)
            user.is_friend = friend
            user.blocked_at = None if friend else utcnow()
            db.session.add(user)
            db.session.flush()
        member = Member(
            member_no=random_member_no(),
            name=name,
            email=email,
            # A member made here has proven the address (see email_proof).
            email_verified_at=utcnow() if email else None,
            rank=rank,
            line_user_id=user.id if user else None,
        )
        db.session.add(member)
        db.session.flush()
        if points:
            give_points(member.id, points)
        db.session.commit()
        return {"id": member.id, "member_no": member.member_no, "name": name}


def give_points(
    member_id: int,
    points: int,
    at: datetime | None = None,
    reference: str | None = None,
    days: int = 365,
) -> None:
    """Write an opening lot (call inside an app context; the caller commits)."""
    at = at or utcnow()
    db.session.add(
        PointEntry(
            member_id=member_id,
            kind=OPENING,
            delta=points,
            reference=reference or f"opening:{at.isoformat()}",
            expires_at=at + timedelta(days=days),
            created_at=at,
        )
    )
    db.session.flush()


def make_store(app: Flask, code: str = "S001", name: str = "渋谷店") -> str:
    """Create a store and return a fresh register API key for it."""
    with app.app_context():
        db.session.add(
            Store(
                code=code,
                name=name,
                address="東京都渋谷区道玄坂2-1-1",
                lat=35.658,
                lng=139.698,
                opens_at="10:00",
                closes_at="21:00",
            )
        )
        db.session.flush()
        key = issue_api_key(code, utcnow())
        db.session.commit()
        return key


def bearer(key: str) -> dict[str, str]:
    """Return an Authorization header for a key or token."""
    return {"Authorization": f"Bearer {key}"}
