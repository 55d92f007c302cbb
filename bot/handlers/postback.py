"""postback: routes `action=...&key=value` data to registered actions."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.handlers.context import EventContext
from bot.line.postback import BadPostbackData, decode_postback
from bot.messages import render, text_message

log = logging.getLogger(__name__)

PostbackAction = Callable[[EventContext, dict[str, str]], None]
_actions: dict[str, PostbackAction] = {}


def postback_action(name: str) -> Callable[[PostbackAction], PostbackAction]:
    """Register the function that handles postbacks with `action=name`."""

    def register(fn: PostbackAction) -> PostbackAction:
        _actions[name] = fn
        return fn

    return register


def handle_postback(ctx: EventContext) -> None:
    """Decode the postback data and run its action; answer politely otherwise."""
    data = (ctx.payload.get("postback") or {}).get("data", "")
    try:
        action, params = decode_postback(data)
    except BadPostbackData as exc:
        log.warning("postback data not understood", extra={"reason": str(exc)})
        action, params = "", {}
    handler = _actions.get(action)
    if handler is None:
        log.warning("unknown postback action", extra={"action": action[:40]})
        ctx.reply([text_message(render("unknown_action"))])
        return
    handler(ctx, params)
