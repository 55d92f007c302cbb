"""Rules for LINE users: following, blocking, profile refresh."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from bot.extensions import db
from bot.users.models import LineUser

log = logging.getLogger(__name__)


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


def first_contact(line_user_id: str) -> LineUser:
    """Create the row of a user we have never seen, with their LINE profile.

    Friends from before the bot was set up write without a follow event; their
    profile is fetched once so that operators and messages have a name.
    """
    from bot.line.client import LineApiError, LineTransientError, line_client

    user = get_or_create_user(line_user_id)
    try:
        profile = line_client().get_profile(line_user_id)
    except LineTransientError:
        raise  # the event is retried, and the profile read with it
    except LineApiError as exc:
        # Not a friend (any more): the row is still made, without a name.
        log.info("profile not fetched", extra={"status": exc.status})
        profile = None
    _apply_profile(user, profile)
    db.session.flush()
    return user


def _apply_profile(user: LineUser, profile: dict[str, str] | None) -> None:
    if profile:
        user.display_name = profile.get("displayName") or user.display_name
        user.picture_url = profile.get("pictureUrl") or user.picture_url
        user.language = profile.get("language") or user.language


def record_follow(
    line_user_id: str, profile: dict[str, str] | None, followed_at: datetime | None
) -> LineUser | None:
    """Create or refresh the user as a friend, with the profile LINE returned.

    Return None, changing nothing, for a follow older than the user's last
    unfollow: LINE may redeliver an event late, after a newer one.
    """
    user = get_or_create_user(line_user_id)
    if _older(followed_at, user.blocked_at):
        return None
    user.is_friend = True
    user.blocked_at = None
    user.followed_at = followed_at
    _apply_profile(user, profile)
    db.session.flush()
    return user


def record_unfollow(line_user_id: str, blocked_at: datetime | None) -> LineUser | None:
    """Mark the user as having blocked the shop; no pushes go to them after this.

    Return None, changing nothing, for an unfollow older than the user's last
    follow (a late redelivery must not turn a friend into a blocker).
    """
    user = get_or_create_user(line_user_id)
    if _older(blocked_at, user.followed_at):
        return None
    user.is_friend = False
    user.blocked_at = blocked_at
    db.session.flush()
    return user


def _older(moment: datetime | None, than: datetime | None) -> bool:
    """Tell whether an event's time is known to come before a recorded one."""
    return moment is not None and than is not None and moment < than
