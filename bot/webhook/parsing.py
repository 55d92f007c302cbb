"""The request side of the webhook: LINE's signature and the body's shape."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
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


def _occurred_at(timestamp: Any) -> datetime | None:
    # A time no calendar holds is kept in the payload and left out here.
    if not isinstance(timestamp, int | float) or isinstance(timestamp, bool):
        return None
    try:
        return datetime.fromtimestamp(timestamp / 1000, UTC) if timestamp > 0 else None
    except (OverflowError, ValueError, OSError):
        return None
