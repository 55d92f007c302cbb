"""Console sign-in, sessions and CSRF."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.handoff.helpers import csrf_of, make_operator, sign_in


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
