"""The member menu's ポイント・履歴 and クーポン tiles answer in the chat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask

from bot.extensions import db
from bot.models_base import utcnow
from bot.points.service import award_points, redeem_points
from tests.conftest import LineSide
from tests.pos.factories import make_member

DAY = timedelta(days=1)


def _texts_in(message: dict) -> list[str]:
    """Every text of a Flex message, in reading order."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message["contents"])
    return found


def test_points_tile_shows_balance_next_expiry_and_last_five_entries(
    app: Flask, line: LineSide, worker: Callable[[], None]
) -> None:
    user_id = line.add_user("山田 花子")
    member = make_member(app, line_user_id=user_id)
    start = utcnow() - 100 * DAY
    with app.app_context():
        for i in range(6):
            award_points(member["id"], 100 * (i + 1), f"pos:S1:{i}", start + i * DAY)
        redeem_points(member["id"], 50, "pos:S1:r", start + 10 * DAY)
        db.session.commit()

    line.send(line.postback(user_id, "action=points"))
    worker()

    [delivery] = line.deliveries_to(user_id)
    assert delivery.via == "reply"
    [message] = delivery.messages
    assert message["type"] == "flex"
    assert message["altText"] == "ポイント残高 2,050 pt"
    texts = _texts_in(message)
    assert "2,050 pt" in texts
    # The first lot (100 pt, earned 100 days ago) is the next to lapse, in a year.
    lapse = (start + 365 * DAY).astimezone(app.config["SETTINGS"].timezone)
    assert f"50 pt が {lapse:%Y/%m/%d} に失効します" in texts
    rows = [t for t in texts if t.endswith(" pt") and t[0] in "+-"]
    assert rows == ["-50 pt", "+600 pt", "+500 pt", "+400 pt", "+300 pt"]
    button = message["contents"]["footer"]["contents"][0]
    assert button["action"]["label"] == "会員証を開く"
    assert button["action"]["uri"].endswith("/liff/card")


def test_points_tile_tells_a_guest_how_to_link(
    app: Flask, line: LineSide, worker: Callable[[], None]
) -> None:
    user_id = line.add_user()
    line.send(line.postback(user_id, "action=points"))
    worker()
    [(via, text)] = line.texts_to(user_id)
    assert via == "reply"
    assert "会員番号とLINEを連携すると" in text


def test_coupons_tile_answers_instead_of_unknown_action(
    app: Flask, line: LineSide, worker: Callable[[], None]
) -> None:
    user_id = line.add_user()
    make_member(app, line_user_id=user_id)
    line.send(line.postback(user_id, "action=coupons"))
    worker()
    [(via, text)] = line.texts_to(user_id)
    assert via == "reply"
    assert "クーポン" in text
    assert "ご利用いただけません" not in text
