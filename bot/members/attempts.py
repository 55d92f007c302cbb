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


def is_limited(ip: str, account: str | None) -> bool:
    """Tell whether this IP or account has used up its failures in the window."""
    return link_limit().is_limited(ip, account)


def record_failure(ip: str, account: str | None) -> None:
    """Count one failed attempt for the IP and, if known, the account."""
    link_limit().record_failure(ip, account)


def clear_account(account: str) -> None:
    """Forget an account's failures after it signed in correctly."""
    link_limit().clear_account(account)
