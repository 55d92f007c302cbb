"""The JSON control API under /_emulator/ that tests, demos and benchmarks drive."""

from __future__ import annotations

import base64
import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from line_emulator import webhooks
from line_emulator.api.common import current_platform
from line_emulator.id_tokens import issue_id_token
from line_emulator.platform import LinePlatform
from line_emulator.traffic import Fault

bp = Blueprint("control", __name__, url_prefix="/_emulator")
# Enough for a benchmark's worth of webhooks, small enough to answer in one body.
MAX_BATCH_EVENTS = 100_000
# The kinds build_event_of_kind knows.
EVENT_KINDS = (
    "follow",
    "unfollow",
    "text",
    "sticker",
    "image",
    "location",
    "postback",
    "beacon",
    "accountLink",
    "raw",
)


@bp.errorhandler(ValueError)
@bp.errorhandler(TypeError)
@bp.errorhandler(KeyError)
def bad_control_request(exc: Exception) -> tuple[Response, int]:
    """Answer a control call the emulator cannot carry out."""
    return jsonify({"error": str(exc)}), 400


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True, force=True)
    return body if isinstance(body, dict) else {}


@bp.post("/reset")
def reset() -> Any:
    """Forget all state; {"settings": true} also restores the first settings."""
    current_platform().reset(settings=bool(_body().get("settings")))
    return {}


@bp.get("/config")
def get_config() -> Any:
    """Answer the current settings."""
    return current_platform().settings.public_view()


@bp.post("/config")
def configure() -> Any:
    """Change settings (channel_secret, access_tokens, webhook_url, ...)."""
    platform = current_platform()
    platform.configure(**_body())
    return platform.settings.public_view()


@bp.get("/users")
def list_users() -> Any:
    """List users."""
    return {"users": [user.as_dict() for user in current_platform().users()]}


@bp.post("/users")
def add_user() -> Any:
    """Add a user or update the given fields of an existing one."""
    return current_platform().add_user(**_body()).as_dict()


@bp.get("/users/<user_id>/messages")
def user_messages(user_id: str) -> Any:
    """List what the bot sent to a user (delivered or not)."""
    deliveries = current_platform().deliveries(user_id)
    return {"deliveries": [delivery.as_dict() for delivery in deliveries]}


@bp.get("/users/<user_id>/richmenu")
def user_rich_menu(user_id: str) -> Any:
    """Answer the rich menu a user sees: linked, else the default."""
    platform = current_platform()
    with platform.lock:
        rich_menu_id, source = platform.state.rich_menus.effective_menu_id(user_id)
    return {"richMenuId": rich_menu_id, "source": source}


@bp.get("/calls")
def list_calls() -> Any:
    """List recorded calls, filtered by ?path= (fnmatch) and ?method=."""
    platform = current_platform()
    with platform.lock:
        found = platform.state.calls.find(
            request.args.get("path"), request.args.get("method")
        )
        return {"calls": [call.as_dict() for call in found]}


@bp.delete("/calls")
def clear_calls() -> Any:
    """Forget recorded calls."""
    platform = current_platform()
    with platform.lock:
        platform.state.calls.clear()
    return {}


@bp.post("/faults")
def add_fault() -> Any:
    """Make the next `count` calls matching `path` answer `status`."""
    body = _body()
    fault = Fault(
        path=body["path"],
        status=int(body.get("status", 500)),
        remaining=int(body.get("count", 1)),
        mode=body.get("mode", "before"),
        method=body.get("method"),
        body=body.get("body"),
    )
    platform = current_platform()
    with platform.lock:
        platform.state.faults.add(fault)
    return fault.as_dict()


@bp.delete("/faults")
def clear_faults() -> Any:
    """Drop every pending fault."""
    platform = current_platform()
    with platform.lock:
        platform.state.faults.clear()
    return {}


def build_event_of_kind(
    platform: LinePlatform, kind: str, user_id: str, fields: dict[str, Any]
) -> dict[str, Any]:
    """Build an event from a kind name and its fields, as the control API takes."""
    if kind == "follow":
        return webhooks.follow_event(platform, user_id)
    platform.require_user(user_id)
    if kind == "unfollow":
        return webhooks.unfollow_event(platform, user_id)
    if kind == "text":
        return webhooks.text_message_event(platform, user_id, fields["text"])
    if kind == "sticker":
        return webhooks.sticker_message_event(
            platform, user_id, fields["packageId"], fields["stickerId"]
        )
    if kind == "image":
        content = fields.get("contentBase64")
        return webhooks.image_message_event(
            platform,
            user_id,
            base64.b64decode(content) if content else None,
            fields.get("contentType", "image/jpeg"),
        )
    if kind == "location":
        return webhooks.location_message_event(
            platform,
            user_id,
            fields["latitude"],
            fields["longitude"],
            fields.get("title"),
            fields.get("address"),
        )
    if kind == "postback":
        return webhooks.postback_event(
            platform, user_id, fields["data"], fields.get("params")
        )
    if kind == "beacon":
        return webhooks.beacon_event(
            platform,
            user_id,
            fields["hwid"],
            fields.get("type", "enter"),
            fields.get("dm"),
        )
    if kind == "accountLink":
        return webhooks.account_link_event(
            platform, user_id, fields["nonce"], fields.get("result", "ok") == "ok"
        )
    if kind == "raw":
        event = dict(fields["event"])
        return webhooks.build_event(
            platform, event.pop("type"), user_id, event, fields.get("replyToken")
        )
    raise ValueError(f"unknown event kind {kind}")


@bp.post("/events")
def send_event() -> Any:
    """Build an event and POST it to the bot; {"deliver": false} only builds it."""
    body = _body()
    platform = current_platform()
    event = build_event_of_kind(
        platform, body["kind"], body["userId"], body.get("fields", {})
    )
    if body.get("deliver", True) is False:
        platform.remember_event(event)
        return {"status": None, "event": event}
    result = webhooks.deliver(platform, [event])
    return {"status": result.status, "event": event}


@bp.post("/events/batch")
def build_event_batch() -> Any:
    """Build `count` events for `users` new friends; answer signed webhook bodies.

    Nothing is POSTed: a load generator sends the bodies itself. Each body holds
    one event with its own webhookEventId and, where the kind has one, a reply
    token this emulator accepts. `users` (a number of new friends, or a list of
    known user ids) are used in turn.
    """
    body = _body()
    count = int(body["count"])
    if not 1 <= count <= MAX_BATCH_EVENTS:
        raise ValueError(f"count must be 1 to {MAX_BATCH_EVENTS}")
    if body["kind"] not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {body['kind']}")
    platform = current_platform()
    users = body.get("users", 1)
    if isinstance(users, list):
        user_ids = [platform.require_user(str(user_id)).user_id for user_id in users]
    else:
        user_ids = [platform.add_user().user_id for _ in range(int(users))]
    if not user_ids:
        raise ValueError("users must name or create at least one user")
    settings = platform.settings
    webhooks_out = []
    for number in range(count):
        event = build_event_of_kind(
            platform,
            body["kind"],
            user_ids[number % len(user_ids)],
            body.get("fields", {}),
        )
        platform.remember_event(event)
        payload = {"destination": settings.bot_user_id, "events": [event]}
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        webhooks_out.append(
            {
                "body": raw.decode(),
                "signature": webhooks.sign(settings.channel_secret, raw),
            }
        )
    return {"userIds": user_ids, "webhooks": webhooks_out}


@bp.get("/stats")
def stats() -> Any:
    """Answer counts of recorded calls and deliveries, and the last delivery time."""
    platform = current_platform()
    with platform.lock:
        calls = platform.state.calls
        deliveries = platform.state.deliveries
        return {
            "calls": len(calls.calls),
            "callsByStatus": dict(calls.by_status),
            "deliveries": dict(platform.state.delivered_via),
            "lastDeliveryAt": deliveries[-1].timestamp if deliveries else None,
        }


@bp.post("/events/<webhook_event_id>/redeliver")
def redeliver(webhook_event_id: str) -> Any:
    """Send an earlier event again, marked isRedelivery."""
    result = webhooks.redeliver(current_platform(), webhook_event_id)
    return {"status": result.status, "event": result.body["events"][0]}


@bp.post("/id-tokens")
def new_id_token() -> Any:
    """Issue a LIFF / LINE Login ID token for a user and a login channel id."""
    body = _body()
    platform = current_platform()
    user = platform.require_user(body["userId"])
    token = issue_id_token(
        platform.settings.login_channel_secret,
        user.user_id,
        str(body["channelId"]),
        name=user.display_name,
        picture=user.picture_url,
        nonce=body.get("nonce"),
        expires_in=int(body.get("expiresIn", 3600)),
    )
    return {"idToken": token}
