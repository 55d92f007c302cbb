"""What a user can do on the simulated phone, turned into LINE webhook events."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from line_emulator import webhooks
from line_emulator.platform import LinePlatform
from line_emulator.users import EmulatedUser

# Kinds a friend can send; follow/block/unblock change the friendship instead.
MESSAGE_KINDS = (
    "text",
    "sticker",
    "image",
    "location",
    "postback",
    "richmenuswitch",
    "beacon",
)
FRIENDSHIP_KINDS = ("follow", "block", "unblock")
SWITCH_SUCCESS = "SUCCESS"
SWITCH_ALIAS_NOT_FOUND = "RICHMENU_ALIAS_ID_NOTFOUND"


class ActionRefused(Exception):
    """The user cannot do this now (e.g. message a bot they have blocked)."""


@dataclass
class ActionResult:
    """The event sent, the bot's HTTP status, and what the page should switch to."""

    event: dict[str, Any]
    status: int
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the result as the page's JSON."""
        return {"status": self.status, "event": self.event, **self.extra}


def _shown_text(text: str) -> dict[str, Any]:
    return {"from": "user", "message": {"type": "text", "text": text}}


def _note(text: str) -> dict[str, Any]:
    return {"from": "system", "text": text}


def _friendship_event(
    platform: LinePlatform, user: EmulatedUser, kind: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    if kind == "block":
        if not user.is_friend:
            raise ActionRefused("only a friend can block the bot")
        return webhooks.unfollow_event(platform, user.user_id), _note(
            "ブロックしました"
        )
    if kind == "unblock" and not user.is_blocked:
        raise ActionRefused("the bot is not blocked")
    if kind == "follow" and user.is_friend:
        raise ActionRefused("already a friend")
    note = "ブロックを解除しました" if user.is_blocked else "友だち追加しました"
    return webhooks.follow_event(platform, user.user_id), _note(note)


def _beacon_label(platform: LinePlatform, hwid: str) -> str:
    for beacon in platform.settings.simulator_beacons:
        if str(beacon.get("hwid")) == hwid and beacon.get("label"):
            return f"{beacon['label']} ({hwid})"
    return hwid


def _switch_menu(
    platform: LinePlatform, user_id: str, action: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    alias_id = str(action["richMenuAliasId"])
    with platform.lock:
        rich_menu_id = platform.state.rich_menus.aliases.get(alias_id)
    status = SWITCH_SUCCESS if rich_menu_id else SWITCH_ALIAS_NOT_FOUND
    params = {"newRichMenuAliasId": alias_id, "status": status}
    event = webhooks.postback_event(platform, user_id, str(action["data"]), params)
    return event, {"richMenuId": rich_menu_id, "switchStatus": status}


def _message_event(
    platform: LinePlatform, user_id: str, kind: str, action: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Build the event for a message-like action and what the chat shows for it."""
    if kind == "text":
        text = str(action["text"])
        return webhooks.text_message_event(platform, user_id, text), _shown_text(text)
    if kind == "sticker":
        event = webhooks.sticker_message_event(
            platform, user_id, str(action["packageId"]), str(action["stickerId"])
        )
        return event, {"from": "user", "message": event["message"]}
    if kind == "image":
        content = base64.b64decode(action["contentBase64"])
        event = webhooks.image_message_event(
            platform, user_id, content, action.get("contentType", "image/png")
        )
        shown = {"type": "image", "id": event["message"]["id"]}
        return event, {"from": "user", "message": shown}
    if kind == "location":
        event = webhooks.location_message_event(
            platform,
            user_id,
            float(action["latitude"]),
            float(action["longitude"]),
            action.get("title") or None,
            action.get("address") or None,
        )
        return event, {"from": "user", "message": event["message"]}
    if kind == "postback":
        event = webhooks.postback_event(
            platform, user_id, str(action["data"]), action.get("params") or None
        )
        # LINE shows displayText (or the old `text`) as the user's own message.
        shown = action.get("displayText") or action.get("text")
        return event, _shown_text(str(shown)) if shown else None
    hwid, beacon_type = str(action["hwid"]), action.get("type", "enter")
    event = webhooks.beacon_event(platform, user_id, hwid, beacon_type)
    label = _beacon_label(platform, hwid)
    return event, _note(f"ビーコン {beacon_type}: {label}")


def perform_action(
    platform: LinePlatform, user_id: str, action: dict[str, Any]
) -> ActionResult:
    """Record what the user's chat shows, then send the event to the bot."""
    kind = action.get("kind")
    user = platform.get_user(user_id)
    if user is None:
        raise LookupError(f"unknown user {user_id}")
    if not platform.settings.webhook_url:
        raise ActionRefused("the emulator has no webhook URL: configure webhook_url")
    extra: dict[str, Any] = {}
    shown: dict[str, Any] | None
    if kind in FRIENDSHIP_KINDS:
        event, shown = _friendship_event(platform, user, str(kind))
    elif kind in MESSAGE_KINDS:
        if not user.can_receive:
            raise ActionRefused("add the bot as a friend (or unblock it) first")
        if kind == "richmenuswitch":
            event, extra = _switch_menu(platform, user_id, action)
            shown = None
        else:
            event, shown = _message_event(platform, user_id, str(kind), action)
    else:
        raise ValueError(f"unknown action kind {kind}")
    if shown is not None:
        # Recorded before the POST: a bot that replies at once replies after it.
        platform.record_user_side(user_id, shown)
    result = webhooks.deliver(platform, [event])
    return ActionResult(event=event, status=result.status, extra=extra)
