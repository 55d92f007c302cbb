"""Beacon events through the emulator: visits, the store's message, the window."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask

from bot.beacon.service import claim_beacon_message
from bot.coupons.models import PersonalCoupon
from bot.extensions import db
from bot.stores.models import StoreVisit
from bot.stores.service import local_date
from line_emulator.webhooks import beacon_event
from tests.conftest import LineSide
from tests.coupons.factories import load_shipped
from tests.segments.factories import give_points, make_member, make_store, make_user

Drain = Callable[[], None]
HWID = "0000000abc"


def _visits(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(StoreVisit.customer_key, StoreVisit.source)
        ).all()
        return [(key, source) for key, source in rows]


def _setup(app: Flask, line: LineSide, member: bool) -> tuple[str, int]:
    load_shipped(app)  # visit-shibuya is issued by S001's beacon
    user_id = line.add_user("山田 花子")
    with app.app_context():
        make_store("S001", name="丸の内店", hwids=(HWID,))
        user = make_user(user_id)
        owner = user.id
        if member:
            linked = make_member(user, name="山田 花子", rank="gold")
            give_points(linked, 1234)
            owner = linked.id
    return user_id, owner


def test_enter_twice_in_the_window_gives_one_message(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id, member_id = _setup(app, line, member=True)
    line.send(beacon_event(line.platform, user_id, HWID, "enter"))
    worker()
    line.send(beacon_event(line.platform, user_id, HWID, "enter"))
    worker()
    deliveries = line.deliveries_to(user_id)
    assert len(deliveries) == 1
    assert _visits(app) == [(f"m:{member_id}", "beacon")]


def test_member_sees_points_rank_and_store_coupon(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id, _ = _setup(app, line, member=True)
    line.send(beacon_event(line.platform, user_id, HWID, "enter"))
    worker()
    [(via, welcome)] = line.texts_to(user_id)
    assert via == "reply"
    assert welcome.startswith("山田 花子さん、丸の内店へようこそ")
    assert "現在のポイント: 1,234pt" in welcome
    assert "会員ランク: ゴールド" in welcome
    [delivery] = line.deliveries_to(user_id)
    coupon = delivery.messages[1]
    assert coupon["type"] == "flex"
    assert coupon["contents"]["body"]["contents"][1]["text"] == (
        "渋谷店 来店ドリンク1杯無料"
    )
    with app.app_context():
        [issued] = db.session.scalars(sa.select(PersonalCoupon)).all()
        assert (issued.coupon_id, issued.source) == ("visit-shibuya", "beacon:S001")
        # The message opens the coupon page; the personal code is not in it.
        assert issued.code not in str(delivery.messages)


def test_guest_is_invited_to_link(app: Flask, line: LineSide, worker: Drain) -> None:
    user_id, user_pk = _setup(app, line, member=False)
    line.send(beacon_event(line.platform, user_id, HWID, "enter"))
    worker()
    [delivery] = line.deliveries_to(user_id)
    [coupon, message] = delivery.messages
    assert coupon["type"] == "flex"  # guests get the store coupon too
    assert "会員連携" in message["text"]
    assert "ポイント:" not in message["text"]
    [button] = message["quickReply"]["items"]
    assert button["action"]["data"] == "action=link"
    assert _visits(app) == [(f"u:{user_pk}", "beacon")]


def test_banner_answers_store_info_and_stay_is_silent(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id, _ = _setup(app, line, member=False)
    line.send(beacon_event(line.platform, user_id, HWID, "stay"))
    worker()
    assert line.deliveries_to(user_id) == []
    assert len(_visits(app)) == 1
    line.send(beacon_event(line.platform, user_id, HWID, "banner"))
    worker()
    [(_, text)] = line.texts_to(user_id)
    assert text.startswith("丸の内店\n住所: 東京都千代田区S0011-1")
    assert "営業時間: 00:00〜00:00" in text
    assert "https://www.google.com/maps/search/?api=1&query=35.681" in text
    assert len(_visits(app)) == 1


def test_unknown_hwid_is_ignored(app: Flask, line: LineSide, worker: Drain) -> None:
    user_id, _ = _setup(app, line, member=True)
    line.send(beacon_event(line.platform, user_id, "ffffffffff", "enter"))
    worker()
    assert line.deliveries_to(user_id) == []
    assert _visits(app) == []


def test_blocked_user_gets_nothing(app: Flask, line: LineSide, worker: Drain) -> None:
    user_id = line.add_user()
    with app.app_context():
        make_store("S001", hwids=(HWID,))
        make_user(user_id, blocked=True)
    line.send(beacon_event(line.platform, user_id, HWID, "enter"))
    worker()
    assert line.deliveries_to(user_id) == []
    assert line.calls("/v2/bot/message/*") == []


def test_parallel_workers_agree_on_one_message_slot(app: Flask) -> None:
    results: list[bool] = []
    start = threading.Barrier(8)

    def claim(event_id: str) -> None:
        with app.app_context():
            start.wait()
            results.append(claim_beacon_message(1, 7, event_id))

    threads = [threading.Thread(target=claim, args=(f"E{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    with app.app_context():
        # The holder's own retry may still send; others wait out the window.
        ttl = app.extensions["redis"].ttl("beacon:cooldown:1:u:7")
        assert 23 * 3600 < ttl <= 24 * 3600


def test_visit_day_is_counted_in_bot_timezone(app: Flask) -> None:
    with app.app_context():
        late_evening_utc = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
        assert local_date(late_evening_utc).isoformat() == "2026-03-02"
