"""LIFF / LINE Login ID token verification through LINE's verify endpoint.

`POST {LINE_API_BASE_URL}/oauth2/v2.1/verify` (form `id_token`, `client_id`)
checks the signature, the issuer, `aud` against the LINE Login channel id and
the expiry; line-bot-sdk has no such call, so this is a small urllib3 request
with the LINE timeout. We chose the endpoint over local PyJWT checks because it
covers HS256 and ES256 tokens alike without keeping LINE's keys or the channel
secret here. A verified token's claims are cached in Redis (by the token's
SHA-256, never the token itself) until it expires, at most ten minutes, so a
page refreshing its QR code every minute costs one call to LINE, not one each.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import urllib3
from flask import current_app
from redis.exceptions import RedisError

from bot.extensions import get_redis

log = logging.getLogger(__name__)

_POOL_KEY = "line_id_token_http"
_CACHE_SECONDS = 600


class InvalidIdToken(Exception):
    """LINE refused the token: malformed, forged, expired or for another channel."""


class IdTokenCheckUnavailable(Exception):
    """LINE's verify endpoint could not be reached or answered 5xx."""


@dataclass(frozen=True)
class IdTokenClaims:
    """The verified claims the bot uses."""

    user_id: str
    name: str
    expires_at: int


def _pool() -> urllib3.PoolManager:
    extensions = current_app.extensions
    if _POOL_KEY not in extensions:
        settings = current_app.config["SETTINGS"]
        extensions[_POOL_KEY] = urllib3.PoolManager(
            maxsize=8,
            retries=False,
            timeout=urllib3.Timeout(total=settings.LINE_API_TIMEOUT_SECONDS),
        )
    return extensions[_POOL_KEY]


def verify_id_token(id_token: str) -> IdTokenClaims:
    """Return the claims of a token LINE accepts for our LINE Login channel."""
    settings = current_app.config["SETTINGS"]
    channel_id = settings.LINE_LOGIN_CHANNEL_ID
    if not id_token or len(id_token) > 4096 or not channel_id:
        raise InvalidIdToken("no token, or no LINE_LOGIN_CHANNEL_ID configured")
    cache_key = "id-token:" + hashlib.sha256(id_token.encode()).hexdigest()
    cached = _cached(cache_key)
    if cached is not None and cached.expires_at > time.time():
        return cached
    claims = _ask_line(settings.LINE_API_BASE_URL, id_token, channel_id)
    _remember(cache_key, claims)
    return claims


def _ask_line(base_url: str, id_token: str, channel_id: str) -> IdTokenClaims:
    url = base_url.rstrip("/") + "/oauth2/v2.1/verify"
    try:
        response = _pool().request(
            "POST",
            url,
            fields={"id_token": id_token, "client_id": channel_id},
            encode_multipart=False,
        )
    except urllib3.exceptions.HTTPError as exc:
        log.warning("ID token check failed", extra={"error": type(exc).__name__})
        raise IdTokenCheckUnavailable(type(exc).__name__) from exc
    if response.status >= 500 or response.status == 429:
        log.warning("ID token check failed", extra={"status": response.status})
        raise IdTokenCheckUnavailable(str(response.status))
    body = _json(response.data)
    if response.status != 200:
        reason = str(body.get("error_description", ""))[:100]
        log.info("ID token refused by LINE", extra={"reason": reason})
        raise InvalidIdToken(reason or "refused")
    if str(body.get("aud")) != channel_id or not body.get("sub"):
        raise InvalidIdToken("token is for another channel")
    return IdTokenClaims(
        user_id=str(body["sub"]),
        name=str(body.get("name", "")),
        expires_at=int(body.get("exp", 0)),
    )


def _json(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _cached(key: str) -> IdTokenClaims | None:
    try:
        raw = get_redis().get(key)
    except RedisError:
        return None
    if raw is None:
        return None
    values = _json(raw)
    try:
        return IdTokenClaims(values["user_id"], values["name"], values["expires_at"])
    except KeyError:
        return None


def _remember(key: str, claims: IdTokenClaims) -> None:
    ttl = min(_CACHE_SECONDS, claims.expires_at - int(time.time()))
    if ttl <= 0:
        return
    value = json.dumps(claims.__dict__)
    try:
        get_redis().set(key, value, ex=ttl)
    except RedisError:
        log.warning("ID token cache unavailable")
