"""POST /api/member/card: ID token checks, the card's content, its QR code."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bot.cards.models import CardCode
from bot.cards.render import qr_svg
from bot.extensions import db
from line_emulator.client import EmulatorClient
from line_emulator.traffic import Fault
from tests.pos.factories import CARD_SETTINGS, LOGIN_CHANNEL_ID, bearer, make_member


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(CARD_SETTINGS)


def new_line_user(emulator: Any, name: str = "山田 花子") -> str:
    return emulator.platform.add_user(display_name=name).user_id


def id_token(emulator: Any, user_id: str, **options: Any) -> str:
    options.setdefault("channel_id", LOGIN_CHANNEL_ID)
    return EmulatorClient(emulator.base_url).issue_id_token(user_id, **options)


def card(client: FlaskClient, token: str) -> Any:
    return client.post("/api/member/card", headers=bearer(token))


def test_card_of_a_linked_member(
    app: Flask, client: FlaskClient, emulator: Any
) -> None:
    user_id = new_line_user(emulator)
    member = make_member(app, line_user_id=user_id, rank="gold", points=1200)
    answer = card(client, id_token(emulator, user_id))
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert body["member_no"] == member["member_no"]
    assert (body["name"], body["rank"], body["points"]) == ("山田 花子", "gold", 1200)
    assert body["points_expire_at"] is not None
    assert body["barcode_format"] == "code128"
    assert (
        body["barcode_svg"].startswith("<svg")
        and body["barcode_svg"].count("<rect") > 20
    )
    assert re.fullmatch(r"[1-9]\d{15}", body["qr_code"])
    # The QR picture carries exactly the short-lived code.
    assert body["qr_svg"] == qr_svg(body["qr_code"])
    issued = datetime.fromisoformat(body["issued_at"])
    expires = datetime.fromisoformat(body["qr_expires_at"])
    assert (expires - issued).total_seconds() == 60
    assert [h["kind"] for h in body["history"]] == ["opening"]
    with app.app_context():
        row = db.session.scalar(
            sa.select(CardCode).where(CardCode.code == body["qr_code"])
        )
        assert row is not None and row.member_id == member["id"] and row.used_at is None


def test_each_card_gets_a_new_code_and_the_token_is_checked_once(
    app: Flask, client: FlaskClient, emulator: Any
) -> None:
    user_id = new_line_user(emulator)
    make_member(app, line_user_id=user_id)
    emulator.platform.state.calls.clear()
    token = id_token(emulator, user_id)
    first = card(client, token).get_json()
    second = card(client, token).get_json()
    assert first["qr_code"] != second["qr_code"]
    verify_calls = emulator.platform.state.calls.find(path="/oauth2/v2.1/verify")
    assert len(verify_calls) == 1
    assert verify_calls[0].body["client_id"] == LOGIN_CHANNEL_ID
    assert verify_calls[0].body["id_token"] == "<redacted>"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer not-a-jwt"}],
)
def test_missing_or_malformed_token_is_401(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    answer = client.post("/api/member/card", headers=headers)
    assert answer.status_code == 401
    assert answer.get_json()["error"] == "invalid_token"


def test_expired_token_is_401(app: Flask, client: FlaskClient, emulator: Any) -> None:
    user_id = new_line_user(emulator)
    make_member(app, line_user_id=user_id)
    answer = card(client, id_token(emulator, user_id, expires_in=-10))
    assert answer.status_code == 401
    assert "ページを開き直して" in answer.get_json()["message"]


def test_token_for_another_channel_is_401(
    app: Flask, client: FlaskClient, emulator: Any
) -> None:
    user_id = new_line_user(emulator)
    make_member(app, line_user_id=user_id)
    answer = card(client, id_token(emulator, user_id, channel_id="1999999999"))
    assert answer.status_code == 401


def test_line_user_without_membership_is_403_with_what_to_do(
    client: FlaskClient, emulator: Any
) -> None:
    user_id = new_line_user(emulator)
    answer = card(client, id_token(emulator, user_id))
    assert answer.status_code == 403
    body = answer.get_json()
    assert body["error"] == "not_linked"
    assert "会員登録・連携" in body["message"]


def test_verify_endpoint_down_is_503_not_401(
    app: Flask, client: FlaskClient, emulator: Any
) -> None:
    user_id = new_line_user(emulator)
    make_member(app, line_user_id=user_id)
    token = id_token(emulator, user_id)
    with emulator.platform.lock:
        emulator.platform.state.faults.add(
            Fault(path="/oauth2/v2.1/verify", status=500, remaining=1)
        )
    assert card(client, token).status_code == 503
    assert card(client, token).status_code == 200


@pytest.mark.parametrize(
    "settings_overrides", [{**CARD_SETTINGS, "BARCODE_FORMAT": "ean13"}]
)
def test_ean13_barcode_when_configured(
    app: Flask, client: FlaskClient, emulator: Any
) -> None:
    user_id = new_line_user(emulator)
    make_member(app, line_user_id=user_id)
    body = card(client, id_token(emulator, user_id)).get_json()
    assert body["barcode_format"] == "ean13"
    # EAN-13 draws 30 bars (guards included); Code128 of 13 digits draws more.
    assert body["barcode_svg"].count('style="fill:black;"') == 30
