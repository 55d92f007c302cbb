"""Failed account-link sign-ins: limits per member account and per IP.

Password and card-number sign-ins count against the same account once the
identifier names a member, so switching methods gains an attacker nothing.
"""

from __future__ import annotations

from flask import current_app

from bot.signin_attempts import FailureLimit


def account_key(kind: str, identifier: str, member_id: int | None) -> str:
    """Return the key an attempt counts against: the member, else what was typed."""
    if member_id is not None:
        return f"member:{member_id}"
    return f"{kind}:{identifier.strip().lower()}"


def link_limit() -> FailureLimit:
    """Return the link page's limits from the settings."""
    settings = current_app.config["SETTINGS"]
    return FailureLimit(
        prefix="link:failures",
        window_seconds=int(settings.LINK_FAILURE_WINDOW_SECONDS),
        per_account=settings.LINK_MAX_FAILURES_PER_ACCOUNT,
        per_ip=settings.LINK_MAX_FAILURES_PER_IP,
    )
