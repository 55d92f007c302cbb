"""The baseline: a bot that calls LINE's reply API inside the webhook request.

This is what the SDK examples do. webhook_bench.py serves it under the same
gunicorn settings as the bot, with LINE played by the emulator:
    BENCH_CHANNEL_SECRET=... BENCH_ACCESS_TOKEN=... BENCH_LINE_API=http://...
    gunicorn --pythonpath bench webhook_inline_reply_app:app
"""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request
from linebot.v3 import WebhookHandler
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import MessageEvent, TextMessageContent

CHANNEL_SECRET = os.environ.get("BENCH_CHANNEL_SECRET", "bench-channel-secret")
configuration = Configuration(
    host=os.environ.get("BENCH_LINE_API", "http://127.0.0.1:8090"),
    access_token=os.environ.get("BENCH_ACCESS_TOKEN", "bench-access-token"),
)
configuration.connection_pool_maxsize = 16
api = MessagingApi(ApiClient(configuration))
handler = WebhookHandler(CHANNEL_SECRET)
app = Flask(__name__)


@app.post("/callback")
def callback() -> Response:
    """Verify, parse and answer every text message before acknowledging."""
    try:
        handler.handle(
            request.get_data(as_text=True), request.headers["X-Line-Signature"]
        )
    except (InvalidSignatureError, KeyError):
        abort(400)
    return Response('{"status":"ok"}', mimetype="application/json")


@handler.add(MessageEvent, message=TextMessageContent)
def reply_to_text(event: MessageEvent) -> None:
    """Reply at once, as the SDK's echo example does."""
    api.reply_message(
        ReplyMessageRequest(
            reply_token=event.reply_token,
            messages=[TextMessage(text="お問い合わせありがとうございます。")],
        )
    )
