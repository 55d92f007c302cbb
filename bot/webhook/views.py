"""POST /callback: size, signature, parse, store-if-new, enqueue, 200."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from bot.webhook.intake import GroupCommit
from bot.webhook.jobs import queue_events
from bot.webhook.parsing import MalformedWebhook, parse_webhook_body, signature_is_valid
from bot.webhook.store import EventStore

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)
ACCEPTED = b'{"status":"ok"}\n'


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error=message), status


@bp.post("/callback")
def callback() -> tuple[Response, int]:
    """Acknowledge a LINE webhook delivery without calling LINE."""
    group = intake(current_app)
    # Counted from here so that a writer can wait for this delivery's events.
    with group.delivery():
        return _acknowledge(group)


def _acknowledge(group: GroupCommit) -> tuple[Response, int]:
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
    group.accept(events)
    log.info("webhook accepted", extra={"events": len(events)})
    return current_app.response_class(ACCEPTED, mimetype="application/json"), 200


def intake(app: Flask) -> GroupCommit:
    """Return the app's group commit for webhook deliveries (one per process)."""
    return app.extensions["webhook_intake"]


def init_app(app: Flask) -> None:
    """Register the webhook endpoint and its group commit."""
    store = EventStore()
    app.extensions["webhook_intake"] = GroupCommit(
        write=store.write, queue=queue_events, close=store.release
    )
    app.register_blueprint(bp)
