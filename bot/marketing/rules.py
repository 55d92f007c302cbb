"""Quiet hours and the daily frequency cap, counted in BOT_TIMEZONE."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, func, select, text

from bot.bulk import in_ids, insert_for_ids
from bot.extensions import db
from bot.marketing.models import MarketingMessage

_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class QuietHoursError(ValueError):
    """QUIET_HOURS is not written as `HH:MM-HH:MM`."""


@dataclass(frozen=True)
class QuietHours:
    """A daily window with no marketing messages; it may run past midnight."""

    starts: time | None
    ends: time | None
    zone: ZoneInfo

    def contains(self, moment: datetime) -> bool:
        """Tell whether a marketing message must wait at this moment."""
        if self.starts is None or self.ends is None:
            return False
        now = moment.astimezone(self.zone).time()
        if self.starts <= self.ends:
            return self.starts <= now < self.ends
        return now >= self.starts or now < self.ends

    def next_allowed(self, moment: datetime) -> datetime:
        """Return the moment itself outside the window, else when it ends."""
        if not self.contains(moment):
            return moment
        assert self.ends is not None
        local = moment.astimezone(self.zone)
        end = datetime.combine(local.date(), self.ends, tzinfo=self.zone)
        if end <= local:
            end = datetime.combine(
                local.date() + timedelta(days=1), self.ends, tzinfo=self.zone
            )
        return end


def parse_quiet_hours(value: str, zone: ZoneInfo) -> QuietHours:
    """Parse `21:00-09:00` (or empty: no quiet hours)."""
    value = value.strip()
    if not value:
        return QuietHours(None, None, zone)
    match = _SPAN.match(value)
    if match is None:
        raise QuietHoursError(f"QUIET_HOURS {value!r}: write it as HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    try:
        starts, ends = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise QuietHoursError(f"QUIET_HOURS {value!r}: {exc}") from exc
    if starts == ends:
        raise QuietHoursError(f"QUIET_HOURS {value!r}: start and end are equal")
    return QuietHours(starts, ends, zone)


def quiet_hours() -> QuietHours:
    """Return the app's quiet hours, parsed at start-up."""
    return current_app.extensions["quiet_hours"]


def daily_cap() -> int:
    """Return how many marketing messages a customer may get in one local day."""
    return current_app.config["SETTINGS"].MAX_MARKETING_MESSAGES_PER_DAY


def local_day(moment: datetime) -> date:
    """Return the shop's calendar day of a moment."""
    return moment.astimezone(current_app.config["SETTINGS"].timezone).date()


def next_local_day(moment: datetime) -> datetime:
    """Return the start of the next local day after `moment`."""
    zone = current_app.config["SETTINGS"].timezone
    day = moment.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=zone)


def messages_today(user_ids: Iterable[int], moment: datetime) -> dict[int, int]:
    """Return how many marketing messages each customer got on moment's day."""
    ids = list(set(user_ids))
    counts: dict[int, int] = {}
    day = local_day(moment)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = db.session.execute(
            select(MarketingMessage.line_user_id, func.count())
            .where(
                in_ids(MarketingMessage.line_user_id, chunk),
                MarketingMessage.local_day == day,
            )
            .group_by(MarketingMessage.line_user_id)
        )
        counts.update({user_id: count for user_id, count in rows})
    return counts


def record_marketing_messages(
    user_ids: Iterable[int], moment: datetime, source: str, variant: str = ""
) -> None:
    """Count one marketing message for each customer against their day's cap.

    The same customers become the campaign's (and variant's) recipients in
    the measurement figures.
    """
    from bot.measure.service import record_exposures

    day = local_day(moment)
    ids = list(user_ids)
    constants = {"local_day": day, "source": source, "sent_at": moment}
    insert_for_ids(MarketingMessage.__table__, "line_user_id", ids, constants)
    record_exposures(ids, moment, source, variant)


def lock_marketing_ledger(shared: bool = False) -> None:
    """Hold the cap's ledger until the transaction ends: one sender decides at a time.

    Every sender counts a customer's day and writes what it sends in one
    transaction; two at once (two segment sends due the same minute, a send
    and the scenario sweep) each missed the other's rows and a customer got
    more than the cap. PostgreSQL: a transaction-level advisory lock, `shared`
    for the sweep's parallel freezers of one step (they hold distinct
    customers); SQLite: its database write lock, which a write that changes
    nothing takes.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        db.session.execute(text(f"SELECT {function}(:key)"), {"key": _LEDGER})
    else:
        db.session.execute(text("UPDATE marketing_messages SET id = id WHERE 0 = 1"))


# The advisory lock's key: any constant no other lock of this database uses.
_LEDGER = 0x4D4B544C  # "MKTL"


def record_marketing_message(user_id: int, moment: datetime, source: str) -> None:
    """Count one marketing message (a coupon issue, a step) for one customer."""
    record_marketing_messages([user_id], moment, source)


def under_cap_sql(user_id: str) -> str:
    """Return a SQL condition: the customer `user_id` names is under today's cap.

    For set-based senders; binds :day (`local_day`) and :cap (`daily_cap`).
    """
    return (
        "(SELECT count(*) FROM marketing_messages m"
        f" WHERE m.line_user_id = {user_id} AND m.local_day = :day) < :cap"
    )


def record_marketing_messages_sql(rows: str, user_id: str) -> str:
    """Return an INSERT counting each of `rows` on the ledger (a CTE's body).

    The set-based counterpart of `record_marketing_messages`: the ledger is
    still written only from here. Binds :day, :source and :now.
    """
    return (
        "INSERT INTO marketing_messages (line_user_id, local_day, source, sent_at)"
        f" SELECT {user_id}, :day, :source, :now FROM {rows}"
    )


def at_cap_today(moment: datetime) -> Select[tuple[int]]:
    """Select the customers who reached the day's cap (for a segment's query)."""
    return (
        select(MarketingMessage.line_user_id)
        .where(MarketingMessage.local_day == local_day(moment))
        .group_by(MarketingMessage.line_user_id)
        .having(func.count() >= daily_cap())
    )


def under_cap(user_id: int, moment: datetime) -> bool:
    """Tell whether one more marketing message fits in the customer's day."""
    return messages_today([user_id], moment).get(user_id, 0) < daily_cap()
