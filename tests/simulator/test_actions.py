"""Actions on the simulated phone become the webhook events LINE would send."""

from __future__ import annotations

import json
from typing import Any

import pytest

from line_emulator.platform import LinePlatform
from line_emulator.simulator.actions import ActionRefused, perform_action
from line_emulator.simulator.talk import talk_since


class RecordingBot:
    """A webhook sender that keeps every event the emulator POSTs."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, url: str, body: bytes, headers: dict, timeout: float) -> int:
        self.events.extend(json.loads(body)["events"])
        return 200


@pytest.fixture
def bot() -> RecordingBot:
    return RecordingBot()


@pytest.fixture
def platform(bot: RecordingBot) -> LinePlatform:
    return LinePlatform(
        webhook_sender=bot,
        webhook_url="http://127.0.0.1:9/callback",
        simulator_beacons=[{"hwid": "00000000aa", "label": "梅田店"}],
    )


def _shown(platform: LinePlatform, user_id: str) -> list[dict[str, Any]]:
    return talk_since(*platform.user_talk(user_id)).items


def test_follow_block_unblock(platform: LinePlatform, bot: RecordingBot) -> None:
    user_id = platform.add_user(display_name="花子", is_friend=False).user_id

    perform_action(platform, user_id, {"kind": "follow"})
    perform_action(platform, user_id, {"kind": "block"})
    perform_action(platform, user_id, {"kind": "unblock"})

    assert [(e["type"], e.get("follow")) for e in bot.events] == [
        ("follow", {"isUnblocked": False}),
        ("unfollow", None),
        ("follow", {"isUnblocked": True}),
    ]
    notes = [item["text"] for item in _shown(platform, user_id)]
    assert notes == ["友だち追加しました", "ブロックしました", "ブロックを解除しました"]


def test_friendship_actions_must_fit_the_state(platform: LinePlatform) -> None:
    user_id = platform.add_user(display_name="花子").user_id

    with pytest.raises(ActionRefused):
        perform_action(platform, user_id, {"kind": "follow"})
    with pytest.raises(ActionRefused):
        perform_action(platform, user_id, {"kind": "unblock"})


def test_a_blocked_or_new_user_cannot_send(platform: LinePlatform) -> None:
    stranger = platform.add_user(display_name="花子", is_friend=False).user_id

    with pytest.raises(ActionRefused):
        perform_action(platform, stranger, {"kind": "text", "text": "やあ"})
    assert platform.state.user_side == []


def test_postback_shows_its_display_text(
    platform: LinePlatform, bot: RecordingBot
) -> None:
    user_id = platform.add_user(display_name="花子").user_id

    perform_action(
        platform,
        user_id,
        {"kind": "postback", "data": "action=link", "displayText": "会員登録・連携"},
    )
    perform_action(platform, user_id, {"kind": "postback", "data": "action=quiet"})

    assert [e["postback"] for e in bot.events] == [
        {"data": "action=link"},
        {"data": "action=quiet"},
    ]
    shown = _shown(platform, user_id)
    assert [item["message"]["text"] for item in shown] == ["会員登録・連携"]


def test_datetimepicker_params_pass_through(
    platform: LinePlatform, bot: RecordingBot
) -> None:
    user_id = platform.add_user(display_name="花子").user_id

    perform_action(
        platform,
        user_id,
        {
            "kind": "postback",
            "data": "reserve",
            "params": {"datetime": "2025-05-01T10:30"},
        },
    )

    assert bot.events[0]["postback"]["params"] == {"datetime": "2025-05-01T10:30"}


def test_richmenuswitch_resolves_the_alias(
    platform: LinePlatform, bot: RecordingBot
) -> None:
    user_id = platform.add_user(display_name="花子").user_id
    with platform.lock:
        platform.state.rich_menus.aliases["tab-b"] = "richmenu-b"

    found = perform_action(
        platform,
        user_id,
        {"kind": "richmenuswitch", "richMenuAliasId": "tab-b", "data": "tab=b"},
    )
    missing = perform_action(
        platform,
        user_id,
        {"kind": "richmenuswitch", "richMenuAliasId": "nope", "data": "tab=x"},
    )

    assert found.as_dict()["richMenuId"] == "richmenu-b"
    assert missing.as_dict()["richMenuId"] is None
    assert [e["postback"] for e in bot.events] == [
        {
            "data": "tab=b",
            "params": {"newRichMenuAliasId": "tab-b", "status": "SUCCESS"},
        },
        {
            "data": "tab=x",
            "params": {
                "newRichMenuAliasId": "nope",
                "status": "RICHMENU_ALIAS_ID_NOTFOUND",
            },
        },
    ]
    assert _shown(platform, user_id) == []


def test_location_sticker_image_and_beacon(
    platform: LinePlatform, bot: RecordingBot
) -> None:
    user_id = platform.add_user(display_name="花子").user_id

    perform_action(
        platform,
        user_id,
        {"kind": "location", "latitude": 35.1, "longitude": 139.2, "title": "渋谷店"},
    )
    perform_action(
        platform, user_id, {"kind": "sticker", "packageId": 1, "stickerId": 2}
    )
    perform_action(
        platform, user_id, {"kind": "image", "contentBase64": "iVBORw0KGgo="}
    )
    perform_action(platform, user_id, {"kind": "beacon", "hwid": "00000000aa"})

    location, sticker, image, beacon = bot.events
    assert location["message"]["title"] == "渋谷店"
    assert "address" not in location["message"]
    assert (sticker["message"]["packageId"], sticker["message"]["stickerId"]) == (
        "1",
        "2",
    )
    assert platform.message_content(image["message"]["id"])[1].startswith(b"\x89PNG")
    assert beacon["beacon"] == {"hwid": "00000000aa", "type": "enter"}
    shown = _shown(platform, user_id)
    assert [item.get("message", {}).get("type") for item in shown[:3]] == [
        "location",
        "sticker",
        "image",
    ]
    assert shown[3]["text"] == "ビーコン enter: 梅田店 (00000000aa)"


def test_no_webhook_url_changes_nothing(bot: RecordingBot) -> None:
    platform = LinePlatform(webhook_sender=bot)
    user_id = platform.add_user(display_name="花子", is_friend=False).user_id

    with pytest.raises(ActionRefused):
        perform_action(platform, user_id, {"kind": "follow"})

    assert not platform.get_user(user_id).is_friend
    assert bot.events == []


def test_unknown_user_and_kind(platform: LinePlatform) -> None:
    user_id = platform.add_user(display_name="花子").user_id

    with pytest.raises(LookupError):
        perform_action(platform, "U" + "0" * 32, {"kind": "follow"})
    with pytest.raises(ValueError):
        perform_action(platform, user_id, {"kind": "dance"})
