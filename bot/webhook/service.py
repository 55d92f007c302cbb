"""Webhook rules: signature, body shape, and insert-if-new."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import TextClause, bindparam, text

from bot.extensions import db
from bot.models_base import utcnow
from bot.webhook.models import PENDING, WebhookEvent

# The columns a new event row is inserted with; the rest start empty.
INSERTED_COLUMNS = (
    "webhook_event_id",
    "event_type",
    "line_user_id",
    "is_redelivery",
    "occurred_at",
    "payload",
    "status",
    "attempts",
    "received_at",
)


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


def store_new_events(events: list[IncomingEvent]) -> list[int]:
    """Insert the events not seen before and return the ids of the new rows.

    The unique webhookEventId decides: two deliveries racing on two workers
    both try the insert and the database lets exactly one of them win.
    """
    received_at = utcnow()
    new_ids = []
    for e in events:
        row = {
            "webhook_event_id": e.webhook_event_id,
            "event_type": e.event_type,
            "line_user_id": e.line_user_id,
            "is_redelivery": e.is_redelivery,
            "occurred_at": e.occurred_at,
            "payload": e.payload,
            "status": PENDING,
            "attempts": 0,
            "received_at": received_at,
        }
        new_id = db.session.execute(_insert_if_new(), row).scalar()
        if new_id is not None:
            new_ids.append(new_id)
    return new_ids


@functools.cache
def _insert_if_new() -> TextClause:
    # Plain SQL on purpose: SQLAlchemy never caches the compiled form of the
    # dialects' INSERT .. ON CONFLICT, and compiling it took a quarter of the
    # webhook's CPU. PostgreSQL and SQLite (3.35+) both run this text.
    table = WebhookEvent.__table__
    names = list(INSERTED_COLUMNS)
    return text(
        f"INSERT INTO {table.name} ({', '.join(names)})"
        f" VALUES ({', '.join(':' + name for name in names)})"
        " ON CONFLICT (webhook_event_id) DO NOTHING RETURNING id"
    ).bindparams(*(bindparam(name, type_=table.c[name].type) for name in names))


def failed_events(limit: int = 100) -> list[WebhookEvent]:
    """Return the events that failed for good, oldest first."""
    from sqlalchemy import select

    from bot.webhook.models import FAILED

    return list(
        db.session.scalars(
            select(WebhookEvent)
            .where(WebhookEvent.status == FAILED)
            .order_by(WebhookEvent.id)
            .limit(limit)
        )
    )


def retry_failed_events(ids: list[int] | None) -> list[int]:
    """Mark failed events pending again, commit, and queue them; return their ids."""
    from sqlalchemy import select

    from bot.jobs import enqueue
    from bot.webhook.jobs import handle_webhook_event
    from bot.webhook.models import FAILED, PENDING

    query = select(WebhookEvent).where(WebhookEvent.status == FAILED)
    if ids is not None:
        query = query.where(WebhookEvent.id.in_(ids))
    events = list(db.session.scalars(query))
    for event in events:
        event.status = PENDING
    db.session.commit()
    for event in events:
        enqueue(handle_webhook_event, event.id)
    return [event.id for event in events]


def requeue_stale_events(older_than_seconds: int) -> list[int]:
    """Queue pending events received longer ago than the given age; return ids.

    A pending event may have missed the queue (Redis was down when it was
    stored). Queueing it twice is harmless: the job skips finished events.
    """
    from datetime import timedelta

    from sqlalchemy import select

    from bot.jobs import enqueue
    from bot.models_base import utcnow
    from bot.webhook.jobs import handle_webhook_event
    from bot.webhook.models import PENDING

    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    ids = list(
        db.session.scalars(
            select(WebhookEvent.id)
            .where(WebhookEvent.status == PENDING, WebhookEvent.received_at <= cutoff)
            .order_by(WebhookEvent.id)
            .limit(10_000)
        )
    )
    db.session.rollback()
    for event_pk in ids:
        enqueue(handle_webhook_event, event_pk)
    return ids
