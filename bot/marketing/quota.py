"""LINE's monthly message quota: read it before a large send, refuse an overrun."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from bot.line.client import line_client


class QuotaExceeded(Exception):
    """A send needs more messages than the month has left."""

    def __init__(self, needed: int, left: int) -> None:
        super().__init__(
            f"this send needs {needed} messages but only {left} are left"
            " in this month's LINE quota; nothing was sent"
        )
        self.needed = needed
        self.left = left


@dataclass(frozen=True)
class Quota:
    """The month's limit (None: no limit) and the messages used so far."""

    limit: int | None
    used: int

    @property
    def left(self) -> int | None:
        """Return the messages left this month, or None without a limit."""
        return None if self.limit is None else max(0, self.limit - self.used)


def read_quota() -> Quota:
    """Ask LINE for the month's quota and consumption."""
    limit, used = line_client().message_quota()
    return Quota(limit=None if limit is None else int(limit), used=used)


def check_quota(needed: int) -> Quota | None:
    """Refuse a send of `needed` messages that the month's quota cannot cover.

    Small sends (under QUOTA_CHECK_MIN_MESSAGES) are not checked: two calls to
    LINE for every single push would cost more than they protect.
    """
    if needed < current_app.config["SETTINGS"].QUOTA_CHECK_MIN_MESSAGES:
        return None
    quota = read_quota()
    if quota.left is not None and needed > quota.left:
        raise QuotaExceeded(needed, quota.left)
    return quota
