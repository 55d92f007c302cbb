"""Barcode and QR code pictures as inline SVG, sized by the page, not in mm."""

from __future__ import annotations

import io
import re
from functools import lru_cache

import barcode
import qrcode
import qrcode.image.svg
from barcode.writer import SVGWriter

_MM = re.compile(r'="(-?\d+(?:\.\d+)?)mm"')
_SIZE = re.compile(r'<svg ([^>]*?)width="([\d.]+)" height="([\d.]+)"')


def _inline(svg: str) -> str:
    """Drop the XML prolog and make the picture scale to its container."""
    svg = svg[svg.index("<svg") :]
    svg = _MM.sub(r'="\1"', svg)
    return _SIZE.sub(
        r'<svg \1viewBox="0 0 \2 \3" preserveAspectRatio="xMidYMid meet" '
        r'shape-rendering="crispEdges" role="img"',
        svg,
        count=1,
    )


@lru_cache(maxsize=4096)
def barcode_svg(member_no: str, symbology: str = "code128") -> str:
    """Return the member number as a Code128 or EAN-13 (JAN) barcode; cached."""
    if symbology not in ("code128", "ean13"):
        raise ValueError(f"unsupported barcode format {symbology}")
    # EAN-13 takes the 12-digit body and adds the check digit itself.
    data = member_no[:12] if symbology == "ean13" else member_no
    symbol = barcode.get(symbology, data, writer=SVGWriter())
    buffer = io.BytesIO()
    # A wide quiet zone and tall bars read reliably from a phone screen.
    symbol.write(
        buffer,
        options={
            "module_width": 0.33,
            "module_height": 18.0,
            "quiet_zone": 6.5,
            # The page prints the number in large type under the bars.
            "write_text": False,
        },
    )
    return _inline(buffer.getvalue().decode())


def qr_svg(data: str) -> str:
    """Return a QR code (error correction M) for short data as inline SVG."""
    # A fixed mask (valid for every reader) skips the eight-mask scoring pass,
    # which is most of the drawing time; the card API draws one per request.
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
        mask_pattern=0,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(data)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    svg = re.sub(r' width="[\d.]+mm" height="[\d.]+mm"', "", svg, count=1)
    return svg.replace("<svg ", '<svg role="img" shape-rendering="crispEdges" ', 1)
