"""Segment conditions, previews and saved segments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.segments.definition import SegmentDefinition, SegmentError
from bot.segments.service import preview_segment
from tests.conftest import LineSide
from tests.segments.factories import (
    local_today,
    make_member,
    make_purchase,
    make_store,
    make_user,
    make_visit,
)

Drain = Callable[[], None]


def uid(n: int) -> str:
    return f"U{n:032x}"


@pytest.fixture
def visitors(app: Flask) -> dict[str, str]:
    """Friends with different visit histories; returns name -> LINE user id."""
    today = local_today()
    with app.app_context():
        store, other = make_store("S001"), make_store("S002")
        member_user = make_user(uid(1))
        member = make_member(member_user)
        make_visit(store, today, user=member_user, member=member)
        make_visit(other, today - timedelta(days=3), user=member_user, member=member)
        guest = make_user(uid(2))
        make_visit(store, today - timedelta(days=1), user=guest)
        make_visit(store, today - timedelta(days=9), user=guest)
        once = make_user(uid(3))
        make_visit(store, today, user=once)
        blocked = make_user(uid(4), blocked=True)
        for days in (0, 1, 2):
            make_visit(store, today - timedelta(days=days), user=blocked)
        register_user = make_user(uid(5))
        register_member = make_member(register_user)
        for days in (2, 5):
            make_visit(store, today - timedelta(days=days), member=register_member)
        old = make_user(uid(6))
        make_visit(store, today, user=old)
        make_visit(store, today - timedelta(days=40), user=old)
        same_day = make_user(uid(7))
        same_member = make_member(same_day)
        make_visit(store, today, user=same_day)
        make_visit(store, today, user=same_day, member=same_member)
    return {
        "member": uid(1),
        "guest": uid(2),
        "once": uid(3),
        "blocked": uid(4),
        "register": uid(5),
        "old": uid(6),
        "same_day": uid(7),
    }


def test_frequent_visitors_exclude_one_time_and_blocked(
    app: Flask, visitors: dict[str, str], runner: FlaskCliRunner
) -> None:
    result = runner.invoke(
        args=["segment", "preview", "--min-visits", "2", "--days", "30"]
    )
    assert result.exit_code == 0, result.output
    assert "count: 3" in result.output
    listed = {line.strip() for line in result.output.splitlines()[2:]}
    assert listed == {visitors["member"], visitors["guest"], visitors["register"]}


def test_saved_segment_is_reused_by_name(
    app: Flask, visitors: dict[str, str], runner: FlaskCliRunner
) -> None:
    saved = runner.invoke(
        args=["segment", "save", "regulars", "--min-visits", "2", "--days", "30"]
    )
    assert saved.exit_code == 0, saved.output
    linked = runner.invoke(
        args=["segment", "preview", "--segment", "regulars", "--linked"]
    )
    assert "count: 2" in linked.output
    assert visitors["guest"] not in linked.output


def _count(app: Flask, **conditions: object) -> set[str]:
    with app.app_context():
        preview = preview_segment(SegmentDefinition(**conditions), sample_size=100)
        assert preview.count == len(preview.sample)
        return set(preview.sample)


def test_member_conditions(app: Flask) -> None:
    with app.app_context():
        store_buyer = make_member(
            make_user(uid(11)),
            rank="gold",
            home_store_code="S001",
            birthday=date(1990, 4, 12),
        )
        make_purchase(store_buyer, "store", days_ago=3)
        online_buyer = make_member(make_user(uid(12)), home_store_code="S002")
        make_purchase(online_buyer, "ec", days_ago=100)
        both = make_member(make_user(uid(13)), rank="gold", birthday=date(1985, 5, 1))
        make_purchase(both, "store", days_ago=200)
        make_purchase(both, "ec", days_ago=10)
        make_user(uid(14))
        blocked = make_member(make_user(uid(15), blocked=True), rank="gold")
        make_purchase(blocked, "store", days_ago=3)
    assert _count(app, home_store="S001") == {uid(11)}
    assert _count(app, channel="store") == {uid(11), uid(13)}
    assert _count(app, channel="ec") == {uid(12), uid(13)}
    assert _count(app, channel="both") == {uid(13)}
    assert _count(app, dormant_days=30) == {uid(12)}
    assert _count(app, birthday_month=4) == {uid(11)}
    assert _count(app, rank="gold") == {uid(11), uid(13)}
    assert _count(app, rank="gold", channel="ec") == {uid(13)}
    assert _count(app, linked=True) == {uid(11), uid(12), uid(13)}
    assert _count(app, linked=False) == {uid(14)}
    assert _count(app) == {uid(11), uid(12), uid(13), uid(14)}


def test_invalid_definitions_name_the_option(runner: FlaskCliRunner) -> None:
    with pytest.raises(SegmentError, match="--birthday-month"):
        SegmentDefinition(birthday_month=13)
    with pytest.raises(SegmentError, match="--unlinked"):
        SegmentDefinition(linked=False, rank="gold")
    result = runner.invoke(args=["segment", "preview", "--days", "3"])
    assert result.exit_code == 2
    assert "--days goes with --min-visits" in result.output


def test_segment_send_reaches_only_the_segment(
    app: Flask, visitors: dict[str, str], runner: FlaskCliRunner, line: LineSide
) -> None:
    for name in visitors.values():
        line.add_user(user_id=name)
    result = runner.invoke(
        args=["segment", "send", "--min-visits", "2", "--days", "30"]
        + ["--text", "いつもご来店ありがとうございます"]
    )
    assert result.exit_code == 0, result.output
    assert "3 delivered" in result.output
    reached = {d.user_id for d in line.platform.deliveries() if d.via == "multicast"}
    assert reached == {visitors["member"], visitors["guest"], visitors["register"]}
    [call] = line.calls("/v2/bot/message/multicast")
    assert call.headers.get("X-Line-Retry-Key")
