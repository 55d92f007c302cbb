"""Flask's signed-cookie sessions, with the signer built once per secret key."""

from __future__ import annotations

import threading

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CachedSignerSessionInterface(SecureCookieSessionInterface):
    """The stock session interface without a new serializer on every request.

    Flask builds an itsdangerous serializer each time it opens a session, which
    is every request, webhook deliveries included, although they never carry
    a cookie: a tenth of a delivery's CPU. The serializer holds nothing but its
    keys, so one per secret key serves every thread. A request without any
    Cookie header (every webhook delivery) gets an empty session without
    parsing cookies at all.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Open the session from its cookie; a new empty one when none came."""
        if "HTTP_COOKIE" not in request.environ:
            if self.get_signing_serializer(app) is None:
                return None  # no secret key: Flask's null session, as stock
            return self.session_class()
        return super().open_session(app, request)

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
