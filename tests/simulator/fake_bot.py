"""A tiny stand-in bot for the simulator's browser tests, served on a thread.

It talks to the emulator only through LINE's HTTP API, as a real bot would: it
answers a follow with a text, a buttons template and quick replies, gives the
user a rich menu it created (with real PNG images and two aliases for tabs),
starts an account link on postback action=link, and can push later.
"""

from __future__ import annotations

import functools
import io
import json
import threading
import urllib.request
from typing import Any

from flask import Flask, Response, redirect, request
from PIL import Image, ImageDraw, ImageFont
from werkzeug.serving import make_server

MENU_SIZE = (2500, 843)
THIRD = MENU_SIZE[0] // 3


@functools.cache
def menu_png(colours: tuple[str, str, str], labels: tuple[str, str, str]) -> bytes:
    """Draw a three-tile rich menu image with ASCII labels."""
    image = Image.new("RGB", MENU_SIZE, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=120)
    for index, (colour, label) in enumerate(zip(colours, labels, strict=True)):
        left = index * THIRD
        draw.rectangle((left + 8, 8, left + THIRD - 8, MENU_SIZE[1] - 8), fill=colour)
        draw.text((left + 90, 360), label, fill="white", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _area(index: int, action: dict[str, Any]) -> dict[str, Any]:
    bounds = {"x": index * THIRD, "y": 0, "width": THIRD, "height": MENU_SIZE[1]}
    return {"bounds": bounds, "action": action}


MENU_A = {
    "size": {"width": MENU_SIZE[0], "height": MENU_SIZE[1]},
    "selected": True,
    "name": "tab-a",
    "chatBarText": "メニュー",
    "areas": [
        _area(
            0, {"type": "postback", "data": "action=hello", "displayText": "こんにちは"}
        ),
        _area(1, {"type": "message", "label": "営業時間", "text": "営業時間は？"}),
        _area(
            2, {"type": "richmenuswitch", "richMenuAliasId": "tab-b", "data": "tab=b"}
        ),
    ],
}
MENU_B = {
    "size": {"width": MENU_SIZE[0], "height": MENU_SIZE[1]},
    "selected": True,
    "name": "tab-b",
    "chatBarText": "タブB",
    "areas": [
        _area(
            0, {"type": "richmenuswitch", "richMenuAliasId": "tab-a", "data": "tab=a"}
        ),
        _area(
            1,
            {
                "type": "datetimepicker",
                "label": "来店予約",
                "data": "action=reserve",
                "mode": "date",
                "initial": "2025-05-01",
            },
        ),
        _area(
            2,
            {
                "type": "uri",
                "label": "会員証",
                "uri": "https://liff.line.me/1234-abcd/card?from=menu",
            },
        ),
    ],
}
WELCOME = [
    {"type": "text", "text": "友だち追加ありがとうございます！"},
    {
        "type": "template",
        "altText": "ご用件をお選びください",
        "template": {
            "type": "buttons",
            "title": "サンプル商店",
            "text": "ご用件をお選びください",
            "actions": [
                {
                    "type": "postback",
                    "label": "会員登録",
                    "data": "action=link",
                    "displayText": "会員登録",
                },
                {"type": "message", "label": "店舗を探す", "text": "店舗を探す"},
            ],
        },
    },
    {
        "type": "text",
        "text": "よくある質問はこちら",
        "quickReply": {
            "items": [
                {
                    "type": "action",
                    "action": {
                        "type": "message",
                        "label": "送料",
                        "text": "送料はいくら？",
                    },
                },
                {"type": "action", "action": {"type": "location", "label": "位置情報"}},
            ]
        },
    },
]


def link_confirm(uri: str) -> dict[str, Any]:
    """Return the confirm template that opens the bot's account link page."""
    cancel = {"type": "message", "label": "やめる", "text": "やめる"}
    link = {"type": "uri", "label": "連携する", "uri": uri}
    return {
        "type": "template",
        "altText": "連携",
        "template": {
            "type": "confirm",
            "text": "アカウントを連携しますか？",
            "actions": [link, cancel],
        },
    }


class FakeBot:
    """The stand-in bot: its Flask app, what it received, and LINE API calls."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.line_url = ""
        self.url = ""
        self.events: list[dict[str, Any]] = []
        self.menus: dict[str, str] = {}
        self.app = self._make_app()
        self._server: Any = None

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        data: bytes | None = None,
        content_type: str = "application/json",
    ) -> Any:
        """Call the emulator's LINE API with the channel access token."""
        payload = json.dumps(body).encode() if body is not None else data
        call = urllib.request.Request(
            self.line_url + path,
            data=payload,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": content_type,
            },
        )
        with urllib.request.urlopen(call, timeout=10) as answer:
            raw = answer.read()
        return json.loads(raw) if raw else {}

    def push(self, user_id: str, messages: list[dict[str, Any]]) -> None:
        """Push messages to a user."""
        self.call("POST", "/v2/bot/message/push", {"to": user_id, "messages": messages})

    def image_url(self, colour: str) -> str:
        """Return an https URL (as LINE requires) of a 400x260 PNG the bot serves."""
        return self.url.replace("http://", "https://") + f"/img/{colour}.png"

    def received(self, event_type: str) -> list[dict[str, Any]]:
        """Return the events of one type the bot received, oldest first."""
        return [event for event in self.events if event["type"] == event_type]

    def _reply(self, event: dict[str, Any], messages: list[dict[str, Any]]) -> None:
        body = {"replyToken": event["replyToken"], "messages": messages}
        self.call("POST", "/v2/bot/message/reply", body)

    def _ensure_menus(self) -> None:
        if self.menus:
            return
        for alias, menu, colours in (
            ("tab-a", MENU_A, ("#06c755", "#2a7de1", "#f08c00")),
            ("tab-b", MENU_B, ("#8e44ad", "#c0392b", "#16a085")),
        ):
            menu_id = self.call("POST", "/v2/bot/richmenu", menu)["richMenuId"]
            labels = (
                ("HELLO", "HOURS", "TAB B")
                if alias == "tab-a"
                else ("TAB A", "DATE", "CARD")
            )
            self.call(
                "POST",
                f"/data/v2/bot/richmenu/{menu_id}/content",
                data=menu_png(colours, labels),
                content_type="image/png",
            )
            self.call(
                "POST",
                "/v2/bot/richmenu/alias",
                {"richMenuAliasId": alias, "richMenuId": menu_id},
            )
            self.menus[alias] = menu_id

    def _handle(self, event: dict[str, Any]) -> None:
        user_id = event["source"]["userId"]
        kind = event["type"]
        if kind == "follow":
            self._ensure_menus()
            self.call("POST", f"/v2/bot/user/{user_id}/richmenu/{self.menus['tab-a']}")
            self._reply(event, WELCOME)
        elif kind == "postback" and event["postback"]["data"] == "action=link":
            token = self.call("POST", f"/v2/bot/user/{user_id}/linkToken")["linkToken"]
            self._reply(event, [link_confirm(f"{self.url}/link?linkToken={token}")])
        elif kind == "postback" and not event["postback"]["data"].startswith("tab="):
            params = event["postback"].get("params", {})
            answer = " ".join([event["postback"]["data"], *params.values()])
            self._reply(event, [{"type": "text", "text": f"受け付けました: {answer}"}])
        elif kind == "accountLink":
            self._reply(event, [{"type": "text", "text": "連携が完了しました"}])
        elif kind == "beacon":
            beacon = event["beacon"]
            text = f"ビーコン {beacon['type']} {beacon['hwid']}"
            self._reply(event, [{"type": "text", "text": text}])
        elif kind == "message" and event["message"]["type"] == "location":
            text = f"位置情報: {event['message'].get('title', '')}"
            self._reply(event, [{"type": "text", "text": text}])
        elif kind == "message" and event["message"]["type"] == "text":
            text = f"「{event['message']['text']}」ですね"
            self._reply(event, [{"type": "text", "text": text}])

    def _make_app(self) -> Flask:
        app = Flask("fake_bot")

        @app.post("/callback")
        def callback() -> str:
            for event in request.get_json()["events"]:
                self.events.append(event)
                self._handle(event)
            return "OK"

        @app.get("/liff/card")
        @app.get("/liff/card/<path:rest>")
        def liff_card(rest: str = "") -> Response:
            # What the LIFF stand-in would see: who is logged in, which path.
            page = (
                "<!doctype html><title>会員証</title><p id=user></p>"
                "<script>document.getElementById('user').textContent="
                "location.pathname+location.search</script>"
            )
            return Response(page, mimetype="text/html")

        @app.get("/img/<colour>.png")
        def picture(colour: str) -> Response:
            buffer = io.BytesIO()
            Image.new("RGB", (400, 260), f"#{colour}").save(buffer, format="PNG")
            return Response(buffer.getvalue(), mimetype="image/png")

        @app.get("/link")
        def link_page() -> Any:
            token = request.args["linkToken"]
            return redirect(
                f"{self.line_url}/dialog/bot/accountLink?linkToken={token}&nonce=n0nce"
            )

        return app

    def start(self, line_url: str) -> FakeBot:
        """Serve the bot on a free local port, calling LINE at line_url."""
        self.line_url = line_url
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
