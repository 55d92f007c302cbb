"""Nearest open stores for a shared location, and the 店舗を探す menu action."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from bot.beacon.messages import map_url
from bot.extensions import db
from bot.handlers.context import EventContext
from bot.handlers.postback import postback_action
from bot.handlers.registry import message_handler
from bot.messages import register_templates, render, text_message
from bot.stores.models import Store
from bot.stores.service import is_open

NEARBY_COUNT = 3
EARTH_RADIUS_KM = 6371.0

register_templates(
    {
        "stores_ask_location": (
            "お近くの営業中の店舗をお探しします。\n"
            "下の「位置情報を送る」をタップして、現在地を送ってください。"
        ),
        "stores_location_button": "位置情報を送る",
        "stores_nearby_alt": "お近くの営業中の店舗です",
        "stores_column_text": "現在地から{distance}\n営業時間 {opens}〜{closes}",
        "stores_map_button": "地図を見る",
        "stores_none_open": (
            "申し訳ありません。ただいま営業中の店舗が見つかりませんでした。\n"
            "営業時間内にもう一度お試しください。"
        ),
    }
)


@dataclass(frozen=True)
class NearbyStore:
    """A store and how far it is from the customer."""

    store: Store
    distance_km: float


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Return the great-circle distance between two points in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(lng2 - lng1)
    a = (
        math.sin(d_phi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def nearest_open_stores(
    lat: float, lng: float, at: datetime, limit: int = NEARBY_COUNT
) -> list[NearbyStore]:
    """Return the nearest stores open at `at`, nearest first."""
    stores = db.session.scalars(select(Store)).all()
    zone = current_app.config["SETTINGS"].timezone
    nearby = [
        NearbyStore(store, distance_km(lat, lng, store.lat, store.lng))
        for store in stores
        if is_open(store, at, zone)
    ]
    nearby.sort(key=lambda n: (n.distance_km, n.store.code))
    return nearby[:limit]


def format_distance(km: float) -> str:
    """Return a distance as customers read it: metres below 1 km."""
    if km < 1:
        return f"{max(10, round(km * 1000, -1)):.0f}m"
    return f"{km:.1f}km"


def nearby_carousel(nearby: list[NearbyStore]) -> dict[str, Any]:
    """Build the carousel: one column per store with distance, hours and a map."""
    columns = []
    for item in nearby:
        store = item.store
        text = render(
            "stores_column_text",
            distance=format_distance(item.distance_km),
            opens=store.opens_at,
            closes=store.closes_at,
        )
        columns.append(
            {
                "title": store.name[:40],
                "text": text[:60],
                "actions": [
                    {
                        "type": "uri",
                        "label": render("stores_map_button"),
                        "uri": map_url(store),
                    }
                ],
            }
        )
    return {
        "type": "template",
        "altText": render("stores_nearby_alt"),
        "template": {"type": "carousel", "columns": columns},
    }


@message_handler("location")
def handle_location(ctx: EventContext) -> None:
    """Answer a shared location with the three nearest open stores."""
    message = ctx.payload.get("message") or {}
    lat, lng = float(message["latitude"]), float(message["longitude"])
    nearby = nearest_open_stores(lat, lng, ctx.occurred_at)
    if not nearby:
        ctx.reply([text_message(render("stores_none_open"))])
        return
    ctx.reply([nearby_carousel(nearby)])


@postback_action("stores")
def ask_for_location(ctx: EventContext, params: dict[str, str]) -> None:
    """Ask the customer to share their location with a quick reply button."""
    button = {
        "type": "action",
        "action": {"type": "location", "label": render("stores_location_button")},
    }
    text = render("stores_ask_location")
    ctx.reply([text_message(text, quickReply={"items": [button]})])
