"""Helpers shared by the tests: LINE-style signing, event bodies, free ports."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import socket
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


def _ephemeral_ports() -> range:
    """Return the range the kernel hands out to outgoing connections."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return range(int(low), int(high) + 1)
    except (OSError, ValueError):
        return range(32768, 61000)  # Linux's default


def free_port() -> int:
    """Return a TCP port nobody listens on, for a server a test starts.

    The port comes from below the kernel's ephemeral range: a port from that
    range (`bind(0)`) can be taken by any outgoing connection (to PostgreSQL,
    Redis, the emulator) between this call and the server's bind, which made
    CI fail once with "Address already in use". Below the range only another
    listener can take it, and the choice is random, so parallel runs differ.
    """
    top = min(_ephemeral_ports().start, 32768)
    for _ in range(200):
        port = random.randrange(20000, top)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")
