"""Helpers for measurement tests: customers, links in what LINE delivered."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import db
from bot.users.models import LineUser
from tests.pos.factories import make_member

SHOP_SECRET = "shop-webhook-secret"
TRACKED = re.compile(r"http://[^\s]+/r/[A-Za-z0-9._-]+")


def customer(app: Flask, line: Any, n: int) -> dict[str, Any]:
    """Create a LINE user on the emulator and a linked member with an e-mail."""
    line_id = line.add_user(f"客{n}")
    member = make_member(app, f"客{n}", line_user_id=line_id, email=f"c{n}@example.com")
    with app.app_context():
        pk = db.session.scalar(
            db.select(LineUser.id).where(LineUser.line_user_id == line_id)
        )
    return {**member, "line_id": line_id, "pk": pk, "email": f"c{n}@example.com"}


def tracked_links(line: Any, line_id: str) -> list[str]:
    """Return the tracked links in every text pushed to a user."""
    return [
        url
        for d in line.deliveries_to(line_id)
        if d.delivered and d.via in ("push", "multicast")
        for m in d.messages
        if m.get("type") == "text"
        for url in TRACKED.findall(m["text"])
    ]


def path_of(url: str) -> str:
    """Return the path of a URL (the test client serves paths)."""
    return urlsplit(url).path


def shop_order(
    client: FlaskClient, order_id: int, email: str, paid: int, processed_at: str
) -> Any:
    """Post a signed order webhook the way the online shop does."""
    document = {
        "id": order_id,
        "email": email,
        "currency": "JPY",
        "subtotal_price": f"{paid}.00",
        "total_price": f"{paid + 500}.00",
        "processed_at": processed_at,
        "note_attributes": [],
    }
    body = json.dumps(document).encode()
    digest = hmac.new(SHOP_SECRET.encode(), body, hashlib.sha256).digest()
    return client.post(
        "/webhooks/ec/orders",
        data=body,
        content_type="application/json",
        headers={"X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode()},
    )
