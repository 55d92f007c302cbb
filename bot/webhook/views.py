"""POST /callback: size, signature, parse, store-if-new, enqueue, 200."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, request
from redis.exceptions import RedisError

from bot.extensions import db
from bot.jobs import enqueue
from bot.webhook.jobs import handle_webhook_event
from bot.webhook.service import (
    MalformedWebhook,
    parse_webhook_body,
    signature_is_valid,
    store_new_events,
)

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error=message), status


@bp.post("/callback")
def callback() -> tuple[Response, int]:
    """Acknowledge a LINE webhook delivery without calling LINE."""
    settings = current_app.config["SETTINGS"]
    request.max_content_length = settings.WEBHOOK_MAX_BYTES
    body = request.get_data(cache=False)  # raises 413 past the limit
    signature = request.headers.get("X-Line-Signature")
    if not signature_is_valid(settings.LINE_CHANNEL_SECRET, body, signature):
        log.warning(
            "webhook refused: bad signature",
            extra={
                "reason": "missing" if not signature else "mismatch",
                "size": len(body),
                "remote": request.remote_addr,
            },
        )
        return _error(400, "invalid signature")
    try:
        events = parse_webhook_body(body)
    except MalformedWebhook as exc:
        log.warning("webhook refused: malformed body", extra={"reason": str(exc)})
        return _error(400, f"malformed body: {exc}")
    new_ids = store_new_events(events)
    db.session.commit()
    try:
        for event_id in new_ids:
            enqueue(handle_webhook_event, event_id)
    except RedisError as exc:
        # The events are stored; the worker's sweep queues them once Redis is
        # back, so LINE still gets its 200 and nothing is lost.
        log.error("events stored but not queued", extra={"error": type(exc).__name__})
    log.info(
        "webhook accepted",
        extra={
            "events": len(events),
            "new": len(new_ids),
            "duplicates": len(events) - len(new_ids),
        },
    )
    return jsonify(status="ok"), 200
