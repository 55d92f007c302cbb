"""Business hours: parsing, open or closed, and what a customer is told."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

import bot.handoff.handlers
from bot import create_app
from bot.config import ConfigError
from bot.handoff.hours import BusinessHoursError, parse_business_hours
from tests.conftest import LineSide
from tests.handoff.helpers import Drain, texts

TOKYO = ZoneInfo("Asia/Tokyo")
HOURS = parse_business_hours("Mon-Fri 10:00-18:00, Sat 10:00-15:00", TOKYO)


def tokyo(day: int, hour: int, minute: int = 0) -> datetime:
    # December 2026: the 7th is a Monday.
    return datetime(2026, 12, day, hour, minute, tzinfo=TOKYO)


def test_open_and_closed_moments() -> None:
    assert HOURS.is_open(tokyo(7, 10))
    assert not HOURS.is_open(tokyo(7, 18))
    assert HOURS.is_open(tokyo(12, 14, 59))
    assert not HOURS.is_open(tokyo(12, 15))
    assert not HOURS.is_open(tokyo(13, 12))
    # Monday 01:30 UTC is 10:30 in Tokyo.
    assert HOURS.is_open(datetime(2026, 12, 7, 1, 30, tzinfo=UTC))


def test_next_opening_skips_closed_days() -> None:
    assert HOURS.next_opening(tokyo(7, 11)) == tokyo(7, 11)
    assert HOURS.next_opening(tokyo(7, 8)) == tokyo(7, 10)
    assert HOURS.next_opening(tokyo(11, 19)) == tokyo(12, 10)
    assert HOURS.next_opening(tokyo(12, 16)) == tokyo(14, 10)


def test_description_in_japanese() -> None:
    assert HOURS.describe() == "月〜金 10:00〜18:00、土 10:00〜15:00"


@pytest.mark.parametrize(
    "text", ["Mon-Fri", "Mon-Fri 18:00-10:00", "Xyz 10:00-12:00", "Mon 25:00-26:00"]
)
def test_malformed_hours_are_refused(text: str) -> None:
    with pytest.raises(BusinessHoursError):
        parse_business_hours(text, TOKYO)


YEAR_END = parse_business_hours(
    "Mon-Fri 10:00-18:00", TOKYO, "2026-12-29..2027-01-03, 2027-01-05"
)


def test_closed_days_are_closed_all_day() -> None:
    assert YEAR_END.is_open(tokyo(28, 10))
    assert not YEAR_END.is_open(tokyo(29, 11))  # a Tuesday
    assert not YEAR_END.is_open(datetime(2027, 1, 5, 12, tzinfo=TOKYO))
    # 00:30 on the 29th in Tokyo is still the 28th in UTC: Tokyo's day decides.
    assert not YEAR_END.is_open(datetime(2026, 12, 29, 0, 30, tzinfo=TOKYO))
    # The next opening skips the closure and the weekday closed after it.
    assert YEAR_END.next_opening(tokyo(28, 19)) == datetime(
        2027, 1, 4, 10, tzinfo=TOKYO
    )
    assert YEAR_END.next_opening(datetime(2027, 1, 4, 19, tzinfo=TOKYO)) == datetime(
        2027, 1, 6, 10, tzinfo=TOKYO
    )


@pytest.mark.parametrize(
    "closed",
    ["2026-12-32", "12/29", "2027-01-03..2026-12-29", "2026-01-01..2026-03-01"],
)
def test_malformed_closed_days_are_refused(closed: str) -> None:
    with pytest.raises(BusinessHoursError, match="BUSINESS_CLOSED_DAYS"):
        parse_business_hours("Mon-Fri 10:00-18:00", TOKYO, closed)


def test_app_refuses_to_start_with_bad_closed_days() -> None:
    with pytest.raises(ConfigError, match="BUSINESS_CLOSED_DAYS"):
        create_app({"BOT_ENV": "test", "BUSINESS_CLOSED_DAYS": "New Year"})


def test_app_refuses_to_start_with_bad_hours() -> None:
    with pytest.raises(ConfigError, match="BUSINESS_HOURS"):
        create_app({"BOT_ENV": "test", "BUSINESS_HOURS": "weekdays"})


def reply_to_asking_for_a_person_at(
    moment: datetime, line: LineSide, worker: Drain, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Have a new customer ask for a person at that moment; return the reply."""
    monkeypatch.setattr(bot.handoff.handlers, "utcnow", lambda: moment.astimezone(UTC))
    user_id = line.add_user()
    line.send(line.text(user_id, "スタッフと話したい"))
    worker()
    [reply] = texts(line, user_id)
    return reply


def test_outside_hours_the_customer_is_told_when_a_person_answers(
    app: Flask, line: LineSide, worker: Drain, monkeypatch: pytest.MonkeyPatch
) -> None:
    saturday_night = tokyo(12, 21)
    reply = reply_to_asking_for_a_person_at(saturday_night, line, worker, monkeypatch)
    assert "ただいま営業時間外です（対応時間：月〜金 10:00〜18:00）" in reply
    assert "12月14日(月) 10:00以降" in reply


@pytest.mark.parametrize(
    "settings_overrides", [{"BUSINESS_CLOSED_DAYS": "2026-12-14..2026-12-15"}]
)
def test_on_a_closed_day_the_customer_is_told_the_next_working_day(
    app: Flask,
    line: LineSide,
    worker: Drain,
    monkeypatch: pytest.MonkeyPatch,
    settings_overrides: dict[str, str],
) -> None:
    monday_noon = tokyo(14, 12)
    reply = reply_to_asking_for_a_person_at(monday_noon, line, worker, monkeypatch)
    assert "ただいま営業時間外です" in reply
    assert "12月16日(水) 10:00以降" in reply
