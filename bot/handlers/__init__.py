"""The core LINE event handlers, one module per event type."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from bot.handlers import follow, message, postback, unfollow
from bot.handlers.context import EventContext

Handler = Callable[[EventContext], None]


def init_app(app: Flask) -> None:
    """Route follow, unfollow, message and postback events; register their texts."""
    from bot.handlers.texts import TEXTS
    from bot.messages import register_templates

    register_templates(app, TEXTS)
    router = app.extensions["router"]
    router.event("follow", follow.handle_follow)
    router.event("unfollow", unfollow.handle_unfollow)
    router.event("message", message.handle_message)
    router.event("postback", postback.handle_postback)
    router.message("sticker", message.answer_sticker)
    for kind in message.MEDIA_KINDS:
        router.message(kind, message.answer_media)
