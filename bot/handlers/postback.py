"""postback: routes `action=...&key=value` data to the action the router names."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.handlers.context import EventContext
from bot.line.postback import BadPostbackData, decode_postback
from bot.messages import render, text_message
from bot.routing import POSTBACK, get_router

log = logging.getLogger(__name__)

PostbackAction = Callable[[EventContext, dict[str, str]], None]


def handle_postback(ctx: EventContext) -> None:
    """Decode the postback data and run its action; answer politely otherwise."""
    data = (ctx.payload.get("postback") or {}).get("data", "")
    try:
        action, params = decode_postback(data)
    except BadPostbackData as exc:
        log.warning("postback data not understood", extra={"reason": str(exc)})
        action, params = "", {}
    route = get_router().find(POSTBACK, action)
    if route is None:
        log.warning("unknown postback action", extra={"action": action[:40]})
        ctx.reply([text_message(render("unknown_action"))])
        return
    route.fn(ctx, params)
