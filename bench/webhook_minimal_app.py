"""The ceiling: a Flask app that only checks X-Line-Signature and answers 200.

Served by webhook_bench.py under the same gunicorn settings as the bot:
    BENCH_CHANNEL_SECRET=... gunicorn --pythonpath bench webhook_minimal_app:app
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from flask import Flask, Response, request

CHANNEL_SECRET = os.environ.get("BENCH_CHANNEL_SECRET", "bench-channel-secret").encode()

app = Flask(__name__)


def signature_matches(body: bytes, signature: str | None) -> bool:
    """Check X-Line-Signature over the raw body in constant time."""
    if not signature:
        return False
    digest = hmac.new(CHANNEL_SECRET, body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), signature.encode())


@app.post("/callback")
def callback() -> Response | tuple[str, int]:
    """Answer 200 to a correctly signed body, 400 otherwise."""
    if not signature_matches(
        request.get_data(), request.headers.get("X-Line-Signature")
    ):
        return "invalid signature", 400
    return Response('{"status":"ok"}', mimetype="application/json")
