"""Personal coupons: issuing them within their limits, who holds them, scan codes.

Other domains call `issue_coupon`, `coupon_message` and `usable_coupons_for_user`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    and_,
    any_,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from bot.coupons.messages import coupon_message, value_label
from bot.coupons.models import (
    USABLE,
    CouponDefinition,
    CouponScanCode,
    PersonalCoupon,
)
from bot.extensions import db
from bot.members.models import Member
from bot.one_time_codes import claim_code, issue_code, looks_like_code

__all__ = [
    "coupon_message",
    "issue_coupon",
    "issue_to_users",
    "usable_coupons_for_user",
]

# 16 characters of a 32-letter alphabet without 0/O and 1/I: 80 random bits,
# typed by a clerk as four groups of four.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 16
# One-time register codes are 18 digits: never a 13-digit member number or a
# 16-digit card code.
SCAN_CODE_LENGTH = 18


class UnknownScanCode(LookupError):
    """No coupon scan code with this value was ever issued."""


class ScanCodeExpired(Exception):
    """The coupon scan code's time is up."""


class ScanCodeUsed(Exception):
    """The coupon scan code was already scanned once."""


def new_coupon_code() -> str:
    """Return a fresh 16-character personal code (80 random bits)."""
    number = int.from_bytes(secrets.token_bytes(10), "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, digit = divmod(number, 32)
        chars.append(ALPHABET[digit])
    return "".join(chars)


def format_code(code: str) -> str:
    """Return a personal code as a clerk reads it: XXXX-XXXX-XXXX-XXXX."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize_code(raw: str) -> str:
    """Return a typed or scanned personal code without separators, upper-case."""
    return "".join(ch for ch in raw.upper() if ch not in "- \u3000")


def expiry_for(definition: CouponDefinition, now: datetime) -> datetime:
    """Return when a coupon issued now expires (valid_days, valid_until's end)."""
    moments = []
    if definition.valid_days is not None:
        moments.append(now + timedelta(days=definition.valid_days))
    if definition.valid_until is not None:
        zone = current_app.config["SETTINGS"].timezone
        day_after = definition.valid_until + timedelta(days=1)
        moments.append(datetime.combine(day_after, time(), tzinfo=zone))
    return min(moments)


def member_of_user(user_id: int) -> Member | None:
    """Return the member linked to a LINE user row, if any."""
    return db.session.scalar(select(Member).where(Member.line_user_id == user_id))


def _holder_filter(user_id: int | None, member_id: int | None) -> ColumnElement[bool]:
    """Select the coupons of a customer: the member's, and any left on their user."""
    guest = and_(
        PersonalCoupon.line_user_id == user_id, PersonalCoupon.member_id.is_(None)
    )
    if member_id is None:
        return guest
    if user_id is None:
        return PersonalCoupon.member_id == member_id
    return or_(PersonalCoupon.member_id == member_id, guest)


def _reserve(coupon_id: str, count: int) -> CouponDefinition | None:
    """Raise issued_count by `count` under the definition row's lock, or None."""
    definitions = CouponDefinition.__table__
    reserved = db.session.execute(
        update(definitions)
        .where(
            definitions.c.id == coupon_id,
            definitions.c.active.is_(True),
            definitions.c.line_coupon.is_(False),
            or_(
                definitions.c.total_limit.is_(None),
                definitions.c.issued_count + count <= definitions.c.total_limit,
            ),
        )
        .values(issued_count=definitions.c.issued_count + count)
    )
    if reserved.rowcount != 1:
        return None
    return db.session.scalar(
        select(CouponDefinition)
        .where(CouponDefinition.id == coupon_id)
        .execution_options(populate_existing=True)
    )


def _release(definition: CouponDefinition, count: int) -> None:
    definition.issued_count -= count
    db.session.flush()


def issue_coupon(
    user_id: int, coupon_id: str, now: datetime, *, source: str
) -> PersonalCoupon | None:
    """Give a LINE user (and their member) a coupon; None when it may not be issued.

    The definition's row stays locked until the transaction ends, so parallel
    issues never pass `total_limit` or `limit_per_customer`. Flushes only.
    """
    definition = _reserve(coupon_id, 1)
    if definition is None:
        return None
    expires_at = expiry_for(definition, now)
    member = member_of_user(user_id)
    member_id = member.id if member is not None else None
    held = db.session.scalars(
        select(PersonalCoupon.id).where(
            PersonalCoupon.coupon_id == coupon_id, _holder_filter(user_id, member_id)
        )
    ).all()
    if expires_at <= now or len(held) >= definition.limit_per_customer:
        _release(definition, 1)
        return None
    coupon = PersonalCoupon(
        code=new_coupon_code(),
        coupon_id=coupon_id,
        line_user_id=user_id,
        member_id=member_id,
        status=USABLE,
        source=source[:64],
        issued_at=now,
        expires_at=expires_at,
    )
    db.session.add(coupon)
    db.session.flush()
    return coupon


def issue_to_users(
    coupon_id: str, user_ids: Sequence[int], now: datetime, *, source: str
) -> list[int]:
    """Issue to many LINE users at once; return those holding one from `source`.

    Idempotent per source: a rerun issues nothing twice and returns the same
    users. Users past `limit_per_customer` or beyond `total_limit` are left out.
    """
    if not user_ids:
        return []
    definition = _reserve(coupon_id, 0)
    if definition is None:
        return []
    members = dict(
        db.session.execute(
            select(Member.line_user_id, Member.id).where(
                _among(Member.line_user_id, user_ids)
            )
        )
        .tuples()
        .all()
    )
    held_rows = {
        row[0]: row
        for row in _coupons_held(coupon_id, PersonalCoupon.line_user_id, user_ids)
        + _coupons_held(coupon_id, PersonalCoupon.member_id, list(members.values()))
    }
    asked = set(user_ids)
    already = {
        line_user
        for _, line_user, _, held_source in held_rows.values()
        if held_source == source and line_user in asked
    }
    wanted = [u for u in user_ids if u not in already]
    expires_at = expiry_for(definition, now)
    if not wanted or expires_at <= now:
        return [u for u in user_ids if u in already]
    by_user: dict[int, set[int]] = {}
    by_member: dict[int, set[int]] = {}
    for pk, line_user, member_id, _ in held_rows.values():
        if member_id is not None:
            by_member.setdefault(member_id, set()).add(pk)
        elif line_user is not None:
            by_user.setdefault(line_user, set()).add(pk)
    room = (
        None
        if definition.total_limit is None
        else definition.total_limit - definition.issued_count
    )
    rows: list[dict[str, Any]] = []
    for user in wanted:
        member_id = members.get(user)
        held = by_user.get(user, set()) | by_member.get(member_id or -1, set())
        if len(held) >= definition.limit_per_customer:
            continue
        if room is not None and len(rows) >= room:
            break
        rows.append(
            {
                "coupon_id": coupon_id,
                "line_user_id": user,
                "member_id": member_id,
                "status": USABLE,
                "source": source[:64],
                "issued_at": now,
                "expires_at": expires_at,
            }
        )
    if rows:
        _insert_coupons(rows)
        definition.issued_count += len(rows)
        db.session.flush()
    issued = {row["line_user_id"] for row in rows}
    return [u for u in user_ids if u in already or u in issued]


def _coupons_held(
    coupon_id: str, column: Any, ids: Sequence[int]
) -> list[tuple[int, int | None, int | None, str]]:
    """Return (id, LINE user, member, source) of a coupon's rows whose column is in ids.

    On PostgreSQL the ids are joined as unnest(array), so each is an index
    lookup however many coupons of this kind exist (IN/ANY over a growing table
    could turn into a scan of every issued coupon).
    """
    if not ids:
        return []
    table = PersonalCoupon.__table__
    columns = (table.c.id, table.c.line_user_id, table.c.member_id, table.c.source)
    if db.session.get_bind().dialect.name != "postgresql":
        query = select(*columns).where(table.c.coupon_id == coupon_id, column.in_(ids))
    else:
        wanted = (
            func.unnest(bindparam(None, list(ids), type_=ARRAY(Integer)))
            .table_valued("id")
            .render_derived(name="wanted")
        )
        query = (
            select(*columns)
            .select_from(wanted.join(table, column == wanted.c.id))
            .where(table.c.coupon_id == coupon_id)
        )
    return [tuple(row) for row in db.session.execute(query)]  # type: ignore[misc]


def _among(column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """Return `column IN ids`; one array parameter on PostgreSQL (500 ids)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def _insert_coupons(rows: list[dict[str, Any]]) -> None:
    """Insert many coupons, each with a fresh code.

    On PostgreSQL the codes are drawn by the database (`gen_random_uuid()`,
    built in since PostgreSQL 13, from the operating system's strong random
    source), in one INSERT .. SELECT FROM unnest of the holders: no code
    strings are made in Python or sent over the wire. Elsewhere Python draws
    them and the rows go as one executemany.
    """
    table = PersonalCoupon.__table__
    if db.session.get_bind().dialect.name != "postgresql":
        for row in rows:
            row["code"] = new_coupon_code()
        db.session.execute(insert(table), rows)
        return
    pending = rows
    for _ in range(CODE_ATTEMPTS):
        inserted = _insert_with_database_codes(pending)
        pending = [r for r in pending if r["line_user_id"] not in inserted]
        if not pending:
            return
    raise RuntimeError(f"{len(pending)} coupon codes collided {CODE_ATTEMPTS} times")


# A code collision (about 1 in 10^13 for a million coupons) skips that row; the
# rows skipped are inserted again with new codes.
CODE_ATTEMPTS = 3


# Bytes of two v4 UUIDs whose low 5 bits are all random: byte 6 carries the
# version (0100 in its high nibble, one of the 5 bits), so it is skipped.
_RANDOM_BYTES = [*range(6), *range(7, 16), 16]


def _code_from_random_bytes(column: str) -> str:
    """Return SQL for a 16-character code from random bytes in `column`.

    Each character takes the low 5 bits of one byte (256 is a multiple of 32,
    so every letter is equally likely): 80 random bits, as in Python.
    """
    letters = [
        f"substr('{ALPHABET}', get_byte({column}, {i}) % 32 + 1, 1)"
        for i in _RANDOM_BYTES
    ]
    assert len(letters) == CODE_LENGTH
    return " || ".join(letters)


def _insert_with_database_codes(rows: list[dict[str, Any]]) -> set[int]:
    """Insert rows with codes drawn in SQL; return the LINE users inserted."""
    first = rows[0]
    # The random bytes are drawn in a subquery: PostgreSQL evaluates a
    # volatile function there once per row, never once for the statement.
    sql = f"""
        INSERT INTO personal_coupons
            (code, coupon_id, line_user_id, member_id, status, source,
             issued_at, expires_at)
        SELECT {_code_from_random_bytes("r.bytes")}, :coupon_id, r.user_id,
               r.member_id, :status, :source, :issued_at, :expires_at
        FROM (
            SELECT u.user_id, u.member_id,
                   uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())
                   AS bytes
            FROM unnest(CAST(:users AS INTEGER[]), CAST(:members AS INTEGER[]))
                AS u(user_id, member_id)
        ) AS r
        ON CONFLICT (code) DO NOTHING
        RETURNING line_user_id
    """
    params = {
        "users": [r["line_user_id"] for r in rows],
        "members": [r["member_id"] for r in rows],
        "coupon_id": first["coupon_id"],
        "status": first["status"],
        "source": first["source"],
        "issued_at": first["issued_at"],
        "expires_at": first["expires_at"],
    }
    return set(db.session.scalars(text(sql), params))


def usable_coupons_for_user(user_id: int, now: datetime) -> list[PersonalCoupon]:
    """Return the coupons a LINE user (or their member) can use now, soonest first."""
    member = member_of_user(user_id)
    return usable_coupons(user_id, member.id if member else None, now)


def usable_coupons(
    user_id: int | None, member_id: int | None, now: datetime
) -> list[PersonalCoupon]:
    """Return a customer's usable coupons, soonest expiry first."""
    return list(
        db.session.scalars(
            select(PersonalCoupon)
            .where(
                _holder_filter(user_id, member_id),
                PersonalCoupon.status == USABLE,
                PersonalCoupon.expires_at > now,
            )
            .order_by(PersonalCoupon.expires_at, PersonalCoupon.id)
        )
    )


def register_coupons(
    user_id: int | None, member_id: int | None, store_code: str, now: datetime
) -> list[dict[str, Any]]:
    """Return the usable coupons the register shows, in one narrow query."""
    d = CouponDefinition.__table__
    c = PersonalCoupon.__table__
    rows = db.session.execute(
        select(
            c.c.code,
            c.c.coupon_id,
            c.c.expires_at,
            d.c.title,
            d.c.kind,
            d.c.value,
            d.c.min_purchase,
            d.c.channels,
            d.c.stores,
        )
        .join(d, d.c.id == c.c.coupon_id)
        .where(
            _holder_filter(user_id, member_id),
            c.c.status == USABLE,
            c.c.expires_at > now,
        )
        .order_by(c.c.expires_at, c.c.id)
    ).tuples()
    answer = []
    for row in rows:
        code, coupon_id, expires_at, title, kind, value, minimum, channels, stores = row
        answer.append(
            {
                "code": format_code(code),
                "coupon_id": coupon_id,
                "title": title,
                "kind": kind,
                "value": value,
                "min_purchase": minimum,
                "expires_at": expires_at.isoformat(timespec="seconds"),
                "usable_here": "store" in channels
                and (not stores or store_code in stores),
            }
        )
    return answer


def coupons_for_customer(
    user_id: int | None, member_id: int | None, since: datetime
) -> list[PersonalCoupon]:
    """Return a customer's coupons (any status) issued or valid since `since`."""
    return list(
        db.session.scalars(
            select(PersonalCoupon)
            .where(
                _holder_filter(user_id, member_id),
                PersonalCoupon.expires_at > since,
            )
            .order_by(PersonalCoupon.expires_at, PersonalCoupon.id)
        )
    )


def move_guest_coupons(user_id: int, member_id: int) -> int:
    """Give a member the coupons their LINE user held as a guest; return how many."""
    moved = db.session.execute(
        update(PersonalCoupon)
        .where(
            PersonalCoupon.line_user_id == user_id, PersonalCoupon.member_id.is_(None)
        )
        .values(member_id=member_id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return moved.rowcount


def coupon_by_code(code: str) -> PersonalCoupon | None:
    """Return the personal coupon with this code (any form a clerk types)."""
    return db.session.scalar(
        select(PersonalCoupon).where(PersonalCoupon.code == normalize_code(code))
    )


def guest_holding(code: str) -> int | None:
    """Return the LINE user row of the guest holding this coupon, if a guest does."""
    return db.session.scalar(
        select(PersonalCoupon.line_user_id).where(
            PersonalCoupon.code == normalize_code(code),
            PersonalCoupon.member_id.is_(None),
        )
    )


def coupon_json(coupon: PersonalCoupon, now: datetime) -> dict[str, Any]:
    """Return what the coupon API, the register and the page show of a coupon."""
    definition = coupon.definition
    return {
        "code": format_code(coupon.code),
        "coupon_id": coupon.coupon_id,
        "title": definition.title,
        "description": definition.description,
        "kind": definition.kind,
        "value": definition.value,
        "value_label": value_label(definition.kind, definition.value),
        "min_purchase": definition.min_purchase,
        "channels": list(definition.channels),
        "stores": definition.stores,
        "status": coupon.status_at(now),
        "expires_at": coupon.expires_at.isoformat(timespec="seconds"),
        "used_at": (
            coupon.used_at.isoformat(timespec="seconds") if coupon.used_at else None
        ),
    }


def looks_like_scan_code(value: str) -> bool:
    """Tell whether a scanned value has the shape of a coupon's one-time code."""
    return looks_like_code(value, SCAN_CODE_LENGTH)


def issue_scan_code(coupon_id: int, now: datetime, ttl_seconds: int) -> CouponScanCode:
    """Create a one-time register code for a coupon; drop its stale ones."""
    owner = CouponScanCode.personal_coupon_id
    return issue_code(owner, coupon_id, SCAN_CODE_LENGTH, now, ttl_seconds)


def use_scan_code(code: str, store_code: str, now: datetime) -> PersonalCoupon:
    """Mark a coupon's scan code used and return the coupon, or say why not."""
    refusals = (UnknownScanCode, ScanCodeExpired, ScanCodeUsed)
    row = claim_code(CouponScanCode, code, store_code, now, refusals)
    coupon = db.session.get(PersonalCoupon, row.personal_coupon_id)
    assert coupon is not None  # the foreign key cascades deletes
    return coupon
