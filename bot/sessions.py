"""Flask's signed-cookie sessions, with the signer built once per secret key."""

from __future__ import annotations

import threading

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CachedSignerSessionInterface(SecureCookieSessionInterface):
    """The stock session interface without a new serializer on every request.

    Flask builds an itsdangerous serializer each time it opens a session, which
    is every request, webhook deliveries included, although they never carry
    a cookie: a tenth of a delivery's CPU. The serializer holds nothing but its
    keys, so one per secret key serves every thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signers: dict[tuple[object, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Return the serializer for the app's current secret key(s)."""
        key = (
            id(app),
            app.secret_key,
            tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()),
        )
        try:
            return self._signers[key]
        except KeyError:
            signer = super().get_signing_serializer(app)
            with self._lock:
                self._signers[key] = signer
            return signer
