"""Tracked links: each URL of a message becomes BOT_BASE_URL/r/TOKEN.

A token names (link, recipient) and carries an HMAC of both under SECRET_KEY,
so it cannot be guessed or changed into another, and no row is written per
recipient: a 100,000-customer send stores one row per URL. The redirect only
ever goes to a URL stored for a campaign, never to one taken from the request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app
from sqlalchemy import select

from bot.extensions import db
from bot.measure.models import TrackedLink

# http(s) URLs inside message text or JSON: the characters a URL may hold
# (RFC 3986; anything else is percent-encoded), so 「…/sale。お待ちしています」
# ends at 。, and not ending on what closes a sentence or a bracket around it.
_URL = re.compile(
    r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*[A-Za-z0-9\-_~/#=&+%]"
)
_TOKEN = re.compile(r"^([0-9a-z]{1,12})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{16})$")
SHARED = 0  # the recipient of a token shared by everyone of a multicast
LIFF = "https://liff.line.me/"


def _tag(link_id: int, user_id: int) -> str:
    key = current_app.config["SETTINGS"].SECRET_KEY.encode()
    digest = hmac.new(key, f"r:{link_id}:{user_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:12]).decode()


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def make_token(link_id: int, user_id: int) -> str:
    """Return the token of one link for one recipient (user pk; 0: shared)."""
    return f"{_b36(link_id)}.{_b36(user_id)}.{_tag(link_id, user_id)}"


def read_token(token: str) -> tuple[int, int] | None:
    """Return (link id, recipient) of a genuine token, else None."""
    match = _TOKEN.match(token)
    if match is None:
        return None
    link_id, user_id = int(match[1], 36), int(match[2], 36)
    if not hmac.compare_digest(match[3], _tag(link_id, user_id)):
        return None
    return link_id, user_id


def _untracked() -> tuple[str, ...]:
    # The bot's own pages and LIFF apps measure themselves, and a LIFF URL
    # must reach LINE directly to open inside LINE: those are left as they are.
    return (current_app.config["SETTINGS"].BOT_BASE_URL.rstrip("/") + "/", LIFF)


# Where LINE's servers fetch a picture or video: not a customer's click, and
# LINE needs the https URL itself, so these are never tracked.
MEDIA_KEYS = frozenset(
    {"originalContentUrl", "previewImageUrl", "thumbnailImageUrl", "baseUrl", "url"}
)


def _without_media(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_media(v) for k, v in value.items() if k not in MEDIA_KEYS}
    if isinstance(value, list):
        return [_without_media(v) for v in value]
    return value


def urls_in(messages: list[dict[str, Any]]) -> list[str]:
    """Return the distinct URLs to track in some messages, in order."""
    found = _URL.findall(json.dumps(_without_media(messages), ensure_ascii=False))
    skip = _untracked()
    return list(dict.fromkeys(url for url in found if not url.startswith(skip)))


def register_links(
    campaign: str, variant: str, messages: list[dict[str, Any]]
) -> dict[str, int]:
    """Store the campaign's URLs once (flush); return url -> link id."""
    urls = urls_in(messages)
    if not urls:
        return {}
    known = dict(
        db.session.execute(
            select(TrackedLink.url, TrackedLink.id).where(
                TrackedLink.campaign == campaign,
                TrackedLink.variant == variant,
                TrackedLink.url.in_(urls),
            )
        ).all()
    )
    for url in urls:
        if url not in known:
            link = TrackedLink(campaign=campaign, variant=variant, url=url)
            db.session.add(link)
            db.session.flush()
            known[url] = link.id
    return known


def rewrite(
    messages: list[dict[str, Any]], links: dict[str, int], user_id: int
) -> list[dict[str, Any]]:
    """Return the messages with every registered URL replaced by its token URL."""
    if not links:
        return messages
    base = current_app.config["SETTINGS"].BOT_BASE_URL.rstrip("/") + "/r/"

    def swap(match: re.Match[str]) -> str:
        link_id = links.get(match[0])
        return match[0] if link_id is None else base + make_token(link_id, user_id)

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v if k in MEDIA_KEYS else walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return _URL.sub(swap, value) if isinstance(value, str) else value

    return walk(messages)


def with_utm(url: str, campaign: str) -> str:
    """Add utm_source=line, utm_medium=message, utm_campaign; keep the query."""
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in ("utm_source", "utm_medium", "utm_campaign")
    ]
    query += [("utm_source", "line"), ("utm_medium", "message")]
    query.append(("utm_campaign", campaign.split(":", 1)[-1]))
    return urlunsplit(parts._replace(query=urlencode(query)))
