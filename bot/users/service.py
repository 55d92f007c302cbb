"""Rules for LINE users: following, blocking, profile refresh."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.extensions import db
from bot.users.models import LineUser


def find_user(line_user_id: str) -> LineUser | None:
    """Return the user with this LINE user id, if known."""
    return db.session.scalar(
        select(LineUser).where(LineUser.line_user_id == line_user_id)
    )


def get_or_create_user(line_user_id: str) -> LineUser:
    """Return the user, creating a bare row on first contact."""
    user = find_user(line_user_id)
    if user is None:
        user = LineUser(line_user_id=line_user_id, is_friend=True)
        db.session.add(user)
        db.session.flush()
    return user


def record_follow(
    line_user_id: str, profile: dict[str, str] | None, followed_at: datetime
) -> LineUser:
    """Create or refresh the user as a friend, with the profile LINE returned."""
    user = get_or_create_user(line_user_id)
    user.is_friend = True
    user.blocked_at = None
    user.followed_at = followed_at
    if profile:
        user.display_name = profile.get("displayName") or user.display_name
        user.picture_url = profile.get("pictureUrl") or user.picture_url
        user.language = profile.get("language") or user.language
    db.session.flush()
    return user


def record_unfollow(line_user_id: str, blocked_at: datetime) -> LineUser:
    """Mark the user as having blocked the shop; no pushes go to them after this."""
    user = get_or_create_user(line_user_id)
    user.is_friend = False
    user.blocked_at = blocked_at
    db.session.flush()
    return user
