"""Registries that domains add their handlers to when the app is created."""

from __future__ import annotations

from collections.abc import Callable

from bot.handlers.context import EventContext

Handler = Callable[[EventContext], None]

event_handlers: dict[str, Handler] = {}
message_handlers: dict[str, Handler] = {}
# Run before the message type's handler; one returning True has taken the message.
message_interceptors: list[Callable[[EventContext], bool]] = []


def event_handler(event_type: str) -> Callable[[Handler], Handler]:
    """Register the handler for one LINE event type (beacon, accountLink, ...)."""

    def register(fn: Handler) -> Handler:
        event_handlers[event_type] = fn
        return fn

    return register


def message_handler(message_type: str) -> Callable[[Handler], Handler]:
    """Register the handler for one message type (text, location, ...)."""

    def register(fn: Handler) -> Handler:
        message_handlers[message_type] = fn
        return fn

    return register


def message_interceptor(
    fn: Callable[[EventContext], bool],
) -> Callable[[EventContext], bool]:
    """Register a function that may take any message before its type's handler."""
    if fn not in message_interceptors:
        message_interceptors.append(fn)
    return fn
