"""The request side of the webhook: LINE's signature and the body's shape."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


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
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedWebhook("body is not JSON") from exc
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise MalformedWebhook("body has no events list")
    return [_parse_event(index, raw) for index, raw in enumerate(document["events"])]


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
    context = raw.get("deliveryContext")
    redelivery = isinstance(context, dict) and context.get("isRedelivery") is True
    timestamp = raw.get("timestamp")
    occurred_at = (
        datetime.fromtimestamp(timestamp / 1000, UTC)
        if isinstance(timestamp, int | float) and timestamp > 0
        else None
    )
    return IncomingEvent(
        webhook_event_id=event_id,
        event_type=event_type,
        line_user_id=user_id if isinstance(user_id, str) else None,
        is_redelivery=redelivery,
        occurred_at=occurred_at,
        payload=raw,
    )
