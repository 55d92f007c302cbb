"""Member card rules: who the card belongs to, its short-lived codes, its content."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.cards.models import CardCode
from bot.cards.render import barcode_svg, qr_svg
from bot.members.models import Member
from bot.members.service import member_by_id, rank_label
from bot.one_time_codes import claim_code, issue_code, looks_like_code
from bot.points.service import PointSummary, point_summary, points_with_history

# Short-lived codes are 16 digits: never mistaken for a 13-digit member number,
# and 10^16 values cannot be guessed within a minute.
CARD_CODE_LENGTH = 16


class UnknownCardCode(LookupError):
    """No card code with this value was ever issued."""


class CardCodeExpired(Exception):
    """The card code's time is up."""


class CardCodeUsed(Exception):
    """The card code was already scanned once."""


def looks_like_card_code(value: str) -> bool:
    """Tell whether a scanned value has the shape of a short-lived card code."""
    return looks_like_code(value, CARD_CODE_LENGTH)


def issue_card_code(member_id: int, now: datetime, ttl_seconds: int) -> CardCode:
    """Create a one-time code for the member's QR; drop their stale ones."""
    return issue_code(CardCode.member_id, member_id, CARD_CODE_LENGTH, now, ttl_seconds)


def use_card_code(code: str, store_code: str, now: datetime) -> Member:
    """Mark a card code used at a store and return its member, or say why not."""
    refusals = (UnknownCardCode, CardCodeExpired, CardCodeUsed)
    row = claim_code(CardCode, code, store_code, now, refusals)
    member = member_by_id(row.member_id)
    assert member is not None  # the foreign key cascades deletes
    return member


def member_summary(
    member: Member, now: datetime, points: PointSummary | None = None
) -> dict[str, Any]:
    """Return what staff and the card show about a member's standing."""
    points = points or point_summary(member.id, now)
    return {
        "member_no": member.member_no,
        "name": member.name,
        "rank": member.rank,
        "rank_label": rank_label(member.rank),
        "points": points.balance,
        "points_expire_at": _iso(points.next_expiry),
        "points_expiring": points.expiring_points,
    }


def build_card(
    member: Member, now: datetime, ttl_seconds: int, symbology: str
) -> dict[str, Any]:
    """Return the member card: standing, barcode, a fresh QR code and history."""
    code = issue_card_code(member.id, now, ttl_seconds)
    points, recent = points_with_history(member.id, now)
    history = [
        {
            "at": _iso(entry.created_at),
            "kind": entry.kind,
            "delta": entry.delta,
            "store_code": entry.store_code,
        }
        for entry in recent
    ]
    return {
        **member_summary(member, now, points),
        "barcode_format": symbology,
        "barcode_svg": barcode_svg(member.member_no, symbology),
        "qr_code": code.code,
        "qr_svg": qr_svg(code.code),
        "qr_expires_at": _iso(code.expires_at),
        "qr_ttl_seconds": ttl_seconds,
        "issued_at": _iso(now),
        "history": history,
        "coupons": _usable_coupons(member, now),
    }


def _usable_coupons(member: Member, now: datetime) -> list[dict[str, Any]]:
    """List the member's usable coupons for the card (no codes: it is cached)."""
    from bot.coupons.messages import value_label
    from bot.coupons.service import usable_coupons

    return [
        {
            "coupon_id": c.coupon_id,
            "title": c.definition.title,
            "value_label": value_label(c.definition.kind, c.definition.value),
            "expires_at": _iso(c.expires_at),
        }
        for c in usable_coupons(member.line_user_id, member.id, now)
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None
