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


# A sticker back, as a shop's staff would: LINE's sendable "Brown & Cony"
# package, the thumbs-up sticker (packageId 11537 is on LINE's sendable list).
THANKS_STICKER = {"type": "sticker", "packageId": "11537", "stickerId": "52002734"}
MEDIA_KINDS = ("image", "video", "audio", "file")


def answer_sticker(ctx: EventContext) -> None:
    """Answer a sticker with a sticker."""
    ctx.reply([dict(THANKS_STICKER)])


def answer_media(ctx: EventContext) -> None:
    """Say what the bot can do with an image, video, audio or file: nothing yet."""
    kind = (ctx.payload.get("message") or {}).get("type")
    label = render(f"media_kind_{kind}")
    ctx.reply([text_message(render("media_answer", kind=label))])
