"""POST /api/pos/scan: member numbers, one-time card codes, and every refusal."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.cards.service import issue_card_code
from bot.extensions import db
from bot.members.numbers import ean13_check_digit
from bot.models_base import utcnow
from tests.pos.factories import bearer, make_member, make_store


@pytest.fixture
def key(app: Flask) -> str:
    return make_store(app)


def scan(client: FlaskClient, key: str, code: Any) -> Any:
    return client.post("/api/pos/scan", json={"code": code}, headers=bearer(key))


def card_code(app: Flask, member_id: int, seconds: int = 60) -> str:
    with app.app_context():
        code = issue_card_code(member_id, utcnow(), seconds).code
        db.session.commit()
        return code


def test_member_number_gives_the_member_summary(
    app: Flask, client: FlaskClient, key: str
) -> None:
    member = make_member(app, rank="silver", points=350)
    answer = scan(client, key, member["member_no"] + "\r\n")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["via"] == "member_no"
    assert body["member"]["member_no"] == member["member_no"]
    assert (body["member"]["name"], body["member"]["points"]) == ("山田 花子", 350)
    assert body["member"]["rank_label"] == "シルバー"


def test_card_code_works_once(app: Flask, client: FlaskClient, key: str) -> None:
    member = make_member(app, points=10)
    code = card_code(app, member["id"])
    first = scan(client, key, code)
    assert first.status_code == 200
    assert first.get_json()["via"] == "card_code"
    assert first.get_json()["member"]["member_no"] == member["member_no"]
    again = scan(client, key, code)
    assert again.status_code == 410
    assert again.get_json()["error"] == "code_used"
    assert "使用済み" in again.get_json()["message"]


def test_expired_card_code_is_410(app: Flask, client: FlaskClient, key: str) -> None:
    member = make_member(app)
    code = card_code(app, member["id"], seconds=-1)
    answer = scan(client, key, code)
    assert answer.status_code == 410
    assert answer.get_json()["error"] == "code_expired"
    assert "有効期限切れ" in answer.get_json()["message"]


def test_unknown_member_and_unknown_code_are_404(client: FlaskClient, key: str) -> None:
    body = "290000000001"
    unknown_member = body + ean13_check_digit(body)
    assert scan(client, key, unknown_member).status_code == 404
    assert scan(client, key, unknown_member).get_json()["error"] == "unknown_member"
    wrong_check_digit = body + str((int(ean13_check_digit(body)) + 1) % 10)
    assert scan(client, key, wrong_check_digit).status_code == 404
    assert scan(client, key, "1234567890123456").status_code == 404


@pytest.mark.parametrize("code", ["", "hello", "12345", 1234567890123, None])
def test_unreadable_or_missing_code_is_422(
    client: FlaskClient, key: str, code: Any
) -> None:
    answer = scan(client, key, code)
    assert answer.status_code == 422
    assert answer.get_json()["message"]


def test_body_that_is_not_an_object_is_422(client: FlaskClient, key: str) -> None:
    answer = client.post("/api/pos/scan", json=["code", "1"], headers=bearer(key))
    assert answer.status_code == 422
    assert answer.get_json()["error"] == "invalid_body"
    # A body not sent as JSON at all says so (it was 422 too).
    answer = client.post(
        "/api/pos/scan", data="code=1", headers=bearer(key), content_type="text/plain"
    )
    assert answer.status_code == 415


@pytest.mark.parametrize(
    "path", ["/api/pos/scan", "/api/pos/transactions", "/api/pos/refunds"]
)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer pos_wrong"}, {"Authorization": "Token x"}],
)
def test_bad_key_is_401_everywhere(
    client: FlaskClient, key: str, path: str, headers: dict[str, str]
) -> None:
    answer = client.post(path, json={}, headers=headers)
    assert answer.status_code == 401
    assert answer.get_json()["error"] == "unauthorized"


def test_revoked_key_is_401_and_the_new_one_works(
    app: Flask, client: FlaskClient, key: str
) -> None:
    from bot.stores.service import issue_api_key

    with app.app_context():
        new_key = issue_api_key("S001", utcnow(), revoke_old=True)
        db.session.commit()
    assert client.get("/api/pos/store", headers=bearer(key)).status_code == 401
    answer = client.get("/api/pos/store", headers=bearer(new_key))
    assert answer.status_code == 200
    assert answer.get_json() == {"code": "S001", "name": "渋谷店"}
