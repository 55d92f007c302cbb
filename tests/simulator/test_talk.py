"""Merging what the bot sent and what the user did into one talk, by cursor."""

from __future__ import annotations

from line_emulator.platform import LinePlatform
from line_emulator.simulator.talk import talk_since


def _texts(items: list[dict]) -> list[str]:
    return [
        item["message"]["text"] if item["from"] != "system" else f"({item['text']})"
        for item in items
    ]


def _platform_with_user() -> tuple[LinePlatform, str]:
    platform = LinePlatform()
    return platform, platform.add_user(display_name="花子").user_id


def test_user_messages_go_before_the_replies_that_followed_them() -> None:
    platform, user_id = _platform_with_user()
    say = {"from": "user", "message": {"type": "text", "text": "こんにちは"}}
    platform.record_user_side(user_id, {"from": "system", "text": "友だち追加しました"})
    platform.push(user_id, [{"type": "text", "text": "ようこそ"}], "req-1")
    platform.record_user_side(user_id, say)
    platform.push(user_id, [{"type": "text", "text": "はい"}], "req-2")

    talk = talk_since(*platform.user_talk(user_id))

    assert _texts(talk.items) == [
        "(友だち追加しました)",
        "ようこそ",
        "こんにちは",
        "はい",
    ]
    assert [item["from"] for item in talk.items] == ["system", "bot", "user", "bot"]
    assert (talk.deliveries_seen, talk.user_side_seen) == (2, 2)


def test_the_cursor_answers_only_what_is_new() -> None:
    platform, user_id = _platform_with_user()
    platform.push(user_id, [{"type": "text", "text": "一"}], "req-1")
    first = talk_since(*platform.user_talk(user_id))
    platform.push(
        user_id, [{"type": "text", "text": "二"}, {"type": "text", "text": "三"}], "r"
    )

    second = talk_since(
        *platform.user_talk(user_id), first.deliveries_seen, first.user_side_seen
    )

    assert _texts(second.items) == ["二", "三"]
    assert second.as_dict()["cursor"] == {"deliveries": 2, "userSide": 0}
    assert not second.restarted


def test_other_users_and_undelivered_pushes_are_left_out() -> None:
    platform, user_id = _platform_with_user()
    other = platform.add_user(display_name="太郎").user_id
    platform.push(other, [{"type": "text", "text": "太郎さんへ"}], "req-1")
    platform.mark_blocked(user_id)
    platform.push(user_id, [{"type": "text", "text": "ブロック中"}], "req-2")

    talk = talk_since(*platform.user_talk(user_id))

    assert talk.items == []
    assert talk.deliveries_seen == 1


def test_a_cursor_past_the_end_restarts_after_a_reset() -> None:
    platform, user_id = _platform_with_user()
    platform.push(user_id, [{"type": "text", "text": "一"}], "req-1")

    talk = talk_since(*platform.user_talk(user_id), deliveries_seen=5)

    assert talk.restarted
    assert _texts(talk.items) == ["一"]


def test_reset_forgets_what_users_did() -> None:
    platform, user_id = _platform_with_user()
    platform.record_user_side(user_id, {"from": "system", "text": "x"})

    platform.reset()

    assert platform.state.user_side == []
