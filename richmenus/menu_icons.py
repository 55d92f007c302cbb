"""Simple flat icons for rich menu tiles, drawn with Pillow shapes (used by draw.py).

Each painter draws into an ``s`` x ``s`` square with ``ink`` on a transparent layer;
``bg`` is the tile colour, for cut-outs. ``font`` supplies glyphs such as "P" or "?".
"""

from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFont

SUPERSAMPLE = 4

Font = ImageFont.FreeTypeFont


def paste_icon(
    image: Image.Image,
    name: str,
    at: tuple[float, float],
    size: int,
    ink: str,
    bg: str,
    font: Font,
) -> None:
    """Draw an icon at 4x on its own layer and paste it down-sampled (antialiased)."""
    big = size * SUPERSAMPLE
    layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    ICONS[name](ImageDraw.Draw(layer), big, ink, bg, font)
    layer = layer.resize((size, size), Image.Resampling.LANCZOS)
    image.paste(layer, (round(at[0]), round(at[1])), layer)


def icon_card(d: ImageDraw.ImageDraw, s: int, ink: str, bg: str, font: Font) -> None:
    """Draw a member card: a card outline with a portrait and text lines."""
    w = s // 14
    d.rounded_rectangle(
        (0, s * 0.17, s, s * 0.83), radius=s * 0.09, outline=ink, width=w
    )
    cx, cy, r = s * 0.29, s * 0.42, s * 0.09
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=ink)
    d.pieslice(
        (cx - r * 1.9, cy + r * 1.35, cx + r * 1.9, cy + r * 5), 180, 360, fill=ink
    )
    for row, end in ((0.36, 0.86), (0.5, 0.8), (0.64, 0.72)):
        d.line((s * 0.52, s * row, s * end, s * row), fill=ink, width=w)


def icon_points(d: ImageDraw.ImageDraw, s: int, ink: str, bg: str, font: Font) -> None:
    """Draw a point coin: a filled circle with a ring and a P."""
    d.ellipse((s * 0.06, s * 0.06, s * 0.94, s * 0.94), fill=ink)
    d.ellipse((s * 0.16, s * 0.16, s * 0.84, s * 0.84), outline=bg, width=s // 36)
    glyph = font.font_variant(size=int(s * 0.46))
    d.text((s / 2, s / 2), "P", font=glyph, fill=bg, anchor="mm")


def icon_coupon(d: ImageDraw.ImageDraw, s: int, ink: str, bg: str, font: Font) -> None:
    """Draw a coupon ticket with side notches, a tear line and a percent sign."""
    top, bottom, mid, r = s * 0.2, s * 0.8, s * 0.5, s * 0.08
    d.rounded_rectangle((0, top, s, bottom), radius=s * 0.07, fill=ink)
    for cx in (0, s):
        d.ellipse((cx - r, mid - r, cx + r, mid + r), fill=(0, 0, 0, 0))
    dash = s * 0.07
    for i in range(int((bottom - top) / dash) - 1):
        y = top + dash * (i + 0.6)
        d.line((s * 0.33, y, s * 0.33, y + dash * 0.55), fill=bg, width=s // 36)
    glyph = font.font_variant(size=int(s * 0.36))
    d.text((s * 0.66, mid), "%", font=glyph, fill=bg, anchor="mm")


def icon_store(d: ImageDraw.ImageDraw, s: int, ink: str, bg: str, font: Font) -> None:
    """Draw a shop front: a scalloped awning over a building with a door."""
    d.rectangle((s * 0.14, s * 0.4, s * 0.86, s * 0.9), outline=ink, width=s // 14)
    d.rectangle((s * 0.41, s * 0.6, s * 0.59, s * 0.9), fill=ink)
    awning = ((s * 0.1, s * 0.1), (s * 0.9, s * 0.1), (s, s * 0.3), (0, s * 0.3))
    d.polygon(awning, fill=ink)
    for i in range(5):
        d.pieslice((s * 0.2 * i, s * 0.2, s * 0.2 * (i + 1), s * 0.4), 0, 180, fill=ink)


def icon_faq(d: ImageDraw.ImageDraw, s: int, ink: str, bg: str, font: Font) -> None:
    """Draw a speech bubble with a question mark."""
    _bubble(d, s, ink)
    glyph = font.font_variant(size=int(s * 0.52))
    d.text((s / 2, s * 0.43), "?", font=glyph, fill=bg, anchor="mm")


def icon_chat_end(
    d: ImageDraw.ImageDraw, s: int, ink: str, bg: str, font: Font
) -> None:
    """Draw a speech bubble with a cross."""
    _bubble(d, s, ink)
    cx, cy, r = s / 2, s * 0.43, s * 0.14
    d.line((cx - r, cy - r, cx + r, cy + r), fill=bg, width=s // 12)
    d.line((cx - r, cy + r, cx + r, cy - r), fill=bg, width=s // 12)


def _bubble(d: ImageDraw.ImageDraw, s: int, ink: str) -> None:
    d.ellipse((0, s * 0.08, s, s * 0.78), fill=ink)
    d.polygon(
        ((s * 0.2, s * 0.6), (s * 0.44, s * 0.74), (s * 0.12, s * 0.94)), fill=ink
    )


def icon_bag(d: ImageDraw.ImageDraw, s: int, ink: str, bg: str, font: Font) -> None:
    """Draw a shopping bag with a handle."""
    w = s // 13
    d.arc((s * 0.32, s * 0.06, s * 0.68, s * 0.5), 180, 360, fill=ink, width=w)
    for x in (s * 0.32 + w / 2, s * 0.68 - w / 2):
        d.line((x, s * 0.27, x, s * 0.42), fill=ink, width=w)
    d.rounded_rectangle(
        (s * 0.12, s * 0.36, s * 0.88, s * 0.94), radius=s * 0.07, fill=ink
    )


def icon_member_add(
    d: ImageDraw.ImageDraw, s: int, ink: str, bg: str, font: Font
) -> None:
    """Draw a person with a plus badge."""
    _person_with_badge(d, s, ink, bg, plus=True)


def icon_member_remove(
    d: ImageDraw.ImageDraw, s: int, ink: str, bg: str, font: Font
) -> None:
    """Draw a person with a minus badge."""
    _person_with_badge(d, s, ink, bg, plus=False)


def _person_with_badge(
    d: ImageDraw.ImageDraw, s: int, ink: str, bg: str, plus: bool
) -> None:
    d.ellipse((s * 0.18, s * 0.06, s * 0.5, s * 0.38), fill=ink)
    d.pieslice((0, s * 0.44, s * 0.68, s * 1.18), 180, 360, fill=ink)
    cx, cy, r, ring = s * 0.75, s * 0.7, s * 0.21, s * 0.05
    d.ellipse((cx - r - ring, cy - r - ring, cx + r + ring, cy + r + ring), fill=bg)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=ink)
    arm, w = r * 0.55, s // 16
    d.line((cx - arm, cy, cx + arm, cy), fill=bg, width=w)
    if plus:
        d.line((cx, cy - arm, cx, cy + arm), fill=bg, width=w)


Painter = Callable[[ImageDraw.ImageDraw, int, str, str, Font], None]
ICONS: dict[str, Painter] = {
    "bag": icon_bag,
    "card": icon_card,
    "chat-end": icon_chat_end,
    "coupon": icon_coupon,
    "faq": icon_faq,
    "member-add": icon_member_add,
    "member-remove": icon_member_remove,
    "points": icon_points,
    "store": icon_store,
}
