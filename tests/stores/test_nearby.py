"""A shared location gets the three nearest open stores; the menu asks for it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask

from bot.models_base import utcnow
from line_emulator.webhooks import location_message_event
from tests.conftest import LineSide
from tests.segments.factories import make_store

Drain = Callable[[], None]
TOKYO_STATION = (35.6812, 139.7671)


def _hours_around_now(open_now: bool) -> tuple[str, str]:
    from zoneinfo import ZoneInfo

    now = utcnow().astimezone(ZoneInfo("Asia/Tokyo"))
    if open_now:
        start, end = now - timedelta(hours=2), now + timedelta(hours=2)
    else:
        start, end = now + timedelta(hours=2), now + timedelta(hours=4)
    return start.strftime("%H:%M"), end.strftime("%H:%M")


def test_location_gets_three_nearest_open_stores(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    opened, closed = _hours_around_now(True), _hours_around_now(False)
    with app.app_context():
        # Roughly 0.3, 1.1, 2.2, 4.5 km away; the nearest one is closed now.
        make_store("CLOSED", 35.6840, 139.7671, *closed, name="閉店中店")
        make_store("NEAR", 35.6850, 139.7700, *opened, name="近い店")
        make_store("MID", 35.6912, 139.7671, *opened, name="中くらい店")
        make_store("FAR", 35.7010, 139.7671, *opened, name="遠い店")
        make_store("FARTHEST", 35.7220, 139.7671, *opened, name="最も遠い店")
    user_id = line.add_user()
    line.send(location_message_event(line.platform, user_id, *TOKYO_STATION))
    worker()
    [delivery] = line.deliveries_to(user_id)
    [message] = delivery.messages
    assert message["type"] == "template"
    columns = message["template"]["columns"]
    assert [c["title"] for c in columns] == ["近い店", "中くらい店", "遠い店"]
    assert columns[0]["text"].startswith("現在地から")
    assert columns[0]["text"].endswith(f"営業時間 {opened[0]}〜{opened[1]}")
    assert "m\n" in columns[0]["text"] and "1.1km" in columns[1]["text"]
    assert columns[2]["actions"][0]["uri"] == (
        "https://www.google.com/maps/search/?api=1&query=35.701%2C139.7671"
    )
    # LINE accepted the carousel (the emulator validates every column).
    [call] = line.calls("/v2/bot/message/reply")
    assert call.status == 200


def test_no_open_store_is_said_politely(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    with app.app_context():
        make_store("CLOSED", 35.6840, 139.7671, *_hours_around_now(False))
    user_id = line.add_user()
    line.send(location_message_event(line.platform, user_id, *TOKYO_STATION))
    worker()
    [(_, text)] = line.texts_to(user_id)
    assert "営業中の店舗が見つかりませんでした" in text


def test_store_menu_asks_for_the_location(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user()
    line.send(line.postback(user_id, "action=stores"))
    worker()
    [delivery] = line.deliveries_to(user_id)
    [message] = delivery.messages
    assert "現在地を送ってください" in message["text"]
    [item] = message["quickReply"]["items"]
    assert item["action"] == {"type": "location", "label": "位置情報を送る"}
