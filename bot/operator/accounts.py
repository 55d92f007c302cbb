"""Operator accounts: creating them and checking passwords."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from bot.extensions import db
from bot.models_base import utcnow
from bot.operator.models import ROLES, Operator
from bot.operator.sessions import end_all_sessions
from bot.signin_attempts import FailureLimit

MIN_PASSWORD_LENGTH = 10
# Checked when the email is unknown, so both paths take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000")


class AccountError(ValueError):
    """The account cannot be created as asked."""


def create_operator(
    email: str, password: str, role: str, display_name: str | None = None
) -> Operator:
    """Create an operator account with a hashed password (flush only)."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    if find_operator(email) is not None:
        raise AccountError(f"an operator with {email} already exists")
    operator = Operator(
        email=email,
        display_name=(display_name or email.split("@")[0])[:100],
        password_hash=generate_password_hash(password),
        role=role,
    )
    db.session.add(operator)
    db.session.flush()
    return operator


def set_password(operator: Operator, password: str) -> None:
    """Give the operator a new password and end all their sessions (flush only)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    operator.password_hash = generate_password_hash(password)
    db.session.flush()
    end_all_sessions(operator.id)


def find_operator(email: str) -> Operator | None:
    """Return the operator with this email (any case), if any."""
    return db.session.scalar(
        select(Operator).where(func.lower(Operator.email) == email.strip().lower())
    )


def authenticate(email: str, password: str) -> Operator | None:
    """Return the active operator for these credentials, or None."""
    operator = find_operator(email)
    if operator is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(operator.password_hash, password) or not (
        operator.active
    ):
        return None
    operator.last_sign_in_at = utcnow()
    db.session.flush()
    return operator


def signin_limit() -> FailureLimit:
    """Return the console sign-in's failure limits from the settings."""
    settings = current_app.config["SETTINGS"]
    return FailureLimit(
        prefix="operator:failures",
        window_seconds=int(settings.OPERATOR_FAILURE_WINDOW_SECONDS),
        per_account=settings.OPERATOR_MAX_FAILURES_PER_ACCOUNT,
        per_ip=settings.OPERATOR_MAX_FAILURES_PER_IP,
    )


def list_operators() -> list[Operator]:
    """Return every operator account by email."""
    return list(db.session.scalars(select(Operator).order_by(Operator.email)))
