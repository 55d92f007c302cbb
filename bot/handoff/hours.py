"""Business hours such as `Mon-Fri 10:00-18:00, Sat 10:00-15:00` in BOT_TIMEZONE."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES_JA = ("月", "火", "水", "木", "金", "土", "日")
_SPAN = re.compile(
    r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<open>\d{1,2}:\d{2})-(?P<close>\d{1,2}:\d{2})$"
)


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

    def is_open(self, moment: datetime) -> bool:
        """Tell whether a person is on duty at this moment."""
        local = moment.astimezone(self.zone)
        return any(
            local.weekday() in span.days and span.opens <= local.time() < span.closes
            for span in self.spans
        )

    def next_opening(self, moment: datetime) -> datetime:
        """Return the moment itself when open, else when hours next begin."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
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


def parse_business_hours(text: str, zone: ZoneInfo) -> BusinessHours:
    """Parse BUSINESS_HOURS; raise BusinessHoursError naming what is wrong."""
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
    return BusinessHours(spans=tuple(spans), zone=zone)


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
