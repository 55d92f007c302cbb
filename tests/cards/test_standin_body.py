"""The LIFF stand-in's ID-token relay refuses a body that is not an object."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize("body", ["[1]", '"x"', "3", "null", "not json"])
def test_a_body_that_is_not_an_object_is_400(client: FlaskClient, body: str) -> None:
    # An array or a string was a 500 ('list' object has no attribute 'get').
    answer = client.post(
        "/liff/standin/id-token", data=body, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_body"
