"""Browsers ask both servers for /favicon.ico: neither answers 404."""

from __future__ import annotations

from flask.testing import FlaskClient
from PIL import Image

from line_emulator import create_app as create_emulator


def _is_icon(data: bytes) -> bool:
    import io

    with Image.open(io.BytesIO(data)) as image:
        return image.format == "ICO"


def test_the_bot_serves_a_favicon(client: FlaskClient) -> None:
    answer = client.get("/favicon.ico")

    assert answer.status_code == 200
    assert answer.mimetype == "image/vnd.microsoft.icon"
    assert _is_icon(answer.data)


def test_the_emulator_serves_a_favicon_and_does_not_record_it() -> None:
    emulator = create_emulator()
    platform = emulator.extensions["line_emulator"]

    answer = emulator.test_client().get("/favicon.ico")

    assert answer.status_code == 200
    assert _is_icon(answer.data)
    assert "x-line-request-id" not in answer.headers
    assert platform.state.calls.find("/favicon.ico") == []
