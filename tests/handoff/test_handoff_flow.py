"""Reaching a person: asking, buttons, two misses; the bot keeps quiet meanwhile."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.conftest import LineSide
from tests.handoff.helpers import (
    Drain,
    conversations_of,
    last_message,
    load_shipped_faq,
    messages_in,
    texts,
)

MenuSeen = Callable[[str], "str | None"]
OPEN_ALL_WEEK = {"BUSINESS_HOURS": "Mon-Sun 00:00-24:00"}


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    return dict(OPEN_ALL_WEEK)


@pytest.mark.parametrize("phrase", ["スタッフと話したい", "ｵﾍﾟﾚｰﾀｰ", "人に聞きたいです"])
def test_asking_for_a_person_queues_and_acknowledges_once(
    app: Flask, line: LineSide, worker: Drain, menu_seen: MenuSeen, phrase: str
) -> None:
    load_shipped_faq(app)
    user_id = line.add_user()
    line.send(line.follow(user_id))
    worker()
    line.send(line.text(user_id, phrase))
    worker()
    [conversation] = conversations_of(app, user_id)
    assert (conversation.state, conversation.reason) == ("waiting", "asked")
    assert texts(line, user_id)[-1].startswith("スタッフにおつなぎします")
    assert menu_seen(user_id) == "support"

    sent_before = len(line.deliveries_to(user_id))
    line.send(line.text(user_id, "送料はいくらですか"))
    worker()
    line.send(
        line.event(
            "message",
            user_id,
            message={
                "id": "1",
                "type": "sticker",
                "packageId": "1",
                "stickerId": "1",
                "stickerResourceType": "STATIC",
                "quoteToken": "q",
            },
        )
    )
    worker()
    assert len(line.deliveries_to(user_id)) == sent_before
    stored = messages_in(app, conversation.id)
    assert stored[0] == ("customer", "text", phrase)
    assert stored[1][0] == "bot"
    assert stored[2:] == [
        ("customer", "text", "送料はいくらですか"),
        ("customer", "sticker", None),
    ]


def test_quick_reply_button_hands_over(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    user_id = line.add_user()
    line.send(line.postback(user_id, "action=handoff"))
    worker()
    [conversation] = conversations_of(app, user_id)
    assert conversation.reason == "quick_reply"
    line.send(line.postback(user_id, "action=handoff"))
    worker()
    assert len(conversations_of(app, user_id)) == 1
    assert len(texts(line, user_id)) == 1


def test_two_misunderstood_messages_in_a_row_hand_over(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    load_shipped_faq(app)
    user_id = line.add_user()
    line.send(line.text(user_id, "明日の天気はどうなりますか"))
    worker()
    assert conversations_of(app, user_id) == []
    # Offering candidates is not "not understood": the run starts again.
    line.send(line.text(user_id, "ポイントについて"))
    worker()
    assert "faq_pick" in str(last_message(line, user_id)["quickReply"])
    line.send(line.text(user_id, "カラオケに行きたい"))
    worker()
    assert conversations_of(app, user_id) == []
    line.send(line.text(user_id, "今日の夕飯は何にしよう"))
    worker()
    [conversation] = conversations_of(app, user_id)
    assert conversation.reason == "not_understood"
    assert texts(line, user_id)[-1].startswith("うまくお答えできず申し訳ありません")
    customer_texts = [
        t for s, _, t in messages_in(app, conversation.id) if s == "customer"
    ]
    assert customer_texts == ["カラオケに行きたい", "今日の夕飯は何にしよう"]


def test_end_support_from_the_menu_returns_to_the_bot(
    app: Flask, line: LineSide, worker: Drain, menu_seen: MenuSeen
) -> None:
    load_shipped_faq(app)
    user_id = line.add_user()
    line.send(line.follow(user_id))
    line.send(line.text(user_id, "オペレーターお願いします"))
    worker()
    assert menu_seen(user_id) == "support"
    line.send(line.postback(user_id, "action=end_support"))
    worker()
    [conversation] = conversations_of(app, user_id)
    assert (conversation.state, conversation.resolved_by) == ("resolved", "customer")
    assert texts(line, user_id)[-1].startswith("スタッフとの会話を終了しました")
    assert menu_seen(user_id) == "guest"

    line.send(line.text(user_id, "送料はいくらですか"))
    worker()
    assert texts(line, user_id)[-1].startswith("オンラインストアの送料は")
