"""Users: profiles, account-link tokens, the loading indicator and read receipts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from line_emulator import errors
from line_emulator.api.common import current_platform, validated_body
from line_emulator.errors import LineApiError
from line_emulator.rule_checks import Problems

bp = Blueprint("users", __name__)


@bp.get("/v2/bot/info")
def bot_info() -> Any:
    """Answer the bot's own user id and display name."""
    return {
        "userId": current_platform().settings.bot_user_id,
        "basicId": "@emulator",
        "displayName": "LINE Emulator Bot",
        "chatMode": "bot",
        "markAsReadMode": "auto",
    }


@bp.get("/v2/bot/profile/<user_id>")
def profile(user_id: str) -> Any:
    """Answer a friend's profile; unknown users and blockers are 404."""
    user = current_platform().get_user(user_id)
    if user is None or not user.can_receive:
        raise errors.not_found()
    return user.profile()


@bp.post("/v2/bot/user/<user_id>/linkToken")
def issue_link_token(user_id: str) -> Any:
    """Issue a single-use account-link token valid for 10 minutes."""
    user = current_platform().get_user(user_id)
    if user is None or not user.can_receive:
        raise errors.not_found()
    return {"linkToken": current_platform().issue_link_token(user_id)}


def _loading_rules(problems: Problems, body: dict[str, Any]) -> None:
    problems.require(body, "chatId", "")
    seconds = body.get("loadingSeconds")
    if seconds is None:
        return
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        problems.add("loadingSeconds", "Must be of type integer")
    elif not 5 <= seconds <= 60 or seconds % 5:
        problems.add("loadingSeconds", "Must be a multiple of 5 between 5 and 60")


@bp.post("/v2/bot/chat/loading/start")
def start_loading() -> Any:
    """Show the loading indicator to a user; LINE answers 202."""
    body = validated_body("ShowLoadingAnimationRequest", _loading_rules)
    user = current_platform().get_user(body["chatId"])
    if user is None:
        raise LineApiError(400, errors.invalid_property("chatId"))
    return {}, 202


@bp.post("/v2/bot/chat/markAsRead")
def mark_as_read() -> Any:
    """Mark a user's message (and those before it) read with its webhook token."""
    body = validated_body(
        "MarkMessagesAsReadByTokenRequest",
        lambda problems, body: problems.require(body, "markAsReadToken", ""),
    )
    if not current_platform().mark_as_read(body["markAsReadToken"]):
        raise LineApiError(400, errors.invalid_property("markAsReadToken"))
    return {}, 200
