"""LINE Login / LIFF ID tokens: HS256 JWTs signed with the login channel secret."""

from __future__ import annotations

import time
from typing import Any

import jwt

ISSUER = "https://access.line.me"
EXPIRED = "IdToken expired."
INVALID = "Invalid IdToken."
WRONG_AUDIENCE = "Invalid IdToken Audience."
WRONG_NONCE = "Invalid IdToken Nonce."
WRONG_SUBJECT = "Invalid IdToken Subject Identifier."


class IdTokenError(Exception):
    """An ID token LINE would refuse; the message is LINE's error_description."""


def issue_id_token(
    secret: str,
    user_id: str,
    channel_id: str,
    name: str,
    picture: str | None = None,
    nonce: str | None = None,
    expires_in: int = 3600,
) -> str:
    """Return an ID token for a user of a LINE Login channel."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": user_id,
        "aud": str(channel_id),
        "exp": now + expires_in,
        "iat": now,
        "amr": ["linesso"],
        "name": name,
    }
    if picture:
        claims["picture"] = picture
    if nonce is not None:
        claims["nonce"] = nonce
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_id_token(
    secret: str,
    id_token: str,
    client_id: str,
    nonce: str | None = None,
    user_id: str | None = None,
) -> dict[str, Any]:
    """Return the claims of a valid token, or raise IdTokenError as LINE words it."""
    try:
        claims = jwt.decode(
            id_token,
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"verify_aud": False, "require": ["exp", "iat", "sub", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise IdTokenError(EXPIRED) from exc
    except jwt.InvalidTokenError as exc:
        raise IdTokenError(INVALID) from exc
    if claims["aud"] != str(client_id):
        raise IdTokenError(WRONG_AUDIENCE)
    if nonce is not None and claims.get("nonce") != nonce:
        raise IdTokenError(WRONG_NONCE)
    if user_id is not None and claims["sub"] != user_id:
        raise IdTokenError(WRONG_SUBJECT)
    return claims
