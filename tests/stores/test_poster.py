"""The register poster: PNG and PDF whose QR code leads to /join for the store."""

from __future__ import annotations

from pathlib import Path

import qrcode
from flask import Flask
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from bot.stores.poster import find_japanese_font, qr_box_size
from bot.stores.poster_cli import poster_command
from tests.segments.factories import make_store

EXPECTED_URL = "https://bot.example.jp/join?store=S001"


def _qr_matrix(url: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def test_poster_writes_png_and_pdf_with_the_join_qr(app: Flask, tmp_path: Path) -> None:
    app.config["SETTINGS"] = _settings(app, BOT_BASE_URL="https://bot.example.jp/")
    with app.app_context():
        make_store("S001", name="丸の内店")
    result = app.test_cli_runner().invoke(
        poster_command, ["S001", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert f"QR code opens {EXPECTED_URL}" in result.output
    png, pdf = tmp_path / "S001-poster.png", tmp_path / "S001-poster.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    image = Image.open(png).convert("L")
    assert image.size == (1240, 1754)
    # Read the printed modules back and compare with the QR code of the URL.
    matrix = _qr_matrix(EXPECTED_URL)
    box = qr_box_size(len(matrix))
    left, top = (1240 - len(matrix) * box) // 2, 500
    printed = [
        [
            image.getpixel((left + x * box + box // 2, top + y * box + box // 2)) < 128
            for x in range(len(matrix))
        ]
        for y in range(len(matrix))
    ]
    assert printed == matrix


def test_poster_for_unknown_store_is_refused(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(
        poster_command, ["NOPE", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "no store with code 'NOPE'" in result.output
    assert list(tmp_path.iterdir()) == []


def test_japanese_font_is_found() -> None:
    font = find_japanese_font()
    assert font is not None and font.suffix in (".ttc", ".otf", ".ttf")


def test_join_page_remembers_the_store_and_leads_to_add_friend(app: Flask) -> None:
    with app.app_context():
        make_store("S001", name="丸の内店")
    client = app.test_client()
    page = client.get("/join?store=S001")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "丸の内店" in html
    assert 'href="https://line.me/R/ti/p/%40omo-shop"' in html
    with client.session_transaction() as session:
        assert session["join_store"] == "S001"
    assert client.get("/join?store=NOPE").status_code == 404


def _settings(app: Flask, **changes: object) -> object:
    from dataclasses import replace

    return replace(app.config["SETTINGS"], **changes)
