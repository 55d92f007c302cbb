"""Rich menus, their images, aliases, the default menu and per-user links."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

from line_emulator import errors
from line_emulator.errors import LineApiError
from line_emulator.ids import new_rich_menu_id

MAX_IMAGE_BYTES = 1024 * 1024
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}


@dataclass
class RichMenuImage:
    """An uploaded rich menu image."""

    content_type: str
    data: bytes


class RichMenuStore:
    """Rich menu state of one channel; callers hold the platform lock."""

    def __init__(self) -> None:
        self.menus: dict[str, dict[str, Any]] = {}
        self.images: dict[str, RichMenuImage] = {}
        self.aliases: dict[str, str] = {}
        self.default_id: str | None = None
        self.user_links: dict[str, str] = {}

    def create(self, menu: dict[str, Any], limit: int) -> str:
        """Store a validated rich menu object and return its new id."""
        if len(self.menus) >= limit:
            raise LineApiError(400, errors.RICH_MENU_LIMIT)
        rich_menu_id = new_rich_menu_id()
        self.menus[rich_menu_id] = {"richMenuId": rich_menu_id, **menu}
        return rich_menu_id

    def get(self, rich_menu_id: str) -> dict[str, Any]:
        """Return a rich menu or raise LINE's 404."""
        menu = self.menus.get(rich_menu_id)
        if menu is None:
            raise errors.not_found()
        return menu

    def delete(self, rich_menu_id: str) -> None:
        """Delete a menu, its image, its aliases, links and default use."""
        self.get(rich_menu_id)
        del self.menus[rich_menu_id]
        self.images.pop(rich_menu_id, None)
        if self.default_id == rich_menu_id:
            self.default_id = None
        for user_id in [u for u, m in self.user_links.items() if m == rich_menu_id]:
            del self.user_links[user_id]
        for alias_id in [a for a, m in self.aliases.items() if m == rich_menu_id]:
            del self.aliases[alias_id]

    def upload_image(self, rich_menu_id: str, content_type: str, data: bytes) -> None:
        """Accept an image once, if it decodes as its type and fits the menu."""
        menu = self.get(rich_menu_id)
        image_format = IMAGE_FORMATS.get(content_type.split(";")[0].strip().lower())
        if image_format is None:
            raise LineApiError(
                415, f"The content type, '{content_type}', is not supported"
            )
        if len(data) > MAX_IMAGE_BYTES:
            raise LineApiError(413, "The image exceeds the maximum size of 1 MB")
        if rich_menu_id in self.images:
            raise LineApiError(400, errors.IMAGE_ALREADY_UPLOADED)
        try:
            with Image.open(io.BytesIO(data)) as image:
                decoded_format, size = image.format, image.size
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise LineApiError(400, "The image could not be decoded") from exc
        if decoded_format != image_format:
            raise LineApiError(
                400,
                f"The image is not in the format of its content type, {content_type}",
            )
        expected = (menu["size"]["width"], menu["size"]["height"])
        if size != expected:
            raise LineApiError(
                400,
                "The image size must match the rich menu size "
                f"({expected[0]}x{expected[1]}), got {size[0]}x{size[1]}",
            )
        self.images[rich_menu_id] = RichMenuImage(content_type, data)

    def image(self, rich_menu_id: str) -> RichMenuImage:
        """Return the uploaded image or raise LINE's 404."""
        self.get(rich_menu_id)
        image = self.images.get(rich_menu_id)
        if image is None:
            raise errors.not_found()
        return image

    def require_image(self, rich_menu_id: str) -> None:
        """Refuse to apply a menu that is unknown or has no image yet."""
        if rich_menu_id not in self.menus:
            raise LineApiError(400, errors.RICH_MENU_NOT_FOUND)
        if rich_menu_id not in self.images:
            raise LineApiError(400, errors.IMAGE_NOT_UPLOADED)

    def set_default(self, rich_menu_id: str) -> None:
        """Make a menu the default for every user."""
        self.require_image(rich_menu_id)
        self.default_id = rich_menu_id

    def link(self, user_ids: list[str], rich_menu_id: str) -> None:
        """Link a menu to users."""
        self.require_image(rich_menu_id)
        for user_id in user_ids:
            self.user_links[user_id] = rich_menu_id

    def unlink(self, user_ids: list[str]) -> None:
        """Remove per-user links."""
        for user_id in user_ids:
            self.user_links.pop(user_id, None)

    def effective_menu_id(self, user_id: str) -> tuple[str | None, str | None]:
        """Return the menu a user sees and why: linked, default or none."""
        if user_id in self.user_links:
            return self.user_links[user_id], "linked"
        if self.default_id:
            return self.default_id, "default"
        return None, None

    def create_alias(self, alias_id: str, rich_menu_id: str) -> None:
        """Add an alias; an existing alias id is a conflict."""
        if alias_id in self.aliases:
            raise LineApiError(400, errors.ALIAS_CONFLICT)
        self.require_image(rich_menu_id)
        self.aliases[alias_id] = rich_menu_id

    def update_alias(self, alias_id: str, rich_menu_id: str) -> None:
        """Point an existing alias at another menu."""
        if alias_id not in self.aliases:
            raise errors.not_found()
        self.require_image(rich_menu_id)
        self.aliases[alias_id] = rich_menu_id

    def get_alias(self, alias_id: str) -> dict[str, str]:
        """Return an alias or raise LINE's 404."""
        if alias_id not in self.aliases:
            raise errors.not_found()
        return {"richMenuAliasId": alias_id, "richMenuId": self.aliases[alias_id]}

    def delete_alias(self, alias_id: str) -> None:
        """Delete an alias or raise LINE's 404."""
        if self.aliases.pop(alias_id, None) is None:
            raise errors.not_found()
