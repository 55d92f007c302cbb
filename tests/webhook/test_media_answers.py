"""Stickers and images get an answer a shop would give, not "not ready yet"."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from line_emulator.webhooks import build_event, sticker_message_event
from tests.conftest import LineSide

Drain = Callable[[], None]


def test_a_sticker_is_answered_with_a_sticker(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user()
    line.send(sticker_message_event(line.platform, user_id, "446", "1988"))
    worker()
    [delivery] = line.deliveries_to(user_id)
    assert delivery.via == "reply" and delivery.delivered
    assert [m["type"] for m in delivery.messages] == ["sticker"]
    assert delivery.messages[0]["packageId"] == "11537"


def test_an_image_gets_a_text_that_says_what_the_bot_can_do(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user()
    image = {
        "type": "image",
        "id": "325708",
        "contentProvider": {"type": "line"},
        "quoteToken": "q",
    }
    line.send(build_event(line.platform, "message", user_id, {"message": image}))
    worker()
    [(via, text)] = line.texts_to(user_id)
    assert via == "reply"
    assert text.startswith("画像をお送りいただきありがとうございます")
    assert "スタッフに相談" in text
    assert "準備中" not in text
