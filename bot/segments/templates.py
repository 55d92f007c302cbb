"""Message templates from the repository (content/messages/<name>.json)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bot.line.limits import TEXT_LIMIT, https_url_problem, text_fits
from bot.segments.definition import SegmentError

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "content" / "messages"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def load_template(name: str, directory: Path = TEMPLATES_DIR) -> list[dict[str, Any]]:
    """Return the 1 to 5 message objects of a template file, checked for shape."""
    if not _NAME.match(name):
        raise SegmentError(f"template name {name!r}: use a-z, 0-9, - and _")
    path = directory / f"{name}.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SegmentError(f"{path}: no such template") from exc
    except ValueError as exc:
        raise SegmentError(f"{path}: not valid JSON ({exc})") from exc
    messages = document.get("messages") if isinstance(document, dict) else document
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        raise SegmentError(f"{path}: needs a list of 1 to 5 messages")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise SegmentError(f"{path}: messages[{index}] has no type")
    return messages


def text_messages(text: str) -> list[dict[str, Any]]:
    """Return a send's messages for a plain text."""
    if not text_fits(text):
        raise SegmentError(
            f"--text must be 1 to {TEXT_LIMIT:,} characters"
            " (as LINE counts them: an emoji counts two)"
        )
    return [{"type": "text", "text": text}]


def image_messages(url: str) -> list[dict[str, Any]]:
    """Return a send's messages for one image at an https URL."""
    problem = https_url_problem(url)
    if problem:
        raise SegmentError(f"--image {problem}")
    return [{"type": "image", "originalContentUrl": url, "previewImageUrl": url}]
