"""Sending messages: reply, push, multicast, the quota, and users' content."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from line_emulator import errors
from line_emulator.api.common import current_platform, request_id, validated_body
from line_emulator.api.coupons import check_coupon_messages
from line_emulator.errors import LineApiError
from line_emulator.ids import is_user_id
from line_emulator.insight import UNIT_NAME
from line_emulator.message_rules import check_messages
from line_emulator.rule_checks import Problems

bp = Blueprint("messages", __name__)

RETRY_KEY_HEADER = "X-Line-Retry-Key"
MAX_MULTICAST_RECIPIENTS = 500


def _check_recipient_list(problems: Problems, body: dict[str, Any]) -> None:
    to = problems.array(body, "to", "", 1, MAX_MULTICAST_RECIPIENTS)
    for index, user_id in enumerate(to):
        if not is_user_id(user_id):
            problems.add(f"to[{index}]", "Invalid user ID")


def _multicast_rules(problems: Problems, body: dict[str, Any]) -> None:
    _check_recipient_list(problems, body)
    check_messages(problems, body)


def _push_rules(problems: Problems, body: dict[str, Any]) -> None:
    problems.require(body, "to", "")
    check_messages(problems, body)


def _reply_rules(problems: Problems, body: dict[str, Any]) -> None:
    problems.require(body, "replyToken", "")
    check_messages(problems, body)


def _unit(body: dict[str, Any]) -> str | None:
    """Return the message's aggregation unit (at most one), checked like LINE."""
    units = body.get("customAggregationUnits") or []
    if not units:
        return None
    if len(units) > 1 or not UNIT_NAME.match(str(units[0])):
        raise LineApiError(400, errors.invalid_property("customAggregationUnits"))
    return str(units[0])


@bp.post("/v2/bot/message/reply")
def reply() -> Any:
    """Send a reply message with a single-use reply token."""
    if request.headers.get(RETRY_KEY_HEADER) is not None:
        raise LineApiError(400, errors.RETRY_KEY_UNSUPPORTED)
    body = validated_body("ReplyMessageRequest", _reply_rules)
    check_coupon_messages(body)
    sent = current_platform().reply(body["replyToken"], body["messages"], request_id())
    return {"sentMessages": sent}


@bp.post("/v2/bot/message/push")
def push() -> Any:
    """Send a push message to one user, once per retry key."""
    retry_key = request.headers.get(RETRY_KEY_HEADER)
    body = validated_body("PushMessageRequest", _push_rules)
    check_coupon_messages(body)
    if not is_user_id(body["to"]):
        raise LineApiError(400, errors.invalid_property("to"))
    sent = current_platform().push(
        body["to"], body["messages"], request_id(), retry_key, _unit(body)
    )
    return {"sentMessages": sent}


@bp.post("/v2/bot/message/multicast")
def multicast() -> Any:
    """Send the same messages to up to 500 users, once per retry key."""
    retry_key = request.headers.get(RETRY_KEY_HEADER)
    body = validated_body("MulticastRequest", _multicast_rules)
    check_coupon_messages(body)
    current_platform().multicast(
        body["to"], body["messages"], request_id(), retry_key, _unit(body)
    )
    return {}


@bp.post("/v2/bot/message/validate/reply")
@bp.post("/v2/bot/message/validate/push")
@bp.post("/v2/bot/message/validate/multicast")
def validate_messages() -> Any:
    """Validate message objects without sending them."""
    validated_body("ValidateMessageRequest", check_messages)
    return {}


@bp.get("/v2/bot/message/quota")
def quota() -> Any:
    """Answer the monthly message limit."""
    return current_platform().quota()


@bp.get("/v2/bot/message/quota/consumption")
def quota_consumption() -> Any:
    """Answer how many messages counted against the quota this month."""
    return {"totalUsage": current_platform().quota_consumption()}


@bp.get("/data/v2/bot/message/<message_id>/content")
def message_content(message_id: str) -> Response:
    """Answer the binary content of an image a user sent."""
    content_type, data = current_platform().message_content(message_id)
    return Response(data, mimetype=content_type)
