"""message: a customer wrote, sent a sticker, an image or a location."""

from __future__ import annotations

from bot.handlers.context import EventContext
from bot.handlers.registry import message_handlers, message_interceptors
from bot.messages import render, text_message


def handle_message(ctx: EventContext) -> None:
    """Route by message type; answer politely where no domain handles it."""
    if any(intercept(ctx) for intercept in message_interceptors):
        return
    message = ctx.payload.get("message")
    message_type = message.get("type") if isinstance(message, dict) else None
    handler = message_handlers.get(message_type or "")
    if handler is not None:
        handler(ctx)
        return
    ctx.reply([text_message(render("default_answer"))])
