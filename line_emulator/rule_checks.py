"""Small checks shared by the hand-written message and rich menu rules."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


def utf16_length(text: str) -> int:
    """Count characters as LINE does (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


class Problems:
    """Collects LINE-style error details: a message and a property path."""

    def __init__(self) -> None:
        self.details: list[dict[str, str]] = []

    def add(self, prop: str, message: str) -> None:
        """Record one problem."""
        self.details.append({"message": message, "property": prop})

    def require(self, obj: dict[str, Any], key: str, prop: str) -> bool:
        """Record a missing property; tell whether it is present."""
        if obj.get(key) is None:
            self.add(f"{prop}.{key}" if prop else key, "must be specified")
            return False
        return True

    def text(
        self,
        obj: dict[str, Any],
        key: str,
        prop: str,
        high: int,
        low: int = 0,
        required: bool = False,
    ) -> None:
        """Check an optional (or required) string's type and length."""
        where = f"{prop}.{key}" if prop else key
        if key not in obj or obj[key] is None:
            if required:
                self.add(where, "must be specified")
            return
        value = obj[key]
        if not isinstance(value, str):
            self.add(where, "Must be of type string")
        elif not low <= utf16_length(value) <= high:
            self.add(where, f"Length must be between {low} and {high}")

    def array(
        self, obj: dict[str, Any], key: str, prop: str, low: int, high: int
    ) -> list[Any]:
        """Check a required array's size; return it (or [] when unusable)."""
        where = f"{prop}.{key}" if prop else key
        value = obj.get(key)
        if value is None:
            self.add(where, "must be specified")
            return []
        if not isinstance(value, list):
            self.add(where, "Must be of type array")
            return []
        if not low <= len(value) <= high:
            self.add(where, f"Size must be between {low} and {high}")
        return value

    def url(
        self,
        obj: dict[str, Any],
        key: str,
        prop: str,
        schemes: tuple[str, ...] = ("https",),
        required: bool = False,
        high: int = 2000,
    ) -> None:
        """Check a URL's scheme and length."""
        where = f"{prop}.{key}" if prop else key
        if obj.get(key) is None:
            if required:
                self.add(where, "must be specified")
            return
        value = obj[key]
        if not isinstance(value, str):
            self.add(where, "Must be of type string")
            return
        parts = urlsplit(value)
        if parts.scheme not in schemes or (
            parts.scheme in ("http", "https") and not parts.netloc
        ):
            self.add(where, f"Invalid URL; the scheme must be one of {list(schemes)}")
        elif len(value) > high:
            self.add(where, f"Length must be between 0 and {high}")


def objects(values: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    """Return (index, item) for the items that are JSON objects."""
    return [(i, item) for i, item in enumerate(values) if isinstance(item, dict)]
