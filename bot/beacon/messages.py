"""What a customer reads when a store's beacon sees them."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from bot.line.postback import encode_postback
from bot.members.service import rank_label
from bot.messages import render, text_message
from bot.stores.models import Store


def map_url(store: Store) -> str:
    """Return a map link for the store's coordinates."""
    query = quote(f"{store.lat},{store.lng}")
    return f"https://www.google.com/maps/search/?api=1&query={query}"


def member_messages(
    store: Store, name: str, points: int, rank: str
) -> list[dict[str, Any]]:
    """Build the member's welcome with points and rank."""
    welcome = render(
        "beacon_member_welcome",
        name=name,
        store=store.name,
        points=f"{points:,}",
        rank=rank_label(rank),
    )
    return [text_message(welcome)]


def guest_messages(store: Store) -> list[dict[str, Any]]:
    """Build the guest's welcome with a button that starts account linking."""
    button = {
        "type": "action",
        "action": {
            "type": "postback",
            "label": render("beacon_link_button"),
            "data": encode_postback("link"),
            "displayText": render("beacon_link_button"),
        },
    }
    text = render("beacon_guest_invite", store=store.name)
    return [text_message(text, quickReply={"items": [button]})]


def store_info_messages(store: Store) -> list[dict[str, Any]]:
    """Build the store's information for a banner tap."""
    text = render(
        "beacon_store_info",
        store=store.name,
        address=store.address,
        opens=store.opens_at,
        closes=store.closes_at,
        map_url=map_url(store),
    )
    return [text_message(text)]
