"""One module per LINE event type; domains register more through the registry."""

from __future__ import annotations

from bot.handlers import follow, message, postback, unfollow
from bot.handlers.registry import Handler, event_handlers

CORE_HANDLERS: dict[str, Handler] = {
    "follow": follow.handle_follow,
    "unfollow": unfollow.handle_unfollow,
    "message": message.handle_message,
    "postback": postback.handle_postback,
}


def handler_for(event_type: str) -> Handler | None:
    """Return the handler for an event type, or None when it is not handled."""
    return event_handlers.get(event_type) or CORE_HANDLERS.get(event_type)
