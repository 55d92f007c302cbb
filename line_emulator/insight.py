"""Per-unit message statistics (customAggregationUnits), as LINE reports them.

LINE counts, per aggregation unit, who saw a message (impressions) and who
tapped a URL in it, by day in UTC+9. Any count under 20 is answered as null
for privacy, never as a small number or 0. A unit name is 1 to 30 of
[a-zA-Z0-9_], and a period runs at most 30 days after its start date.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

LINE_TIME = timezone(timedelta(hours=9))
UNIT_NAME = re.compile(r"^[a-zA-Z0-9_]{1,30}$")
HIDDEN_BELOW = 20
MAX_PERIOD_DAYS = 30


def _day(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, LINE_TIME).date()


@dataclass
class UnitStatistics:
    """Deliveries, impressions and clicks per unit, each with its UTC+9 day."""

    # unit -> user id -> day delivered
    delivered: dict[str, dict[str, date]] = field(default_factory=dict)
    # unit -> set of (user id, day) events
    impressions: dict[str, list[tuple[str, date]]] = field(default_factory=dict)
    clicks: dict[str, list[tuple[str, date, str]]] = field(default_factory=dict)
    # unit -> month ("YYYYMM") it was first used in
    first_month: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_delivery(self, unit: str, user_ids: list[str], timestamp: float) -> None:
        """Remember who got a message of this unit."""
        day = _day(timestamp)
        with self.lock:
            users = self.delivered.setdefault(unit, {})
            for user_id in user_ids:
                users.setdefault(user_id, day)
            self.first_month.setdefault(unit, day.strftime("%Y%m"))

    def units_of(self, user_id: str) -> list[str]:
        """Return the units whose messages reached a user."""
        with self.lock:
            return [u for u, users in self.delivered.items() if user_id in users]

    def record_impression(self, unit: str, user_id: str, timestamp: float) -> None:
        """Count that a user saw the unit's message."""
        with self.lock:
            self.impressions.setdefault(unit, []).append((user_id, _day(timestamp)))

    def record_click(self, unit: str, user_id: str, url: str, timestamp: float) -> None:
        """Count that a user tapped a URL of the unit's message."""
        with self.lock:
            self.clicks.setdefault(unit, []).append((user_id, _day(timestamp), url))

    def units_this_month(self, timestamp: float) -> int:
        """Return how many distinct units were first used this month (UTC+9)."""
        month = _day(timestamp).strftime("%Y%m")
        with self.lock:
            return sum(1 for m in self.first_month.values() if m == month)

    def report(self, unit: str, start: date, end: date) -> dict[str, Any]:
        """Return GetStatisticsPerUnitResponse for a unit and period."""
        with self.lock:
            seen = [u for u, d in self.impressions.get(unit, []) if start <= d <= end]
            taps = [
                (u, url) for u, d, url in self.clicks.get(unit, []) if start <= d <= end
            ]
        by_url: dict[str, list[str]] = {}
        for user_id, url in taps:
            by_url.setdefault(url, []).append(user_id)
        return {
            "overview": {
                "uniqueImpression": _shown(len(set(seen))),
                "uniqueClick": _shown(len({u for u, _ in taps})),
                "uniqueMediaPlayed": None,
                "uniqueMediaPlayed100Percent": None,
            },
            "messages": [
                {
                    "seq": 1,
                    "impression": _shown(len(seen)),
                    "mediaPlayed": None,
                    "mediaPlayed25Percent": None,
                    "mediaPlayed50Percent": None,
                    "mediaPlayed75Percent": None,
                    "mediaPlayed100Percent": None,
                    "uniqueMediaPlayed": None,
                    "uniqueMediaPlayed25Percent": None,
                    "uniqueMediaPlayed50Percent": None,
                    "uniqueMediaPlayed75Percent": None,
                    "uniqueMediaPlayed100Percent": None,
                }
            ]
            if unit in self.delivered
            else [],
            "clicks": [
                {
                    "seq": 1,
                    "url": url,
                    "click": _shown(len(users)),
                    "uniqueClick": _shown(len(set(users))),
                    "uniqueClickOfRequest": None,
                }
                for url, users in by_url.items()
            ],
        }


def _shown(count: int) -> int | None:
    return count if count >= HIDDEN_BELOW else None


def parse_period(start: str, end: str) -> tuple[date, date] | str:
    """Return the period's dates, or the reason LINE refuses it."""
    try:
        first = datetime.strptime(start, "%Y%m%d").date()
        last = datetime.strptime(end, "%Y%m%d").date()
    except ValueError:
        return "from and to must be dates as yyyyMMdd"
    if last < first:
        return "to must not be before from"
    if last > first + timedelta(days=MAX_PERIOD_DAYS):
        return f"to must be at most {MAX_PERIOD_DAYS} days after from"
    return first, last
