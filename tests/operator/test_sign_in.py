"""Console sign-in, sessions and CSRF."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.extensions import get_redis
from tests.handoff.helpers import PASSWORD, csrf_of, make_operator, sign_in


def test_console_requires_sign_in(client: FlaskClient) -> None:
    page = client.get("/operator/")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/operator/login")
    assert client.get("/operator/api/queue").status_code == 401
    assert client.get("/operator/events").status_code == 401


def test_operator_signs_in_and_out(app: Flask, client: FlaskClient) -> None:
    make_operator(app, "sato@example.com", name="佐藤")
    response = sign_in(client, "sato@example.com")
    assert response.status_code == 302
    queue = client.get("/operator/")
    assert queue.status_code == 200
    page = queue.get_data(as_text=True)
    assert "佐藤" in page and "対応待ち" in page
    assert "script-src 'self'" in queue.headers["Content-Security-Policy"]
    client.post("/operator/logout", data={"csrf_token": csrf_of(client)})
    assert client.get("/operator/").status_code == 302


@pytest.mark.parametrize(
    "target",
    ["/admin\r\nSet-Cookie: x=1", "/operator/\x7f", "https://evil.example/", "//evil"],
)
def test_sign_in_goes_home_when_next_is_not_a_plain_console_path(
    app: Flask, client: FlaskClient, target: str
) -> None:
    # A line break in `next` was a 500 after the session had started.
    make_operator(app, "sato@example.com")
    client.get("/operator/login")
    response = client.post(
        "/operator/login",
        query_string={"next": target},
        data={
            "email": "sato@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_of(client),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/operator/"


def test_wrong_password_is_refused(app: Flask, client: FlaskClient) -> None:
    make_operator(app, "sato@example.com")
    response = sign_in(client, "sato@example.com", "wrong-password")
    assert response.status_code == 401
    assert "正しくありません" in response.get_data(as_text=True)
    assert sign_in(client, "nobody@example.com").status_code == 401
    assert client.get("/operator/").status_code == 302


def test_posts_without_the_csrf_token_are_refused(
    app: Flask, client: FlaskClient
) -> None:
    make_operator(app, "sato@example.com")
    client.get("/operator/login")
    refused = client.post(
        "/operator/login",
        data={"email": "sato@example.com", "password": "correct-horse-battery"},
    )
    assert refused.status_code == 400
    sign_in(client, "sato@example.com")
    assert client.post("/operator/conversations/1/claim").status_code == 400
    forged = client.post("/operator/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert client.get("/operator/").status_code == 200


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/operator/").status_code == 200


def test_repeated_wrong_passwords_lock_the_account(
    app: Flask, client: FlaskClient
) -> None:
    make_operator(app, "sato@example.com")
    for _ in range(5):
        assert sign_in(client, "sato@example.com", "guess").status_code == 401
    # Past the limit even the right password is refused, without a session.
    locked = sign_in(client, "Sato@Example.com")
    assert locked.status_code == 429
    assert "しばらくしてから" in locked.get_data(as_text=True)
    assert not _signed_in(client)
    # Another address is locked out of this account as well.
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.80"
    assert sign_in(elsewhere, "sato@example.com").status_code == 429
    # When the window has passed, the operator signs in again.
    with app.app_context():
        redis = get_redis()
        for key in redis.scan_iter("operator:failures:*"):
            redis.delete(key)
    assert sign_in(client, "sato@example.com").status_code == 302
    assert _signed_in(client)


@pytest.mark.parametrize("settings_overrides", [{"OPERATOR_MAX_FAILURES_PER_IP": 3}])
def test_one_ip_guessing_many_accounts_is_limited(
    app: Flask, client: FlaskClient, settings_overrides: dict[str, Any]
) -> None:
    make_operator(app, "sato@example.com")
    for n in range(3):
        assert sign_in(client, f"guess{n}@example.com").status_code == 401
    assert sign_in(client, "sato@example.com").status_code == 429
    assert not _signed_in(client)
    colleague = app.test_client()
    colleague.environ_base["REMOTE_ADDR"] = "192.0.2.81"
    assert sign_in(colleague, "sato@example.com").status_code == 302


def test_signing_in_clears_the_account_failures(
    app: Flask, client: FlaskClient
) -> None:
    make_operator(app, "sato@example.com")
    for _ in range(4):
        sign_in(client, "sato@example.com", "guess")
    assert sign_in(client, "sato@example.com").status_code == 302
    client.post("/operator/logout", data={"csrf_token": csrf_of(client)})
    for _ in range(4):
        sign_in(client, "sato@example.com", "guess")
    assert sign_in(client, "sato@example.com").status_code == 302
    with app.app_context():
        keys = list(get_redis().scan_iter("operator:failures:*"))
    # Only the IP's count is left, under a hash: no email in Redis.
    assert len(keys) == 1 and b"example" not in keys[0]
