"""message: a customer wrote, sent a sticker, an image or a location."""

from __future__ import annotations

from bot.handlers.context import EventContext
from bot.messages import render, text_message
from bot.routing import INTERCEPTOR, MESSAGE, get_router


def handle_message(ctx: EventContext) -> None:
    """Route by message type; answer politely where no domain handles it."""
    router = get_router()
    if any(route.fn(ctx) for route in router.of_kind(INTERCEPTOR)):
        return
    message = ctx.payload.get("message")
    message_type = message.get("type") if isinstance(message, dict) else None
    route = router.find(MESSAGE, message_type or "")
    if route is not None:
        route.fn(ctx)
        return
    ctx.reply([text_message(render("default_answer"))])
