"""LINE's side of the webhook: build events, sign them and POST them to the bot."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from line_emulator.ids import new_message_id, new_quote_token, new_webhook_event_id
from line_emulator.platform import LinePlatform

# Event types whose webhook carries a reply token (webhook.yml).
REPLYABLE_TYPES = {
    "message",
    "follow",
    "join",
    "memberJoined",
    "postback",
    "videoPlayComplete",
    "beacon",
    "accountLink",
    "things",
    "membership",
}
BEACON_TYPES = ("enter", "banner", "stay")


@dataclass
class DeliveryResult:
    """What the bot answered to one webhook POST."""

    status: int
    body: dict[str, Any]


def sign(channel_secret: str, body: bytes) -> str:
    """Return the X-Line-Signature of a body: base64 HMAC-SHA256 with the secret."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def build_event(
    platform: LinePlatform,
    event_type: str,
    user_id: str,
    fields: dict[str, Any] | None = None,
    reply_token: bool | None = None,
) -> dict[str, Any]:
    """Build a webhook event of any type; issue its reply token when it has one."""
    event: dict[str, Any] = {
        "type": event_type,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": new_webhook_event_id(),
        "deliveryContext": {"isRedelivery": False},
    }
    wants_token = event_type in REPLYABLE_TYPES if reply_token is None else reply_token
    if wants_token:
        event["replyToken"] = platform.issue_reply_token(user_id)
    event.update(copy.deepcopy(fields or {}))
    return event


def follow_event(platform: LinePlatform, user_id: str) -> dict[str, Any]:
    """Build a follow event; the user becomes a friend (and unblocked)."""
    was_blocked = platform.mark_following(user_id)
    return build_event(
        platform, "follow", user_id, {"follow": {"isUnblocked": was_blocked}}
    )


def unfollow_event(platform: LinePlatform, user_id: str) -> dict[str, Any]:
    """Build an unfollow event (no reply token); the user has blocked the bot."""
    platform.mark_blocked(user_id)
    return build_event(platform, "unfollow", user_id)


def text_message_event(
    platform: LinePlatform, user_id: str, text: str
) -> dict[str, Any]:
    """Build a text message event."""
    message_id = new_message_id()
    message = {
        "type": "text",
        "id": message_id,
        "quoteToken": new_quote_token(),
        "markAsReadToken": platform.issue_mark_as_read_token(user_id, message_id),
        "text": text,
    }
    return build_event(platform, "message", user_id, {"message": message})


def sticker_message_event(
    platform: LinePlatform, user_id: str, package_id: str, sticker_id: str
) -> dict[str, Any]:
    """Build a sticker message event."""
    message_id = new_message_id()
    message = {
        "type": "sticker",
        "id": message_id,
        "quoteToken": new_quote_token(),
        "markAsReadToken": platform.issue_mark_as_read_token(user_id, message_id),
        "packageId": str(package_id),
        "stickerId": str(sticker_id),
        "stickerResourceType": "STATIC",
    }
    return build_event(platform, "message", user_id, {"message": message})


def image_message_event(
    platform: LinePlatform,
    user_id: str,
    content: bytes | None = None,
    content_type: str = "image/jpeg",
) -> dict[str, Any]:
    """Build an image message event; its content is served on the data host."""
    message_id = new_message_id()
    if content is not None:
        platform.store_message_content(message_id, content_type, content)
    message = {
        "type": "image",
        "id": message_id,
        "quoteToken": new_quote_token(),
        "markAsReadToken": platform.issue_mark_as_read_token(user_id, message_id),
        "contentProvider": {"type": "line"},
    }
    return build_event(platform, "message", user_id, {"message": message})


def location_message_event(
    platform: LinePlatform,
    user_id: str,
    latitude: float,
    longitude: float,
    title: str | None = None,
    address: str | None = None,
) -> dict[str, Any]:
    """Build a location message event."""
    message: dict[str, Any] = {
        "type": "location",
        "id": new_message_id(),
        "latitude": latitude,
        "longitude": longitude,
    }
    if title is not None:
        message["title"] = title
    if address is not None:
        message["address"] = address
    return build_event(platform, "message", user_id, {"message": message})


def postback_event(
    platform: LinePlatform,
    user_id: str,
    data: str,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build a postback event, with params for datetime pickers and menu switches."""
    postback: dict[str, Any] = {"data": data}
    if params is not None:
        postback["params"] = params
    return build_event(platform, "postback", user_id, {"postback": postback})


def beacon_event(
    platform: LinePlatform,
    user_id: str,
    hwid: str,
    beacon_type: str = "enter",
    dm: str | None = None,
) -> dict[str, Any]:
    """Build a beacon event: enter, banner or stay."""
    if beacon_type not in BEACON_TYPES:
        raise ValueError(f"beacon type must be one of {BEACON_TYPES}")
    beacon = {"hwid": hwid, "type": beacon_type}
    if dm is not None:
        beacon["dm"] = dm
    return build_event(platform, "beacon", user_id, {"beacon": beacon})


def account_link_event(
    platform: LinePlatform, user_id: str, nonce: str, ok: bool
) -> dict[str, Any]:
    """Build an accountLink event; only a successful link carries a reply token."""
    link = {"result": "ok" if ok else "failed", "nonce": nonce}
    return build_event(platform, "accountLink", user_id, {"link": link}, reply_token=ok)


def deliver(platform: LinePlatform, events: list[dict[str, Any]]) -> DeliveryResult:
    """Sign and POST events to the bot's webhook URL; return the bot's answer."""
    for event in events:
        if not event["deliveryContext"]["isRedelivery"]:
            platform.remember_event(event)
    settings = platform.settings
    if not settings.webhook_url:
        raise ValueError("no webhook URL is configured")
    payload = {"destination": settings.bot_user_id, "events": events}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Line-Signature": sign(settings.channel_secret, body),
        "User-Agent": "LineBotWebhook/2.0",
    }
    sender = platform.webhook_sender or _post
    status = sender(settings.webhook_url, body, headers, settings.webhook_timeout)
    return DeliveryResult(status=status, body=payload)


def redeliver(platform: LinePlatform, webhook_event_id: str) -> DeliveryResult:
    """Send an earlier event again, same webhookEventId, marked as a redelivery."""
    event = platform.get_event(webhook_event_id)
    if event is None:
        raise ValueError(f"no event {webhook_event_id} was sent")
    event["deliveryContext"] = {"isRedelivery": True}
    return deliver(platform, [event])


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code
    except OSError:
        # Connection refused or timed out: the bot gave no status at all.
        return 0
