"""Segment definitions as data: every given condition must hold."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from bot.members.models import RANKS

CHANNELS = ("store", "ec", "both")
# Upper bounds of the counting conditions: a day count past a century, or a
# visit count past a million, is a typing mistake (and the database's integer
# columns end at 2**31 - 1).
LARGEST = {"min_visits": 1_000_000, "days": 36_500, "dormant_days": 36_500}


class SegmentError(ValueError):
    """A segment definition is not valid; the message names the option."""


@dataclass(frozen=True)
class SegmentDefinition:
    """Conditions on LINE friends; None means the condition is not used."""

    min_visits: int | None = None
    days: int | None = None
    home_store: str | None = None
    channel: str | None = None
    dormant_days: int | None = None
    birthday_month: int | None = None
    rank: str | None = None
    linked: bool | None = None

    def __post_init__(self) -> None:
        problems = []
        for name, largest in LARGEST.items():
            value = getattr(self, name)
            if value is not None and not 1 <= value <= largest:
                option = f"--{name.replace('_', '-')}"
                problems.append(f"{option} must be between 1 and {largest:,}")
        if self.days is not None and self.min_visits is None:
            problems.append("--days goes with --min-visits")
        if self.channel is not None and self.channel not in CHANNELS:
            problems.append(f"--channel must be one of {', '.join(CHANNELS)}")
        if self.birthday_month is not None and not 1 <= self.birthday_month <= 12:
            problems.append("--birthday-month must be 1 to 12")
        if self.rank is not None and self.rank not in RANKS:
            problems.append(f"--rank must be one of {', '.join(RANKS)}")
        if self.linked is False and self.needs_member:
            problems.append("--unlinked cannot be combined with member conditions")
        if problems:
            raise SegmentError("; ".join(problems))

    @property
    def needs_member(self) -> bool:
        """Tell whether a condition is about member data (so implies linked)."""
        member_fields = (
            self.home_store,
            self.channel,
            self.dormant_days,
            self.birthday_month,
            self.rank,
        )
        return any(value is not None for value in member_fields)

    def to_dict(self) -> dict[str, Any]:
        """Return the conditions that are set, for storing as JSON."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SegmentDefinition:
        """Build a definition from stored JSON, refusing unknown keys."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SegmentError(f"unknown segment conditions: {', '.join(unknown)}")
        return cls(**data)

    def describe(self) -> str:
        """Return the conditions as the command-line options that make them."""
        parts = []
        for name, value in self.to_dict().items():
            if name == "linked":
                parts.append("--linked" if value else "--unlinked")
            else:
                parts.append(f"--{name.replace('_', '-')} {value}")
        return " ".join(parts) or "(all friends)"
