"""Console sessions end on sign-out, on a password change and when idle."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import get_redis
from tests.handoff.helpers import csrf_of, signed_in_operator


def replay(app: Flask, cookie: Any) -> FlaskClient:
    """Return a fresh browser holding a copy of an old session cookie."""
    browser = app.test_client()
    browser.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    return browser


def test_old_cookie_is_refused_after_sign_out(app: Flask) -> None:
    client = signed_in_operator(app, "sato@example.com")
    cookie = client.get_cookie("session")
    assert cookie is not None
    stolen = replay(app, cookie)
    assert stolen.get("/operator/api/queue").status_code == 200

    client.post("/operator/logout", data={"csrf_token": csrf_of(client)})

    assert stolen.get("/operator/api/queue").status_code == 401
    assert stolen.get("/operator/").status_code == 302
    assert stolen.get("/operator/events").status_code == 401


def test_password_change_ends_every_session(app: Flask) -> None:
    desk = signed_in_operator(app, "sato@example.com")
    laptop = app.test_client()
    laptop.get("/operator/login")
    laptop.post(
        "/operator/login",
        data={
            "email": "sato@example.com",
            "password": "correct-horse-battery",
            "csrf_token": csrf_of(laptop),
        },
    )
    assert laptop.get("/operator/api/queue").status_code == 200

    result = app.test_cli_runner().invoke(
        args=["operators", "set-password", "sato@example.com"],
        input="a-new-password-42\na-new-password-42\n",
    )

    assert result.exit_code == 0, result.output
    assert desk.get("/operator/api/queue").status_code == 401
    assert laptop.get("/operator/api/queue").status_code == 401
    again = app.test_client()
    again.get("/operator/login")
    signed = again.post(
        "/operator/login",
        data={
            "email": "sato@example.com",
            "password": "a-new-password-42",
            "csrf_token": csrf_of(again),
        },
    )
    assert signed.status_code == 302
    assert again.get("/operator/api/queue").status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"OPERATOR_SESSION_IDLE_MINUTES": 30}])
def test_sessions_lapse_after_the_idle_timeout(
    app: Flask, settings_overrides: dict[str, Any]
) -> None:
    client = signed_in_operator(app, "sato@example.com")
    with app.app_context():
        redis = get_redis()
        (key,) = list(redis.scan_iter("operator:session:*"))
        assert 0 < redis.ttl(key) <= 30 * 60
        redis.expire(key, 5)
        # Each request counts as activity and restarts the idle clock.
        assert client.get("/operator/api/queue").status_code == 200
        assert redis.ttl(key) > 5
        # Time passing with no request at all: Redis forgets the session.
        redis.delete(key)
    assert client.get("/operator/api/queue").status_code == 401
