"""A/B variants and a holdout of a segment send: who gets which, stably.

Each recipient's variant is drawn from a number 0-9999 derived from their
LINE user row id and the send's seed, so the same customer always lands in
the same group of a send, and the confirmation page (which knows the seed
before the send exists) counts exactly what the send will do. The number is
integer arithmetic in SQL (Fibonacci hashing), the same on PostgreSQL and
SQLite, so 100,000 recipients are split inside one INSERT .. SELECT.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, case, cast, literal

from bot.line.delivery import MAX_MESSAGES_PER_CALL
from bot.measure.models import HOLDOUT
from bot.segments.definition import SegmentError

BUCKETS = 10_000
_MODULUS = 2**31
_MULTIPLIER = 1_327_217_885  # about 2**31 / golden ratio, odd
MAX_HOLDOUT_PERCENT = 50
VARIANT_NAMES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class SendVariant:
    """One version of a send's message: its name, weight, messages and coupon."""

    name: str
    weight: int
    messages: list[dict[str, Any]]
    coupon_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the variant as stored in the send row."""
        return {
            "name": self.name,
            "weight": self.weight,
            "messages": self.messages,
            "coupon_id": self.coupon_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SendVariant:
        """Build a variant from the send row's JSON."""
        return cls(
            name=data["name"],
            weight=int(data["weight"]),
            messages=list(data["messages"]),
            coupon_id=data.get("coupon_id"),
        )


def check_split(variants: list[SendVariant], holdout_percent: int) -> None:
    """Refuse variants or a holdout a send cannot take (SegmentError)."""
    problems = []
    if not 0 <= holdout_percent <= MAX_HOLDOUT_PERCENT:
        problems.append(f"the holdout must be 0 to {MAX_HOLDOUT_PERCENT} percent")
    if len(variants) > len(VARIANT_NAMES):
        problems.append(f"a send takes at most {len(VARIANT_NAMES)} variants")
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        problems.append("variant names must differ")
    for variant in variants:
        if variant.name in ("", HOLDOUT) or len(variant.name) > 16:
            problems.append(f"variant name {variant.name!r} is not allowed")
        if variant.weight < 1:
            problems.append(f"variant {variant.name}: the weight must be at least 1")
        if not 1 <= len(variant.messages) <= MAX_MESSAGES_PER_CALL:
            problems.append(f"variant {variant.name}: a send takes 1 to 5 messages")
    if problems:
        raise SegmentError("; ".join(problems))


def seed_from_text(text: str) -> int:
    """Return a split seed (0 to 2**31 - 1) derived from a text such as a form key."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") % _MODULUS


def bucket_of(user_id: int, seed: int) -> int:
    """Return the customer's number 0-9999 in a send (the SQL below, in Python)."""
    mixed = ((user_id + seed) % _MODULUS) * _MULTIPLIER % _MODULUS
    return mixed * BUCKETS // _MODULUS


def bucket_sql(user_id: ColumnElement[int], seed: int) -> ColumnElement[int]:
    """Return the SQL of bucket_of for a column of LINE user row ids."""
    big = cast(user_id, BigInteger)
    mixed = ((big + seed) % _MODULUS) * _MULTIPLIER % _MODULUS
    return (mixed * BUCKETS) // _MODULUS


def _thresholds(variants: list[SendVariant], holdout_percent: int) -> list[int]:
    """Return each variant's upper bound, scaled so the weights share the rest."""
    held = holdout_percent * BUCKETS // 100
    total = sum(v.weight for v in variants)
    bounds, running = [], 0
    for variant in variants:
        running += variant.weight
        bounds.append(held + (BUCKETS - held) * running // total)
    return bounds


def group_of(
    user_id: int, variants: list[SendVariant], holdout_percent: int, seed: int
) -> int:
    """Return the index of the customer's variant, or -1 for the holdout."""
    point = bucket_of(user_id, seed)
    if point < holdout_percent * BUCKETS // 100:
        return -1
    for index, bound in enumerate(_thresholds(variants, holdout_percent)):
        if point < bound:
            return index
    return len(variants) - 1


def group_sql(
    user_id: ColumnElement[int],
    variants: list[SendVariant],
    holdout_percent: int,
    seed: int,
) -> ColumnElement[int]:
    """Return the SQL of group_of: the variant index, -1 for the holdout."""
    if len(variants) == 1 and not holdout_percent:
        return literal(0)
    point = bucket_sql(user_id, seed)
    whens = []
    if holdout_percent:
        whens.append((point < holdout_percent * BUCKETS // 100, literal(-1)))
    bounds = _thresholds(variants, holdout_percent)
    whens += [(point < bound, literal(i)) for i, bound in enumerate(bounds[:-1])]
    return case(*whens, else_=literal(len(variants) - 1))
