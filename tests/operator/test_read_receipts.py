"""The customer sees their messages read once an operator opens the conversation."""

import pytest
from flask import Flask

from tests.conftest import LineSide
from tests.handoff.helpers import (
    Drain,
    conversations_of,
    load_shipped_faq,
    signed_in_operator,
)


@pytest.fixture
def settings_overrides() -> dict[str, str]:
    return {"BUSINESS_HOURS": "Mon-Sun 00:00-24:00"}


def test_opening_a_waiting_conversation_marks_the_customer_messages_read(
    app: Flask, line: LineSide, worker: Drain
) -> None:
    load_shipped_faq(app)
    user_id = line.add_user()
    asked = line.text(user_id, "スタッフと話したい")
    line.send(asked)
    worker()
    later = line.text(user_id, "注文番号は12345です")
    line.send(later)
    worker()
    assert line.calls("/v2/bot/chat/markAsRead") == []
    [conversation] = conversations_of(app, user_id)
    client = signed_in_operator(app, "sato@example.com")

    page = client.get(f"/operator/conversations/{conversation.id}")
    assert page.status_code == 200
    worker()

    [call] = line.calls("/v2/bot/chat/markAsRead")
    assert call.status == 200
    assert call.body == {"markAsReadToken": later["message"]["markAsReadToken"]}
    assert line.platform.read_message_ids() == {
        asked["message"]["id"],
        later["message"]["id"],
    }
    client.get(f"/operator/api/conversations/{conversation.id}/messages")
    worker()
    assert len(line.calls("/v2/bot/chat/markAsRead")) == 1  # nothing new to read
