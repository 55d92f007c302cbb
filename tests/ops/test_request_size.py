"""One request size limit for the whole app, chunked bodies included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.ec.test_shop_webhooks import SECRET, order
from tests.helpers import event_body, raw_event, sign

LIMIT = 64 * 1024


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "MAX_REQUEST_BYTES": LIMIT,
        "WEBHOOK_MAX_BYTES": LIMIT,
        "EC_WEBHOOK_SECRET": SECRET,
    }


def chunked(body: bytes, size: int = 8192) -> Iterator[bytes]:
    """Yield the body in pieces, so that it is sent without a Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def padded_events(total: int) -> bytes:
    event = raw_event("message", message={"type": "text", "id": "1", "text": "x"})
    body = event_body(event)
    return body[:-1] + b', "pad": "' + b"x" * (total - len(body)) + b'"}'


def shop_order(total: int) -> bytes:
    body = json.dumps(order(note="")).encode()
    return body.replace(b'"note": ""', b'"note": "' + b"x" * (total - len(body)) + b'"')


def test_oversized_chunked_webhook_is_413_not_a_signature_failure(
    bot_url: str,
) -> None:
    body = padded_events(LIMIT + 10_000)
    answer = requests.post(
        f"{bot_url}/callback",
        data=chunked(body),
        headers={"X-Line-Signature": sign(body), "Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 413


def test_small_chunked_webhook_is_accepted(bot_url: str) -> None:
    body = padded_events(2000)
    answer = requests.post(
        f"{bot_url}/callback",
        data=chunked(body, 500),
        headers={"X-Line-Signature": sign(body), "Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 200


def test_oversized_chunked_shop_order_is_413(bot_url: str) -> None:
    import base64
    import hashlib
    import hmac

    body = shop_order(LIMIT + 10_000)
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).digest()
    answer = requests.post(
        f"{bot_url}/webhooks/ec/orders",
        data=chunked(body),
        headers={
            "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
            "Content-Type": "application/json",
        },
        timeout=10,
    )
    assert answer.status_code == 413


@pytest.mark.parametrize("send_chunked", [False, True], ids=["length", "chunked"])
def test_oversized_form_anywhere_is_413(bot_url: str, send_chunked: bool) -> None:
    form = b"email=a%40b.c&password=" + b"x" * (LIMIT + 10_000)
    answer = requests.post(
        f"{bot_url}/operator/login",
        data=chunked(form) if send_chunked else form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert answer.status_code == 413
