"""Rules for members and account linking: sign-in, registration, nonces, link/unlink.

A member is linked to a LINE user only when LINE sends an `accountLink` event
with result `ok` and a nonce we made after that member signed in. The link
token only says which LINE user the flow was started for; it never proves who
the customer is.

Safe rule for conflicts: a member already linked to another LINE user is never
taken over (the customer is told to unlink there or ask the shop), and a LINE
user already linked to another member must unlink first.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, func, select, text, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from bot.extensions import db
from bot.members.models import AccountLinkNonce, AccountLinkToken, Member
from bot.members.numbers import is_valid_member_no, random_member_no
from bot.messages import render
from bot.models_base import utcnow
from bot.users.models import LineUser

# A real hash to check against when the email is unknown, so that a wrong email
# takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
NONCE_BYTES = 32  # 256 random bits

LINKED = "linked"
ALREADY_LINKED = "already_linked"
FAILED = "failed"
UNKNOWN_NONCE = "unknown_nonce"
EXPIRED = "expired"
REUSED = "reused"
WRONG_USER = "wrong_user"
MEMBER_TAKEN = "member_taken"
USER_HAS_OTHER_MEMBER = "user_has_other_member"
SUCCESSFUL = frozenset({LINKED, ALREADY_LINKED})


class RegistrationError(ValueError):
    """The registration cannot be accepted; `field` names what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class LinkResult:
    """What an accountLink event did, and whom to tell about it."""

    outcome: str
    member: Member | None
    notify: LineUser | None


def digest(value: str) -> str:
    """Return the sha256 hex digest we store instead of a token or nonce."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def normalize_email(raw: str) -> str:
    """Return the email as it is stored and compared: trimmed, lower case."""
    return raw.strip().lower()


def rank_label(rank: str) -> str:
    """Return the Japanese name of a member rank (overridable as `rank_<rank>`)."""
    try:
        return render(f"rank_{rank}")
    except KeyError:
        return rank


def member_by_id(member_id: int) -> Member | None:
    """Return the member with this primary key, if any."""
    return db.session.get(Member, member_id)


def member_for_line_user_id(line_user_id: str) -> Member | None:
    """Return the member linked to a LINE user id (the `sub` of an ID token)."""
    return db.session.scalar(
        select(Member)
        .join(LineUser, Member.line_user_id == LineUser.id)
        .where(LineUser.line_user_id == line_user_id)
    )


def is_linked(user_pk: int) -> bool:
    """Tell whether a LINE user (by primary key) is linked to a member."""
    found = db.session.scalar(select(Member.id).where(Member.line_user_id == user_pk))
    return found is not None


def linked_clause(user_pk: ColumnElement[int]) -> ColumnElement[bool]:
    """Return SQL that is true where the user in `user_pk` is linked (bulk reads)."""
    return select(Member.id).where(Member.line_user_id == user_pk).exists()


def lock_member(member_id: int) -> None:
    """Hold the member's row lock until the transaction ends (one writer a time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            select(Member.id).where(Member.id == member_id).with_for_update()
        )
    else:
        # SQLite has no row locks: a no-op write takes the database write lock,
        # so a second writer waits (busy timeout) before reading the balance.
        db.session.execute(
            text("UPDATE members SET id = id WHERE id = :id"), {"id": member_id}
        )


def member_for_user(user_pk: int) -> Member | None:
    """Return the member linked to a LINE user, if any."""
    return db.session.scalar(select(Member).where(Member.line_user_id == user_pk))


def member_by_email(email: str) -> Member | None:
    """Return the member with this email, if any."""
    return db.session.scalar(
        select(Member).where(func.lower(Member.email) == normalize_email(email))
    )


def member_by_proven_email(email: str) -> Member | None:
    """Return the member who proved owning this email (see email_proof), if any."""
    return db.session.scalar(
        select(Member).where(
            func.lower(Member.email) == normalize_email(email),
            Member.email_verified_at.is_not(None),
        )
    )


def member_by_no(member_no: str) -> Member | None:
    """Return the member with this member number, if any."""
    return db.session.scalar(select(Member).where(Member.member_no == member_no))


def record_link_token(user: LineUser, link_token: str) -> AccountLinkToken:
    """Remember which LINE user a link token was issued for, until it expires."""
    ttl = current_app.config["SETTINGS"].LINK_TOKEN_TTL_SECONDS
    row = AccountLinkToken(
        line_user_id=user.id,
        token_sha256=digest(link_token),
        expires_at=utcnow() + timedelta(seconds=ttl),
    )
    db.session.add(row)
    db.session.flush()
    return row


def live_link_token(link_token: str) -> AccountLinkToken | None:
    """Return our record of an unexpired link token, or None."""
    if not link_token or len(link_token) > 200:
        return None
    row = db.session.scalar(
        select(AccountLinkToken).where(
            AccountLinkToken.token_sha256 == digest(link_token)
        )
    )
    if row is None or row.expires_at < utcnow():
        return None
    return row


def authenticate_password(email: str, password: str) -> Member | None:
    """Return the member whose email and password match, else None."""
    member = member_by_email(email) if email else None
    stored = member.password_hash if member and member.password_hash else None
    matches = check_password_hash(stored or _DUMMY_HASH, password)
    return member if matches and stored else None


def authenticate_card(member_no: str, birthday: date | None) -> Member | None:
    """Return the member whose card number and date of birth match, else None."""
    member = member_by_no(member_no) if is_valid_member_no(member_no) else None
    if member is None or member.birthday is None or birthday is None:
        return None
    return (
        member
        if secrets.compare_digest(member.birthday.isoformat(), birthday.isoformat())
        else None
    )


def register_member(
    name: str,
    email: str,
    password: str,
    birthday: date | None = None,
    home_store_code: str | None = None,
) -> Member:
    """Create an online member with a new member number; flush, never commit."""
    name, email = name.strip(), normalize_email(email)
    if not 1 <= len(name) <= 100:
        raise RegistrationError("name", "お名前を100文字以内で入力してください。")
    if not _looks_like_email(email):
        raise RegistrationError("email", "メールアドレスの形式が正しくありません。")
    if not 8 <= len(password) <= 128:
        raise RegistrationError("password", "パスワードは8文字以上にしてください。")
    if member_by_email(email) is not None:
        raise _email_taken()
    member = Member(
        member_no=allocate_member_no(),
        name=name,
        email=email,
        password_hash=generate_password_hash(password),
        birthday=birthday,
        home_store_code=home_store_code or None,
        source="register",
    )
    try:
        # A savepoint, so that losing a race for the address is a plain refusal.
        with db.session.begin_nested():
            db.session.add(member)
    except IntegrityError:
        if member_by_email(email) is not None:
            raise _email_taken() from None
        raise
    return member


def _email_taken() -> RegistrationError:
    return RegistrationError(
        "email",
        "このメールアドレスはすでに登録されています。"
        "「メールアドレスでログイン」をお使いください。",
    )


def allocate_member_no() -> str:
    """Return a random member number that no member has yet."""
    prefix = current_app.config["SETTINGS"].MEMBER_NO_PREFIX
    for _ in range(20):
        candidate = random_member_no(prefix)
        if member_by_no(candidate) is None:
            return candidate
    raise RuntimeError("could not find a free member number; widen the prefix range")


def create_nonce(member: Member, link_token: AccountLinkToken | None) -> str:
    """Make a single-use nonce for the member; return it (only its digest is kept)."""
    ttl = current_app.config["SETTINGS"].LINK_NONCE_TTL_SECONDS
    nonce, now = secrets.token_urlsafe(NONCE_BYTES), utcnow()
    db.session.add(
        AccountLinkNonce(
            nonce_sha256=digest(nonce),
            member_id=member.id,
            link_token_id=link_token.id if link_token else None,
            expires_at=now + timedelta(seconds=ttl),
            created_at=now,
        )
    )
    db.session.flush()
    return nonce


def complete_link(
    nonce: str, ok: bool, user: LineUser | None, event_id: str
) -> LinkResult:
    """Apply an accountLink event: link only for ok + a fresh nonce + no conflict."""
    row = None
    if nonce and len(nonce) <= 200:
        row = db.session.scalar(
            select(AccountLinkNonce)
            .where(AccountLinkNonce.nonce_sha256 == digest(nonce))
            .with_for_update()
        )
    token_user = row.link_token.line_user if row and row.link_token else None
    notify = token_user or user
    if not ok or user is None:
        return LinkResult(FAILED, None, notify)
    if row is None:
        return LinkResult(UNKNOWN_NONCE, None, notify)
    if row.used_at is not None:
        if row.used_by_event == event_id:  # our own earlier attempt at this event
            return LinkResult(row.outcome or REUSED, row.member, notify)
        return LinkResult(REUSED, None, notify)
    outcome = _link_outcome(row, user, token_user)
    row.used_at, row.used_by_event, row.outcome = utcnow(), event_id, outcome
    db.session.flush()
    member = row.member if outcome in SUCCESSFUL else member_for_user(user.id)
    return LinkResult(outcome, member, notify)


def _link_outcome(
    row: AccountLinkNonce, user: LineUser, token_user: LineUser | None
) -> str:
    if row.expires_at < utcnow():
        return EXPIRED
    if token_user is not None and token_user.id != user.id:
        return WRONG_USER
    member = db.session.get(Member, row.member_id, with_for_update=True)
    if member is None:
        return UNKNOWN_NONCE
    if member.line_user_id == user.id:
        return ALREADY_LINKED
    if member.line_user_id is not None:
        return MEMBER_TAKEN
    if member_for_user(user.id) is not None:
        return USER_HAS_OTHER_MEMBER
    # The row lock above does nothing on SQLite, where two accounts linking
    # one member at once both read it free: only one conditional UPDATE wins.
    claimed = db.session.execute(
        update(Member)
        .where(Member.id == member.id, Member.line_user_id.is_(None))
        .values(line_user_id=user.id, linked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(member)
    if not claimed:
        return ALREADY_LINKED if member.line_user_id == user.id else MEMBER_TAKEN
    from bot.measure.friends import count_friend_event, poster_source

    count_friend_event(poster_source(member.home_store_code), member.linked_at, links=1)
    # What the customer held as a guest is the member's from now on.
    from bot.coupons.service import move_guest_coupons
    from bot.purchases.service import move_guest_purchases
    from bot.scenarios.triggers import fire_event
    from bot.stores.service import move_guest_visits

    move_guest_coupons(user.id, member.id)
    move_guest_purchases(user.id, member.id)
    move_guest_visits(user.id, member.id)
    fire_event("link", user.id, str(member.id), member.linked_at)
    return LINKED


def unlink_member(user: LineUser, member_id: int) -> Member | None:
    """Unlink the user's member if it is the one named; return it, else None."""
    member = member_for_user(user.id)
    if member is None or member.id != member_id:
        return None
    member.line_user_id = None
    member.linked_at = None
    db.session.flush()
    return member


def member_no_tail(member: Member) -> str:
    """Return the last four digits, which is all a chat message shows."""
    return member.member_no[-4:]


def _looks_like_email(email: str) -> bool:
    local, at, domain = email.partition("@")
    return (
        bool(at and local and "." in domain)
        and len(email) <= 254
        and not any(c.isspace() for c in email)
        and not domain.startswith(".")
        and not domain.endswith(".")
    )
