"""The request side of the webhook: LINE's signature and the body's shape."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.requests import UNSTORABLE_CHARACTER


class MalformedWebhook(ValueError):
    """The body is signed correctly but is not a LINE webhook body."""


@dataclass(frozen=True)
class IncomingEvent:
    """The fields of one event that the pipeline itself needs."""

    webhook_event_id: str
    event_type: str
    line_user_id: str | None
    is_redelivery: bool
    occurred_at: datetime | None
    payload: dict[str, Any]


def signature_is_valid(channel_secret: str, body: bytes, signature: str | None) -> bool:
    """Check X-Line-Signature over the raw body in constant time."""
    if not signature:
        return False
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    expected = base64.b64encode(digest)
    return hmac.compare_digest(expected, signature.encode("ascii", "replace"))


def parse_webhook_body(body: bytes) -> list[IncomingEvent]:
    """Parse the body into events; anything but LINE's envelope is malformed."""
    try:
        document = _DECODER.decode(body.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedWebhook("body is not JSON") from exc
    except RecursionError as exc:
        raise MalformedWebhook("body is nested too deeply") from exc
    except ValueError as exc:  # an integer past Python's 4,300-digit limit
        raise MalformedWebhook("body holds a number too long to read") from exc
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise MalformedWebhook("body has no events list")
    if b"\\u" in body:
        # Only a \u escape can put these in a string of valid UTF-8 JSON.
        _refuse_unstorable_strings(document)
    return [_parse_event(index, raw) for index, raw in enumerate(document["events"])]


def _refuse_constant(name: str) -> Any:
    raise MalformedWebhook(f"body holds {name}, which JSON does not allow")


# One decoder for every request: json.loads with an option builds a new one.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _refuse_unstorable_strings(document: Any) -> None:
    """Refuse NUL characters and lone surrogates in any key or string value."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and UNSTORABLE_CHARACTER.search(node):
            raise MalformedWebhook("a string holds NUL or a lone surrogate")


def _parse_event(index: int, raw: Any) -> IncomingEvent:
    if not isinstance(raw, dict):
        raise MalformedWebhook(f"events[{index}] is not an object")
    event_id, event_type = raw.get("webhookEventId"), raw.get("type")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 64:
        raise MalformedWebhook(f"events[{index}].webhookEventId is missing")
    if not isinstance(event_type, str) or not 0 < len(event_type) <= 40:
        raise MalformedWebhook(f"events[{index}].type is missing")
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    user_id = source.get("userId")
    if isinstance(user_id, str) and not 0 < len(user_id) <= 64:
        raise MalformedWebhook(f"events[{index}].source.userId is not a user id")
    context = raw.get("deliveryContext")
    redelivery = isinstance(context, dict) and context.get("isRedelivery") is True
    return IncomingEvent(
        webhook_event_id=event_id,
        event_type=event_type,
        line_user_id=user_id if isinstance(user_id, str) else None,
        is_redelivery=redelivery,
        occurred_at=_occurred_at(raw.get("timestamp")),
        payload=raw,
    )


def _is_text(value: Any, longest: int) -> bool:
    return isinstance(value, str) and len(value) <= longest


def _is_coordinate(value: Any, limit: float) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and -limit <= value <= limit
    )


def _message_problem(message: dict[str, Any]) -> str | None:
    kind = message.get("type")
    if not _is_text(kind, 40):
        return "message.type is missing"
    # LINE caps a text at 5,000 characters (UTF-16 units, so at most 5,000 here).
    if kind == "text" and not _is_text(message.get("text"), 5000):
        return "message.text is not a text of at most 5,000 characters"
    if kind == "location" and not (
        _is_coordinate(message.get("latitude"), 90)
        and _is_coordinate(message.get("longitude"), 180)
    ):
        return "message has no latitude and longitude"
    return None


# The parts of each event type that handlers read, as LINE documents them:
# (field, check of its object) -- a signed body that breaks one is not LINE's.
_EVENT_PARTS: dict[str, tuple[str, Callable[[dict[str, Any]], str | None]]] = {
    "message": ("message", _message_problem),
    "postback": (
        "postback",
        lambda part: None if _is_text(part.get("data"), 300) else "data",
    ),
    "beacon": (
        "beacon",
        lambda part: None
        if _is_text(part.get("hwid"), 10) and _is_text(part.get("type"), 16)
        else "hwid or type",
    ),
    "accountLink": (
        "link",
        lambda part: None
        if _is_text(part.get("result"), 16) and _is_text(part.get("nonce", ""), 255)
        else "result or nonce",
    ),
}
# Optional parts: when present they must be objects.
_OPTIONAL_OBJECTS = {"follow": "follow"}


def payload_problem(raw: dict[str, Any]) -> str | None:
    """Say which part of an event a handler reads is missing or of the wrong kind.

    The webhook stores such an event like any other (nothing LINE sends is
    refused for one odd event); the dispatcher checks it here before a
    handler runs, and finishes it without an answer.
    """
    token = raw.get("replyToken")
    if token is not None and not _is_text(token, 255):
        return "replyToken is not a string"
    event_type = raw["type"]
    optional = _OPTIONAL_OBJECTS.get(event_type)
    if optional and optional in raw and not isinstance(raw[optional], dict):
        return f"{optional} is not an object"
    if event_type not in _EVENT_PARTS:
        return None
    field, check = _EVENT_PARTS[event_type]
    part = raw.get(field)
    if not isinstance(part, dict):
        return f"{field} is not an object"
    problem = check(part)
    if problem is None:
        return None
    return problem if problem.startswith(field) else f"{field}.{problem} is not valid"


def _occurred_at(timestamp: Any) -> datetime | None:
    # A time no calendar holds is kept in the payload and left out here.
    if not isinstance(timestamp, int | float) or isinstance(timestamp, bool):
        return None
    try:
        return datetime.fromtimestamp(timestamp / 1000, UTC) if timestamp > 0 else None
    except (OverflowError, ValueError, OSError):
        return None
