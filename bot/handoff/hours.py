"""Business hours such as `Mon-Fri 10:00-18:00, Sat 10:00-15:00` in BOT_TIMEZONE.

Closed days (year-end, national holidays the support desk takes off) come from
BUSINESS_CLOSED_DAYS: `2026-12-29..2027-01-03, 2027-01-11`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES_JA = ("月", "火", "水", "木", "金", "土", "日")
_SPAN = re.compile(
    r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<open>\d{1,2}:\d{2})-(?P<close>\d{1,2}:\d{2})$"
)
_CLOSED = re.compile(
    r"^(?P<first>\d{4}-\d{2}-\d{2})(?:\.\.(?P<last>\d{4}-\d{2}-\d{2}))?$"
)
# The longest closure one range may name.
MAX_CLOSED_RANGE_DAYS = 31


class BusinessHoursError(ValueError):
    """BUSINESS_HOURS is not written as `Mon-Fri 10:00-18:00[, Sat ...]`."""


@dataclass(frozen=True)
class Span:
    """Opening hours on a range of weekdays (0 = Monday)."""

    days: tuple[int, ...]
    opens: time
    closes: time


@dataclass(frozen=True)
class BusinessHours:
    """When people answer; everything is compared in the bot's time zone."""

    spans: tuple[Span, ...]
    zone: ZoneInfo
    closed_days: frozenset[date] = frozenset()

    def is_open(self, moment: datetime) -> bool:
        """Tell whether a person is on duty at this moment."""
        local = moment.astimezone(self.zone)
        if local.date() in self.closed_days:
            return False
        return any(
            local.weekday() in span.days and span.opens <= local.time() < span.closes
            for span in self.spans
        )

    def next_opening(self, moment: datetime) -> datetime:
        """Return the moment itself when open, else when hours next begin."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.zone)
        # Each closed day can push the next opening back by one day at most.
        for offset in range(8 + len(self.closed_days)):
            day = local.date() + timedelta(days=offset)
            if day in self.closed_days:
                continue
            starts = sorted(
                datetime.combine(day, span.opens, self.zone)
                for span in self.spans
                if day.weekday() in span.days
            )
            for start in starts:
                if start > local:
                    return start
        raise BusinessHoursError("no opening within a week")

    def describe(self) -> str:
        """Return the hours as customers read them: 月〜金 10:00〜18:00."""
        return "、".join(
            f"{_days_ja(span.days)} {span.opens:%H:%M}〜{span.closes:%H:%M}"
            for span in self.spans
        )


def describe_moment(moment: datetime, zone: ZoneInfo) -> str:
    """Return a moment as customers read it: 12月1日(月) 10:00."""
    local = moment.astimezone(zone)
    weekday = DAY_NAMES_JA[local.weekday()]
    return f"{local.month}月{local.day}日({weekday}) {local:%H:%M}"


def parse_business_hours(
    text: str, zone: ZoneInfo, closed_days: str = ""
) -> BusinessHours:
    """Parse BUSINESS_HOURS and BUSINESS_CLOSED_DAYS; raise naming what is wrong."""
    spans = []
    for part in re.split(r"[,;]", text):
        match = _SPAN.match(part.strip().lower())
        if match is None:
            raise BusinessHoursError(
                f"BUSINESS_HOURS part {part.strip()!r} is not like "
                "'Mon-Fri 10:00-18:00'"
            )
        first, last = match["first"], match["last"] or match["first"]
        if first not in DAYS or last not in DAYS:
            raise BusinessHoursError(f"BUSINESS_HOURS: unknown day in {part.strip()!r}")
        start, end = DAYS.index(first), DAYS.index(last)
        days = (
            tuple(range(start, end + 1))
            if start <= end
            else (
                *range(start, 7),
                *range(0, end + 1),
            )
        )
        opens, closes = _clock(match["open"]), _clock(match["close"])
        if opens >= closes:
            raise BusinessHoursError(
                f"BUSINESS_HOURS: {part.strip()!r} closes before it opens"
            )
        spans.append(Span(days=days, opens=opens, closes=closes))
    return BusinessHours(
        spans=tuple(spans), zone=zone, closed_days=parse_closed_days(closed_days)
    )


def parse_closed_days(text: str) -> frozenset[date]:
    """Parse `2026-12-29..2027-01-03, 2027-01-11` into the days it names."""
    days: set[date] = set()
    for part in re.split(r"[,;\s]+", text.strip()):
        if part:
            first, last = _closed_range(part)
            days.update(
                first + timedelta(days=n) for n in range((last - first).days + 1)
            )
    return frozenset(days)


def _closed_range(part: str) -> tuple[date, date]:
    match = _CLOSED.match(part)
    problem = (
        f"BUSINESS_CLOSED_DAYS part {part!r} is not a date like 2026-12-31 "
        "or a range like 2026-12-29..2027-01-03"
    )
    if match is None:
        raise BusinessHoursError(problem)
    try:
        first = date.fromisoformat(match["first"])
        last = date.fromisoformat(match["last"] or match["first"])
    except ValueError:
        raise BusinessHoursError(problem) from None
    if not 0 <= (last - first).days < MAX_CLOSED_RANGE_DAYS:
        raise BusinessHoursError(
            f"BUSINESS_CLOSED_DAYS: {part!r} must run forwards and span at most "
            f"{MAX_CLOSED_RANGE_DAYS} days"
        )
    return first, last


def _clock(value: str) -> time:
    hours, minutes = (int(piece) for piece in value.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise BusinessHoursError(f"BUSINESS_HOURS: {value} is not a time of day")
    return time(hours, minutes)


def _days_ja(days: tuple[int, ...]) -> str:
    if len(days) == 1:
        return DAY_NAMES_JA[days[0]]
    return f"{DAY_NAMES_JA[days[0]]}〜{DAY_NAMES_JA[days[-1]]}"
