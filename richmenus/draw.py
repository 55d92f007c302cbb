"""Draw each rich menu's image from its JSON definition.

Usage: python richmenus/draw.py [--dir richmenus] [--font PATH]

Every area becomes a tile showing its ``label`` (and ``caption`` and ``icon`` when
given); ``style`` picks the look: ``tile`` (default), ``primary``, ``muted``, ``tab``
or ``tab-current``. Images are written as palette PNGs, well under LINE's 1 MB.
"""

import argparse
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from menu_icons import ICONS, paste_icon
from PIL import Image, ImageDraw, ImageFont

MAX_IMAGE_BYTES = 1024 * 1024
KNOWN_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/System/Library/Fonts/ヒラギノ角ゴシック W6.ttc",
)
GUTTER = "#E3E7EC"
NAVY = "#12365C"
# style: (tile fill, label colour, caption colour)
STYLES = {
    "tile": ("#FFFFFF", "#1B2128", "#56606B"),
    "primary": (NAVY, "#FFFFFF", "#C7D6E8"),
    "muted": ("#F6F7F9", "#5B6571", "#6F7883"),
    "tab": ("#F6F7F9", "#3A434D", "#3A434D"),
    "tab-current": (NAVY, "#FFFFFF", "#FFFFFF"),
}
TAB_MARK = "#F5B800"
INSET = 8  # half the gap between neighbouring tiles, in pixels

Font = ImageFont.FreeTypeFont


def find_font(explicit: Path | None) -> Path:
    """Return a font file that has Japanese glyphs, or exit with advice."""
    if explicit is not None:
        if not explicit.is_file():
            sys.exit(f"font {explicit} not found")
        return explicit
    if shutil.which("fc-match"):
        for pattern in ("Noto Sans CJK JP:style=Bold", ":lang=ja:weight=bold"):
            result = subprocess.run(
                ["fc-match", "-f", "%{file}\n%{lang}", pattern],
                capture_output=True,
                text=True,
                check=False,
            )
            file, _, langs = result.stdout.partition("\n")
            if result.returncode == 0 and "ja" in langs.split("|"):
                return Path(file)
    for known in KNOWN_FONTS:
        if Path(known).is_file():
            return Path(known)
    sys.exit(
        "no Japanese font found: install fonts-noto-cjk (apt-get install "
        "fonts-noto-cjk) or pass --font PATH"
    )


def draw_menu(definition: dict[str, Any], font_path: Path) -> Image.Image:
    """Draw one menu: a tile per area on a light gutter colour."""
    size = definition["richMenu"]["size"]
    image = Image.new("RGB", (size["width"], size["height"]), GUTTER)
    tiles = [_Tile.from_area(area) for area in definition["richMenu"]["areas"]]
    # Ordinary tiles share one label size so a menu reads as one set.
    shared = min(
        (t.fitted_size(font_path) for t in tiles if t.style in {"tile", "muted"}),
        default=0,
    )
    for tile in tiles:
        if tile.style.startswith("tab"):
            tile.draw_tab(image, font_path)
        else:
            label_size = (
                tile.fitted_size(font_path) if tile.style == "primary" else shared
            )
            tile.draw(image, font_path, label_size)
    return image


@dataclass
class _Tile:
    """An area's box (inset to leave a gutter) and its drawing hints."""

    box: tuple[int, int, int, int]
    lines: list[str]
    caption: str
    icon: str
    style: str

    @classmethod
    def from_area(cls, area: dict[str, Any]) -> "_Tile":
        b = area["bounds"]
        box = (b["x"], b["y"], b["x"] + b["width"], b["y"] + b["height"])
        return cls(
            box=(box[0] + INSET, box[1] + INSET, box[2] - INSET, box[3] - INSET),
            lines=area.get("label", "").split("\n"),
            caption=area.get("caption", ""),
            icon=area.get("icon", ""),
            style=area.get("style", "tile"),
        )

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    @property
    def wide(self) -> bool:
        return self.width > 2.2 * self.height and self.icon in ICONS

    @property
    def icon_size(self) -> int:
        if self.icon not in ICONS:
            return 0
        return int(
            min(self.height * (0.42 if self.wide else 0.32), self.width * 0.4, 320)
        )

    @property
    def text_width(self) -> float:
        return self.width * 0.86 - (self.icon_size + 80 if self.wide else 0)

    def block_height(self, label_size: int) -> float:
        text = label_size * 1.25 * len(self.lines)
        text += label_size * 0.46 * 1.7 if self.caption else 0
        return text if self.wide else text + self.icon_size * 1.2

    def fitted_size(self, font_path: Path) -> int:
        """Return the largest label size whose text fits the tile both ways."""
        size = 150 if self.style == "primary" else 120
        while size > 48:
            font = ImageFont.truetype(str(font_path), size)
            wide_line = max(font.getlength(line) for line in self.lines)
            if (
                wide_line <= self.text_width
                and self.block_height(size) <= self.height * 0.84
            ):
                return size
            size -= 4
        return size

    def draw_tab(self, image: Image.Image, font_path: Path) -> None:
        """Draw a tab of the tab bar; the current tab is filled and underlined."""
        fill, ink, _ = STYLES[self.style]
        canvas = ImageDraw.Draw(image)
        canvas.rounded_rectangle(self.box, radius=24, fill=fill)
        left, top, right, bottom = self.box
        if self.style == "tab-current":
            canvas.rectangle(
                (left + 60, bottom - 16, right - 60, bottom), fill=TAB_MARK
            )
            bottom -= 16
        font = fit_font(font_path, self.lines[0], self.width - 80, 100, 64)
        centre = ((left + right) / 2, (top + bottom) / 2)
        canvas.text(centre, self.lines[0], font=font, fill=ink, anchor="mm")

    def draw(self, image: Image.Image, font_path: Path, label_size: int) -> None:
        """Draw the tile: icon above (or beside, when wide) its label and caption."""
        fill, ink, caption_ink = STYLES[self.style]
        canvas = ImageDraw.Draw(image)
        canvas.rounded_rectangle(self.box, radius=32, fill=fill)
        left, top = self.box[:2]
        label_font = ImageFont.truetype(str(font_path), label_size)
        caption_font = fit_font(
            font_path, self.caption, self.text_width, int(label_size * 0.46), 40
        )
        line_height = label_size * 1.25
        text_height = self.block_height(label_size) - (
            0 if self.wide else self.icon_size * 1.2
        )
        if self.wide:
            longest = max(canvas.textlength(t, font=label_font) for t in self.lines)
            x = left + (self.width - self.icon_size - 80 - longest) / 2
            icon_at = (x, top + (self.height - self.icon_size) / 2)
            text_x, anchor = x + self.icon_size + 80, "lm"
            text_y = top + (self.height - text_height) / 2
        else:
            y = top + (self.height - self.block_height(label_size)) / 2
            icon_at = (left + (self.width - self.icon_size) / 2, y)
            text_x, anchor = left + self.width / 2, "mm"
            text_y = y + self.icon_size * 1.2
        if self.icon in ICONS:
            paste_icon(image, self.icon, icon_at, self.icon_size, ink, fill, label_font)
        for index, line in enumerate(self.lines):
            at = (text_x, text_y + line_height * (index + 0.5))
            canvas.text(at, line, font=label_font, fill=ink, anchor=anchor)
        if self.caption:
            at = (
                text_x,
                text_y + line_height * len(self.lines) + caption_font.size * 0.9,
            )
            canvas.text(
                at, self.caption, font=caption_font, fill=caption_ink, anchor=anchor
            )


def fit_font(
    font_path: Path, text: str, width: float, largest: int, smallest: int
) -> Font:
    """Return the largest font size (down to ``smallest``) at which text fits."""
    size = largest
    while True:
        font = ImageFont.truetype(str(font_path), size)
        if size <= smallest or font.getlength(text) <= width:
            return font
        size -= 4


def save_image(image: Image.Image, path: Path) -> int:
    """Save as a palette PNG (or JPEG for a .jpg name) and return its size in bytes."""
    if path.suffix.lower() in {".jpg", ".jpeg"}:
        image.save(path, "JPEG", quality=90, optimize=True)
    else:
        palette = image.quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        palette.save(path, "PNG", optimize=True)
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    """Draw every menu in the directory and report each image's size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument(
        "--font", type=Path, default=None, help="a font with Japanese glyphs"
    )
    args = parser.parse_args(argv)
    font_path = find_font(args.font)
    print(f"font: {font_path}")
    status = 0
    for source in sorted(args.dir.glob("*.json")):
        definition = json.loads(source.read_text(encoding="utf-8"))
        target = source.parent / definition["image"]
        size = save_image(draw_menu(definition, font_path), target)
        verdict = "ok" if size <= MAX_IMAGE_BYTES else "TOO LARGE for LINE (max 1 MB)"
        print(f"{target}: {size} bytes, {verdict}")
        status = status or int(size > MAX_IMAGE_BYTES)
    return status


if __name__ == "__main__":
    sys.exit(main())
