"""The /_emulator/ control API through EmulatorClient, and the server's settings."""

from __future__ import annotations

import pytest

from line_emulator import create_app
from line_emulator.client import ControlApiError, EmulatorClient
from line_emulator.platform import LinePlatform
from line_emulator.server import EmulatorServer
from line_emulator.settings import EmulatorSettings
from tests.emulator.conftest import LineHttp, WebhookReceiver


def test_configure_and_reset(control: EmulatorClient, line_http: LineHttp) -> None:
    control.configure(access_tokens=["token-2"], reply_token_ttl=5)
    user = control.add_user(displayName="Jiro")

    assert control.config()["access_tokens"] == ["token-2"]
    assert line_http("GET", "/v2/bot/message/quota", token="token-2").status == 200
    assert [u["userId"] for u in control.users()] == [user["userId"]]

    control.reset()
    assert control.users() == [] and control.calls() == []
    assert control.config()["access_tokens"] == ["token-2"]
    control.reset(settings=True)
    assert control.config()["access_tokens"] == ["test-access-token"]


def test_control_refusals(control: EmulatorClient) -> None:
    with pytest.raises(ControlApiError) as bad_user:
        control.add_user(userId="Ualice")
    with pytest.raises(ControlApiError) as bad_setting:
        control.configure(colour="blue")
    with pytest.raises(ControlApiError) as unknown_user:
        control.send_event("text", "U" + "2" * 32, text="hi")
    with pytest.raises(ControlApiError) as bad_mode:
        control.inject_fault("/v2/*", mode="during")
    assert {
        bad_user.value.status,
        bad_setting.value.status,
        unknown_user.value.status,
        bad_mode.value.status,
    } == {400}


def test_build_event_without_delivering(
    control: EmulatorClient,
    webhook_receiver: WebhookReceiver,
    friend_id: str,
    line_http: LineHttp,
) -> None:
    answer = control.send_event("postback", friend_id, deliver=False, data="x=1")
    reply = line_http(
        "POST",
        "/v2/bot/message/reply",
        json_body={
            "replyToken": answer["event"]["replyToken"],
            "messages": [{"type": "text", "text": "ok"}],
        },
    )
    assert answer["status"] is None and webhook_receiver.received == []
    assert reply.status == 200
    assert control.messages_for(friend_id)[0]["via"] == "reply"


def test_settings_accept_a_single_access_token() -> None:
    settings = EmulatorSettings.from_values(access_token="only-one")
    assert settings.access_tokens == ("only-one",)
    with EmulatorServer(channel_secret="s", access_token="t") as server:
        assert server.platform.settings.access_tokens == ("t",)
        assert server.data_base_url == server.base_url + "/data"


def test_create_app_uses_a_given_platform() -> None:
    platform = LinePlatform(channel_secret="abc")
    app = create_app(platform, latency_ms=0)
    answer = app.test_client().get(
        "/v2/bot/message/quota",
        headers={"Authorization": "Bearer emulator-access-token"},
    )
    assert answer.status_code == 200
    assert platform.state.calls.calls[0].path == "/v2/bot/message/quota"
