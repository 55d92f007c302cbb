"""Point balances, awards, redemptions, reversals and expiry on the ledger.

Positive rows are lots that expire; negative rows spend the lots that are
still alive at that moment, soonest expiry first, except `expire` rows, which
close the one lot they name ("lot:<entry id>"). The balance only counts lots
that have not expired, so it is right before the expiry sweep has run.
A refund gives spent points back with the expiries of the lots they came from.
Every change takes the member's lock first (`lock_member_points`), so two
registers redeeming at once are serialised and the balance never goes negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from flask import current_app
from sqlalchemy import select

from bot.extensions import db
from bot.members.service import lock_member
from bot.models_base import utcnow
from bot.points.models import EARN, EXPIRE, OPENING, REDEEM, REVERSAL, PointEntry


class NotEnoughPoints(Exception):
    """A redemption asked for more points than the member has."""

    def __init__(self, available: int, requested: int) -> None:
        super().__init__(f"{requested} points requested, {available} available")
        self.available = available
        self.requested = requested


@dataclass
class _Lot:
    entry_id: int
    expires_at: datetime | None
    remaining: int

    def alive_at(self, moment: datetime) -> bool:
        return self.expires_at is None or self.expires_at > moment


@dataclass(frozen=True)
class PointSummary:
    """A member's usable points and the next lot to expire."""

    balance: int
    next_expiry: datetime | None
    expiring_points: int


@dataclass(frozen=True)
class Reversal:
    """What refunding a purchase did to the member's points."""

    restored: int
    taken_back: int
    not_recovered: int


def _entries(member_id: int) -> list[PointEntry]:
    return list(
        db.session.scalars(
            select(PointEntry)
            .where(PointEntry.member_id == member_id)
            .order_by(PointEntry.created_at, PointEntry.id)
        )
    )


def _lots(
    entries: list[PointEntry], spent: dict[int, list[tuple[_Lot, int]]] | None = None
) -> list[_Lot]:
    """Replay the ledger into lots; `spent` records which lots each row took."""
    lots: list[_Lot] = []
    by_id: dict[int, _Lot] = {}
    for entry in entries:
        if entry.delta > 0:
            lot = _Lot(entry.id, entry.expires_at, entry.delta)
            lots.append(lot)
            by_id[entry.id] = lot
            continue
        owed = -entry.delta
        if entry.kind == EXPIRE and entry.reference.startswith("lot:"):
            target = by_id.get(int(entry.reference[4:]))
            if target is not None:
                taken = min(owed, target.remaining)
                target.remaining -= taken
                owed -= taken
        alive = [
            lot for lot in lots if lot.remaining and lot.alive_at(entry.created_at)
        ]
        alive.sort(key=lambda lot: (lot.expires_at is None, lot.expires_at))
        for lot in alive:
            if not owed:
                break
            taken = min(owed, lot.remaining)
            lot.remaining -= taken
            owed -= taken
            if spent is not None:
                spent.setdefault(entry.id, []).append((lot, taken))
    return lots


def point_summary(member_id: int, now: datetime | None = None) -> PointSummary:
    """Return the member's usable balance and the soonest expiry at `now`."""
    return _summary(_entries(member_id), now or utcnow())


def _summary(entries: list[PointEntry], now: datetime) -> PointSummary:
    alive = [lot for lot in _lots(entries) if lot.remaining and lot.alive_at(now)]
    dated = sorted((lot for lot in alive if lot.expires_at), key=_expiry_key)
    next_expiry = dated[0].expires_at if dated else None
    expiring = sum(lot.remaining for lot in dated if lot.expires_at == next_expiry)
    return PointSummary(sum(lot.remaining for lot in alive), next_expiry, expiring)


def points_with_history(
    member_id: int, now: datetime, months: int = 12, limit: int = 100
) -> tuple[PointSummary, list[PointEntry]]:
    """Return the summary and the last months' rows, newest first, in one query."""
    entries = _entries(member_id)
    since = now - timedelta(days=round(months * 365 / 12))
    recent = [e for e in reversed(entries) if e.created_at >= since][:limit]
    return _summary(entries, now), recent


def _expiry_key(lot: _Lot) -> datetime:
    assert lot.expires_at is not None
    return lot.expires_at


def balance(member_id: int) -> int:
    """Return the member's current point balance."""
    return point_summary(member_id).balance


def points_for_amount(amount_paid: int) -> int:
    """Return the points earned on an amount paid in yen (POINTS_EARN_RATE)."""
    rate = current_app.config["SETTINGS"].POINTS_EARN_RATE
    # Work in hundredths of a point so that 0.01 * 100 yen is exactly one point.
    return max(0, int(round(rate * 10000)) * amount_paid // 10000)


def lock_member_points(member_id: int) -> None:
    """Hold the member's row lock until the transaction ends (one writer a time)."""
    lock_member(member_id)


def _existing(member_id: int, kind: str, reference: str) -> PointEntry | None:
    return db.session.scalar(
        select(PointEntry).where(
            PointEntry.member_id == member_id,
            PointEntry.kind == kind,
            PointEntry.reference == reference,
        )
    )


def _append(
    member_id: int,
    kind: str,
    delta: int,
    reference: str,
    now: datetime,
    store_code: str | None,
    expires_at: datetime | None | Literal["fresh"] = "fresh",
) -> PointEntry:
    if delta <= 0:
        expires_at = None
    elif expires_at == "fresh":
        expires_at = _fresh_expiry(now)
    entry = PointEntry(
        member_id=member_id,
        kind=kind,
        delta=delta,
        reference=reference,
        expires_at=expires_at,
        store_code=store_code,
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def award_points(
    member_id: int,
    points: int,
    reference: str,
    now: datetime,
    store_code: str | None = None,
) -> PointEntry | None:
    """Add earned points once per reference; return the ledger row (None for 0)."""
    if points <= 0:
        return None
    lock_member_points(member_id)
    return _existing(member_id, EARN, reference) or _append(
        member_id, EARN, points, reference, now, store_code
    )


def open_balance(
    member_id: int,
    points: int,
    reference: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> tuple[PointEntry | None, bool]:
    """Write an opening balance once per reference; return it and whether it is new.

    Imported points lapse like earned ones, POINTS_EXPIRY_DAYS after they were
    written, unless the old system said when (`expires_at`).
    """
    lock_member_points(member_id)
    existing = _existing(member_id, OPENING, reference)
    if existing is not None or points <= 0:
        return existing, False
    entry = _append(
        member_id, OPENING, points, reference, now, None, expires_at or "fresh"
    )
    return entry, True


def redeem_points(
    member_id: int,
    points: int,
    reference: str,
    now: datetime,
    store_code: str | None = None,
) -> PointEntry | None:
    """Spend points once per reference; raise NotEnoughPoints past the balance."""
    if points <= 0:
        return None
    lock_member_points(member_id)
    existing = _existing(member_id, REDEEM, reference)
    if existing is not None:
        return existing
    available = point_summary(member_id, now).balance
    if points > available:
        raise NotEnoughPoints(available, points)
    return _append(member_id, REDEEM, -points, reference, now, store_code)


def reverse_points(
    member_id: int,
    reference: str,
    points_used: int,
    points_earned: int,
    now: datetime,
    store_code: str | None = None,
) -> Reversal:
    """Give back the points a purchase used and take back those it earned, once."""
    lock_member_points(member_id)
    restore_ref, take_ref = f"{reference}:used", f"{reference}:earned"
    restored = _existing(member_id, REVERSAL, restore_ref)
    if restored is None and points_used > 0:
        _restore_spent(member_id, reference, points_used, now, store_code)
    restored_points = sum(
        entry.delta
        for entry in _entries(member_id)
        if entry.kind == REVERSAL and _restores(entry.reference, restore_ref)
    )
    taken = _existing(member_id, REVERSAL, take_ref)
    if taken is None and points_earned > 0:
        # Points already spent elsewhere cannot be taken back below zero.
        available = point_summary(member_id, now).balance
        amount = min(points_earned, available)
        if amount > 0:
            taken = _append(member_id, REVERSAL, -amount, take_ref, now, store_code)
    taken_points = -taken.delta if taken else 0
    return Reversal(restored_points, taken_points, points_earned - taken_points)


def _restore_spent(
    member_id: int,
    reference: str,
    points: int,
    now: datetime,
    store_code: str | None,
) -> None:
    """Give back a redemption's points as lots with the expiries they had.

    A fresh expiry would let points about to lapse be renewed by buying and
    refunding. Points whose lot lapsed in between come back already lapsed.
    """
    entries = _entries(member_id)
    redemption = next(
        (e for e in entries if e.kind == REDEEM and e.reference == reference), None
    )
    spent: dict[int, list[tuple[_Lot, int]]] = {}
    _lots(entries, spent)
    pieces: dict[datetime | None, int] = {}
    for lot, taken in spent.get(redemption.id, []) if redemption else []:
        pieces[lot.expires_at] = pieces.get(lot.expires_at, 0) + taken
    left = points - sum(pieces.values())
    if left > 0:  # no redemption row to follow: a new lot, as before
        fresh = _fresh_expiry(now)
        pieces[fresh] = pieces.get(fresh, 0) + left
    restore_ref = f"{reference}:used"
    for n, (expires_at, delta) in enumerate(sorted(pieces.items(), key=_soonest)):
        ref = restore_ref if n == 0 else f"{restore_ref}:{n + 1}"
        _append(member_id, REVERSAL, delta, ref, now, store_code, expires_at)


def _restores(entry_reference: str, restore_ref: str) -> bool:
    # One row per original expiry: "<ref>:used", then "<ref>:used:2", ...
    if entry_reference == restore_ref:
        return True
    head, _, number = entry_reference.rpartition(":")
    return head == restore_ref and number.isdigit()


def _fresh_expiry(now: datetime) -> datetime:
    return now + timedelta(days=current_app.config["SETTINGS"].POINTS_EXPIRY_DAYS)


def _soonest(item: tuple[datetime | None, int]) -> tuple[bool, datetime | None]:
    return (item[0] is None, item[0])


def expire_points(member_id: int, now: datetime) -> int:
    """Write `expire` rows for the member's lapsed lots; return the points expired."""
    lock_member_points(member_id)
    expired = 0
    for lot in _lots(_entries(member_id)):
        if lot.remaining and not lot.alive_at(now):
            _append(member_id, EXPIRE, -lot.remaining, f"lot:{lot.entry_id}", now, None)
            expired += lot.remaining
    return expired


def members_with_lapsed_lots(now: datetime) -> list[int]:
    """Return ids of members holding lots whose expiry has passed."""
    rows = db.session.scalars(
        select(PointEntry.member_id)
        .where(PointEntry.delta > 0, PointEntry.expires_at <= now)
        .distinct()
    )
    return list(rows)


def point_history(
    member_id: int, now: datetime, months: int = 12, limit: int = 100
) -> list[PointEntry]:
    """Return the member's ledger rows of the last months, newest first."""
    since = now - timedelta(days=round(months * 365 / 12))
    return list(
        db.session.scalars(
            select(PointEntry)
            .where(PointEntry.member_id == member_id, PointEntry.created_at >= since)
            .order_by(PointEntry.created_at.desc(), PointEntry.id.desc())
            .limit(limit)
        )
    )
