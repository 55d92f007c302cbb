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
from bot.messages import render
from bot.stores.models import Store
from bot.stores.service import is_open

NEARBY_COUNT = 3
EARTH_RADIUS_KM = 6371.0


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
