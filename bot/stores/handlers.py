"""Stores near the customer: a shared location, and the menu's store search."""

from __future__ import annotations

from bot.handlers.context import EventContext
from bot.messages import render, text_message
from bot.stores.nearby import nearby_carousel, nearest_open_stores


def handle_location(ctx: EventContext) -> None:
    """Answer a shared location with the three nearest open stores."""
    message = ctx.payload.get("message") or {}
    lat, lng = float(message["latitude"]), float(message["longitude"])
    nearby = nearest_open_stores(lat, lng, ctx.occurred_at)
    if not nearby:
        ctx.reply([text_message(render("stores_none_open"))])
        return
    ctx.reply([nearby_carousel(nearby)])


def ask_for_location(ctx: EventContext, params: dict[str, str]) -> None:
    """Ask the customer to share their location with a quick reply button."""
    button = {
        "type": "action",
        "action": {"type": "location", "label": render("stores_location_button")},
    }
    text = render("stores_ask_location")
    ctx.reply([text_message(text, quickReply={"items": [button]})])
