"""In a group chat or a room the bot says nothing and changes nobody's state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.handoff.models import Conversation
from tests.conftest import LineSide
from tests.handoff.helpers import load_shipped_faq

Drain = Callable[[], None]


def _in(chat: str, event: dict[str, Any]) -> dict[str, Any]:
    source = {"type": chat, "userId": event["source"]["userId"]}
    source["groupId" if chat == "group" else "roomId"] = "C" + "1" * 32
    return {**event, "source": source}


@pytest.mark.parametrize("chat", ["group", "room"])
def test_asking_for_staff_in_a_group_opens_no_handoff(
    app: Flask, line: LineSide, worker: Drain, chat: str
) -> None:
    # Answered in the group, it opened a handoff for the sender, switched
    # their own rich menu and held their next messages for operators; a
    # points postback would have shown their balance to the whole group.
    load_shipped_faq(app)
    user_id = line.add_user("山田 花子")
    line.send(line.follow(user_id))
    worker()
    before = len(line.deliveries_to(user_id))
    menu_before = line.platform.state.rich_menus.effective_menu_id(user_id)

    assert line.send(_in(chat, line.text(user_id, "スタッフと話したい"))) == 200
    assert line.send(_in(chat, line.postback(user_id, "action=points"))) == 200
    worker()

    assert len(line.deliveries_to(user_id)) == before
    assert line.platform.state.rich_menus.effective_menu_id(user_id) == menu_before
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Conversation.id))) == 0
