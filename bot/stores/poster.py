"""The register poster: a QR code that adds the shop as a friend from a store.

Mechanism: the QR code holds `BOT_BASE_URL/join?store=CODE`. That page (see
`bot/stores/join.py`) remembers the store in the signed session cookie of the
browser that opened it (LINE's in-app browser when scanned with LINE) and
sends the customer on to the add-friend URL
`https://line.me/R/ti/p/<LINE_BOT_BASIC_ID>`. The registration page, opened
from the chat in the same in-app browser, reads the store back with
`joined_store_code()` and records it as the member's home store.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import qrcode
from flask import current_app
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from bot.stores.models import Store

log = logging.getLogger(__name__)

# A4 portrait at 150 dpi: sharp enough for a register, small enough to mail.
DPI = 150
PAGE_SIZE = (1240, 1754)
FALLBACK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
LINE_GREEN = (6, 199, 85)
QR_TOP = 500
QR_SQUARE = 900
MAX_QR_BOX = 22

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class PosterFiles:
    """The files written for one store."""

    png: Path
    pdf: Path
    url: str


def join_url(store_code: str) -> str:
    """Return the URL the poster's QR code opens."""
    base = current_app.config["SETTINGS"].BOT_BASE_URL.rstrip("/")
    return f"{base}/join?{urlencode({'store': store_code})}"


def add_friend_url() -> str:
    """Return LINE's add-friend URL for the shop's basic id."""
    basic_id = current_app.config["SETTINGS"].LINE_BOT_BASIC_ID
    return f"https://line.me/R/ti/p/{quote(basic_id)}"


def find_japanese_font() -> Path | None:
    """Find a bold Japanese font with fontconfig, else the Debian Noto path."""
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{file}", "sans:lang=ja:weight=bold"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and Path(found).exists() and "CJK" in found.upper():
            return Path(found)
    return FALLBACK_FONT if FALLBACK_FONT.exists() else None


def _font(path: Path | None, size: int) -> Font:
    if path is not None:
        try:
            return ImageFont.truetype(str(path), size=size, index=0)
        except OSError:
            log.warning("poster font could not be loaded", extra={"font": str(path)})
    # Without a Japanese font the Latin parts stay readable; kana become boxes.
    return ImageFont.load_default(size=size)


def render_poster(store: Store, out_dir: Path) -> PosterFiles:
    """Write `<code>-poster.png` and `.pdf` for the store into out_dir."""
    url = join_url(store.code)
    font_path = find_japanese_font()
    page = Image.new("RGB", PAGE_SIZE, "white")
    draw = ImageDraw.Draw(page)
    width, height = PAGE_SIZE
    draw.rectangle((0, 0, width, 220), fill=LINE_GREEN)
    _centered(draw, 70, "LINEで友だち追加", _font(font_path, 84), "white")
    _centered(
        draw, 300, store.name, _fitting_font(draw, store.name, font_path, 72), "black"
    )
    _centered(draw, 400, "QRコードを読み取って会員登録", _font(font_path, 52), "black")
    qr_image = _qr_image(url)
    qr_left = (width - qr_image.width) // 2
    page.paste(qr_image, (qr_left, QR_TOP))
    below = QR_TOP + qr_image.height + 40
    lines = [
        "友だち追加のあと、メニューの「会員登録・連携」から",
        f"ご登録いただくと、{store.name}がホーム店舗になります。",
        "ポイント・クーポン・お知らせをLINEでお届けします。",
    ]
    body = _font(font_path, 36)
    for index, line in enumerate(lines):
        _centered(draw, below + index * 56, line, body, "black")
    _centered(draw, height - 120, url, _font(font_path, 26), (90, 90, 90))
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f"{store.code}-poster.png"
    pdf = out_dir / f"{store.code}-poster.pdf"
    page.save(png, "PNG", dpi=(DPI, DPI))
    page.save(pdf, "PDF", resolution=float(DPI))
    return PosterFiles(png=png, pdf=pdf, url=url)


def qr_box_size(modules: int) -> int:
    """Return the pixels per QR module so that the code fits its 900 px square."""
    return max(4, min(MAX_QR_BOX, QR_SQUARE // modules))


def _qr_image(url: str) -> Image.Image:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    code.box_size = qr_box_size(len(code.get_matrix()))
    return (
        code.make_image(fill_color="black", back_color="white")
        .get_image()
        .convert("RGB")
    )


def _fitting_font(
    draw: ImageDraw.ImageDraw, text: str, path: Path | None, size: int
) -> Font:
    """Return the largest font up to `size` that keeps the text on the page."""
    while size > 24:
        font = _font(path, size)
        left, _, right, _ = draw.textbbox((0, 0), text, font=font)
        if right - left <= PAGE_SIZE[0] - 120:
            return font
        size -= 4
    return _font(path, size)


def _centered(
    draw: ImageDraw.ImageDraw, top: int, text: str, font: Font, fill: object
) -> None:
    left, _, right, _ = draw.textbbox((0, 0), text, font=font)
    x = (PAGE_SIZE[0] - (right - left)) // 2
    draw.text((x, top), text, font=font, fill=fill)
