"""POST /callback: size, signature, parse, store-if-new, enqueue, 200."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from bot.webhook.intake import GroupCommit, RoundFailed
from bot.webhook.jobs import queue_events
from bot.webhook.parsing import MalformedWebhook, parse_webhook_body, signature_is_valid
from bot.webhook.store import EventStore, is_unstorable

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
    try:
        group.accept(events)
    except Exception as exc:  # noqa: BLE001 - answered below, logged without text
        return _not_stored(exc)
    log.info("webhook accepted", extra={"events": len(events)})
    return current_app.response_class(ACCEPTED, mimetype="application/json"), 200


def _not_stored(exc: Exception) -> tuple[Response, int]:
    """Answer a delivery whose events were not stored: 400 if they never can be."""
    cause = exc.__cause__ if isinstance(exc, RoundFailed) else exc
    cause = cause or exc
    # The class and SQLSTATE only: PostgreSQL's message may quote the payload.
    orig = getattr(cause, "orig", None) or cause
    details = {"error": type(cause).__name__, "sqlstate": getattr(orig, "sqlstate", "")}
    if is_unstorable(cause):
        log.warning("webhook refused: the database cannot store it", extra=details)
        return _error(400, "malformed body: an event cannot be stored")
    log.error("webhook not stored: LINE will redeliver it", extra=details)
    return _error(500, "events not stored")


def intake(app: Flask) -> GroupCommit:
    """Return the app's group commit for webhook deliveries (one per process)."""
    return app.extensions["webhook_intake"]


def init_app(app: Flask) -> None:
    """Register the webhook endpoint and its group commit."""
    store = EventStore()
    app.extensions["webhook_intake"] = GroupCommit(
        write=store.write,
        queue=queue_events,
        close=store.release,
        unstorable=is_unstorable,
    )
    app.register_blueprint(bp)
