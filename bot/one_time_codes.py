"""One-time codes scanned at the register: issued short-lived, claimed once.

The member card's QR code and a coupon's QR code work the same way; each has
its own table (a row per code with `code`, `expires_at`, `used_at`,
`used_store_code`, `created_at` and its owner's id) and its own exceptions.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import InstrumentedAttribute

from bot.extensions import db

# Used and expired codes are kept this long (a re-scan says "used", not "unknown").
KEEP_SPENT = timedelta(hours=1)


def looks_like_code(value: str, length: int) -> bool:
    """Tell whether a scanned value has the shape of a one-time code."""
    return len(value) == length and value.isascii() and value.isdigit()


def issue_code(
    owner: InstrumentedAttribute[int],
    owner_id: int,
    length: int,
    now: datetime,
    ttl_seconds: int,
) -> Any:
    """Create a code of `length` random digits for the owner; drop its stale ones."""
    model = owner.class_
    db.session.execute(
        delete(model).where(owner == owner_id, model.expires_at < now - KEEP_SPENT)
    )
    lowest = 10 ** (length - 1)
    row = model(
        code=str(secrets.randbelow(9 * lowest) + lowest),
        expires_at=now + timedelta(seconds=ttl_seconds),
        created_at=now,
        **{owner.key: owner_id},
    )
    db.session.add(row)
    db.session.flush()
    return row


def claim_code(
    model: type[Any],
    code: str,
    store_code: str,
    now: datetime,
    refusals: tuple[type[Exception], type[Exception], type[Exception]],
) -> Any:
    """Mark a code used at a store and return its row; raise unknown/expired/used."""
    unknown, expired, used = refusals
    row = db.session.scalar(select(model).where(model.code == code))
    if row is None:
        raise unknown(code)
    if row.expires_at <= now:
        raise expired(code)
    # One conditional UPDATE: of two registers scanning at once, one wins.
    claimed = db.session.execute(
        update(model)
        .where(model.id == row.id, model.used_at.is_(None))
        .values(used_at=now, used_store_code=store_code)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise used(code)
    return row
