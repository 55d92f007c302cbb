"""LIFF / LINE Login ID tokens: issued by the control API, verified like LINE."""

from __future__ import annotations

import time

from line_emulator.client import EmulatorClient
from tests.emulator.conftest import HttpAnswer, http_call


def _verify(base_url: str, **form: str) -> HttpAnswer:
    from urllib.parse import urlencode

    return http_call(
        f"{base_url}/oauth2/v2.1/verify",
        "POST",
        data=urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        token=None,
    )


def test_verify_answers_the_claims(control: EmulatorClient, friend_id: str) -> None:
    id_token = control.issue_id_token(friend_id, "1234567890", nonce="abc")
    answer = _verify(control.base_url, id_token=id_token, client_id="1234567890")
    assert answer.status == 200
    claims = answer.body
    assert claims["iss"] == "https://access.line.me"
    assert (claims["sub"], claims["aud"], claims["name"]) == (
        friend_id,
        "1234567890",
        "Hanako",
    )
    assert claims["exp"] > time.time() >= claims["iat"] - 1
    assert claims["nonce"] == "abc"


def test_verify_refusals(control: EmulatorClient, friend_id: str) -> None:
    expired = control.issue_id_token(friend_id, "1", expires_in=-10)
    valid = control.issue_id_token(friend_id, "1")
    cases = {
        "IdToken expired.": {"id_token": expired, "client_id": "1"},
        "Invalid IdToken.": {"id_token": valid[:-3] + "abc", "client_id": "1"},
        "Invalid IdToken Audience.": {"id_token": valid, "client_id": "2"},
    }
    for description, form in cases.items():
        answer = _verify(control.base_url, **form)
        assert answer.status == 400
        assert answer.body == {
            "error": "invalid_request",
            "error_description": description,
        }
