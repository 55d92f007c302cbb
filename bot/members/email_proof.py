"""Proof that a member owns their e-mail address: a signed link sent to it.

Online orders are credited by e-mail address only to a member whose address is
proven (`Member.email_verified_at`), so registering with someone else's address
gains nothing. The link carries the member id and the address, signed with
SECRET_KEY; it stops working after EMAIL_PROOF_TTL_HOURS or once the member's
address changes. Addresses from `members import` come from the shop's own
records and count as proven.
"""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import urlencode

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from bot.extensions import db
from bot.mail import send_mail
from bot.members.models import Member
from bot.messages import render
from bot.models_base import utcnow

log = logging.getLogger(__name__)
_SALT = "member-email-proof"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def proof_url(member: Member) -> str:
    """Return the link that proves the member's current address."""
    token = _serializer().dumps({"m": member.id, "e": member.email})
    base = current_app.config["SETTINGS"].BOT_BASE_URL.rstrip("/")
    return f"{base}/link/verify-email?{urlencode({'token': token})}"


def confirm_email(token: str, now: datetime) -> Member | None:
    """Mark the address in a valid link as proven (flush only); None if invalid."""
    ttl = current_app.config["SETTINGS"].EMAIL_PROOF_TTL_HOURS * 3600
    try:
        data = _serializer().loads(token, max_age=ttl)
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("m"), int):
        return None
    member = db.session.get(Member, data["m"])
    if member is None or not member.email or member.email != data.get("e"):
        return None
    if member.email_verified_at is None:
        member.email_verified_at = now
        db.session.flush()
    return member


def send_email_proof(member_id: int) -> None:
    """Mail the member the link that proves their address (job)."""
    member = db.session.get(Member, member_id)
    if member is None or not member.email or member.email_verified_at is not None:
        return
    hours = current_app.config["SETTINGS"].EMAIL_PROOF_TTL_HOURS
    send_mail(
        member.email,
        render("email_proof_subject"),
        render(
            "email_proof_body",
            name=member.name,
            url=proof_url(member),
            hours=hours,
        ),
    )
    log.info("email proof sent", extra={"member": member.id})


def mark_proven(member: Member) -> None:
    """Count the member's address as proven now (the shop's own records)."""
    if member.email and member.email_verified_at is None:
        member.email_verified_at = utcnow()
