"""LINE's documented limits on what we send, checked where the content is written.

LINE counts a text's length in UTF-16 code units (an emoji outside the basic
plane counts two), so a text that Python counts as 5,000 characters can be
refused when it is sent. Checking here, when a marketer, an operator or a
content file gives the text, turns a failed send later into a clear error now.
"""

from __future__ import annotations

from urllib.parse import urlsplit

# Characters in a text message, and in an image's URL (Messaging API reference).
TEXT_LIMIT = 5000
URL_LIMIT = 2000


def line_length(text: str) -> int:
    """Return a text's length as LINE counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def text_fits(text: str) -> bool:
    """Tell whether a text message's text is 1 to TEXT_LIMIT characters for LINE."""
    return 1 <= line_length(text) <= TEXT_LIMIT


def https_url_problem(url: str) -> str | None:
    """Say what keeps LINE from taking an https URL for an image, or None."""
    if not url.startswith("https://"):
        return "must be an https URL"
    if len(url) > URL_LIMIT:
        return f"must be at most {URL_LIMIT:,} characters"
    if any(char.isspace() or ord(char) < 0x20 for char in url):
        return "must not contain spaces or control characters"
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    if not host:
        return "must name a host"
    return None
