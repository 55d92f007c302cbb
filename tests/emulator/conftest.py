"""Fixtures: a running emulator, a webhook receiver standing in for the bot, SDK."""

from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
)
from PIL import Image
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from line_emulator.client import EmulatorClient
from line_emulator.server import EmulatorServer

ACCESS_TOKEN = "test-access-token"
CHANNEL_SECRET = "test-channel-secret"


@dataclass
class WebhookReceiver:
    """A stand-in for the bot's webhook: records every POST, answers `status`."""

    status: int = 200
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        self.received.append(
            {
                "body": body,
                "json": json.loads(body),
                "signature": request.headers.get("X-Line-Signature"),
            }
        )
        return Response("OK", status=self.status)(environ, start_response)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """Serve a WebhookReceiver on a free local port."""
    receiver = WebhookReceiver()
    server = make_server("127.0.0.1", 0, receiver, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_port}/callback"
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def emulator_server(webhook_receiver: WebhookReceiver) -> Iterator[EmulatorServer]:
    """Run an emulator whose webhook is the receiver."""
    with EmulatorServer(
        channel_secret=CHANNEL_SECRET,
        access_tokens=(ACCESS_TOKEN,),
        webhook_url=webhook_receiver.url,
    ) as server:
        yield server


@pytest.fixture
def control(emulator_server: EmulatorServer) -> EmulatorClient:
    """Return a control API client for the running emulator."""
    return EmulatorClient(emulator_server.base_url)


@pytest.fixture
def friend_id(emulator_server: EmulatorServer) -> str:
    """Add a user who follows the bot and return their id."""
    user = emulator_server.platform.add_user(displayName="Hanako", language="ja")
    return user.user_id


@pytest.fixture
def api_client(emulator_server: EmulatorServer) -> Iterator[ApiClient]:
    """Return an SDK ApiClient aimed at the emulator's API host."""
    configuration = Configuration(
        host=emulator_server.base_url, access_token=ACCESS_TOKEN
    )
    with ApiClient(configuration) as client:
        yield client


@pytest.fixture
def messaging_api(api_client: ApiClient) -> MessagingApi:
    """Return the SDK MessagingApi for the emulator."""
    return MessagingApi(api_client)


@pytest.fixture
def blob_api(emulator_server: EmulatorServer) -> Iterator[MessagingApiBlob]:
    """Return the SDK MessagingApiBlob aimed at the emulator's data host."""
    configuration = Configuration(
        host=emulator_server.data_base_url, access_token=ACCESS_TOKEN
    )
    with ApiClient(configuration) as client:
        yield MessagingApiBlob(client)


def png_bytes(width: int, height: int) -> bytes:
    """Return a PNG image of the given size."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (0, 128, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class HttpAnswer:
    """A raw HTTP answer: status, headers and the parsed JSON body (if any)."""

    status: int
    headers: Any
    body: Any


def http_call(
    url: str,
    method: str = "GET",
    json_body: Any = None,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    token: str | None = ACCESS_TOKEN,
) -> HttpAnswer:
    """Make one raw HTTP call with urllib and never raise for error statuses."""
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    if json_body is not None:
        data = json.dumps(json_body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, answer_headers, raw = (
                response.status,
                response.headers,
                response.read(),
            )
    except urllib.error.HTTPError as error:
        with error:
            status, answer_headers, raw = error.code, error.headers, error.read()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw
    return HttpAnswer(status, answer_headers, body)


# line_http(method, path, json_body=..., data=..., headers=..., token=...)
LineHttp = Callable[..., HttpAnswer]


@pytest.fixture
def line_http(emulator_server: EmulatorServer) -> LineHttp:
    """Return http_call bound to the emulator: line_http("POST", "/v2/...", ...)."""

    def call(method: str, path: str, **kwargs: Any) -> HttpAnswer:
        return http_call(emulator_server.base_url + path, method, **kwargs)

    return call
