"""Postback data codec: `action=name&key=value`, as rich menus and buttons send it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

MAX_POSTBACK_DATA = 300


class BadPostbackData(ValueError):
    """The postback data is not `action=...` form data."""


def encode_postback(action: str, **params: str) -> str:
    """Build postback data for an action and its parameters."""
    data = urlencode({"action": action, **params})
    if len(data) > MAX_POSTBACK_DATA:
        raise ValueError("postback data is limited to 300 characters by LINE")
    return data


def decode_postback(data: str) -> tuple[str, dict[str, str]]:
    """Split postback data into its action and parameters."""
    try:
        pairs = parse_qsl(data, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise BadPostbackData("postback data is not form-encoded") from exc
    params = dict(pairs)
    action = params.pop("action", "")
    if not action:
        raise BadPostbackData("postback data has no action")
    return action, params
