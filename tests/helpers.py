"""Helpers shared by the tests: LINE-style signing and event bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import uuid
from pathlib import Path
from typing import Any

CHANNEL_SECRET = "test-channel-secret"
ACCESS_TOKEN = "test-channel-access-token"


def sign(body: bytes, secret: str = CHANNEL_SECRET) -> str:
    """Sign a webhook body as LINE does."""
    return base64.b64encode(
        hmac.new(secret.encode(), body, hashlib.sha256).digest()
    ).decode()


def event_body(*events: dict[str, Any], destination: str = "Ubot") -> bytes:
    """Wrap events in LINE's webhook envelope."""
    return json.dumps({"destination": destination, "events": list(events)}).encode()


def raw_event(
    event_type: str, user_id: str = "U" + "0" * 32, **fields: Any
) -> dict[str, Any]:
    """Build a minimal event of any type with a fresh webhookEventId."""
    return {
        "type": event_type,
        "mode": "active",
        "timestamp": 1_700_000_000_000,
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": uuid.uuid4().hex[:26].upper(),
        "deliveryContext": {"isRedelivery": False},
        **fields,
    }


# The distinct line tops of `word`'s characters inside an element.
_WORD_LINES_JS = """(element, word) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const start = node.textContent.indexOf(word);
    if (start < 0) continue;
    const tops = new Set();
    for (let i = start; i < start + word.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      tops.add(Math.round(range.getBoundingClientRect().top));
    }
    return tops.size;
  }
  return 0;
}"""


def word_lines(locator: Any, word: str) -> int:
    """Return on how many lines a word of the element is drawn (1: not broken)."""
    return locator.evaluate(_WORD_LINES_JS, word)


def docs_image(name: str) -> str:
    """Where a screenshot for docs/images/ goes: there with DOCS_SCREENSHOTS=1.

    Otherwise under test-artifacts/docs/ (ignored by git), so that a test run
    leaves the working tree as it found it; the screenshot is taken either way.
    """
    root = Path(__file__).resolve().parents[1]
    if os.environ.get("DOCS_SCREENSHOTS") == "1":
        folder = root / "docs" / "images"
    else:
        folder = root / "test-artifacts" / "docs"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / name)
