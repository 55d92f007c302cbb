"""Around every call: authentication, routing errors, request ids, records."""

from __future__ import annotations

from pathlib import Path

import pytest
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi
from linebot.v3.messaging.exceptions import ApiException

from line_emulator.client import EmulatorClient
from line_emulator.server import EmulatorServer
from tests.emulator.conftest import LineHttp

AUTH_FAILED = (
    "Authentication failed. Confirm that the access token in the authorization "
    "header is valid."
)


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_bot_api_needs_an_accepted_token(
    line_http: LineHttp, token: str | None
) -> None:
    answer = line_http("GET", "/v2/bot/message/quota", token=token)
    data = line_http("GET", "/data/v2/bot/richmenu/richmenu-x/content", token=token)
    assert (answer.status, answer.body) == (401, {"message": AUTH_FAILED})
    assert data.status == 401


def test_sdk_with_a_wrong_token_gets_401(emulator_server: EmulatorServer) -> None:
    configuration = Configuration(host=emulator_server.base_url, access_token="nope")
    with ApiClient(configuration) as client, pytest.raises(ApiException) as error:
        MessagingApi(client).get_message_quota()
    assert error.value.status == 401


def test_unknown_path_and_wrong_method(line_http: LineHttp) -> None:
    unknown = line_http("GET", "/v2/bot/nothing-here")
    wrong_method = line_http("GET", "/v2/bot/message/push")
    assert (unknown.status, unknown.body) == (404, {"message": "Not found"})
    assert wrong_method.status == 405
    assert "x-line-request-id" in unknown.headers


def test_unparsable_json(line_http: LineHttp) -> None:
    answer = line_http(
        "POST",
        "/v2/bot/message/push",
        data=b"{nope",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status == 400
    assert answer.body["message"].startswith("The request body could not be parsed")


def test_calls_are_recorded_without_the_token(
    control: EmulatorClient, line_http: LineHttp, friend_id: str
) -> None:
    answer = line_http(
        "POST",
        "/v2/bot/message/push",
        json_body={"to": friend_id, "messages": [{"type": "text", "text": "hi"}]},
    )
    line_http("GET", "/v2/bot/message/quota")

    [call] = control.calls(path="/v2/bot/message/push", method="POST")
    assert call["status"] == 200
    assert call["body"]["messages"][0]["text"] == "hi"
    assert call["response"]["sentMessages"][0]["id"]
    assert call["requestId"] == answer.headers["x-line-request-id"]
    assert len(answer.headers["x-line-request-id"]) == 32
    assert call["headers"]["Authorization"] == "<redacted>"
    assert len(control.calls(path="/v2/bot/message/*")) == 2
    assert [m["messages"] for m in control.messages_for(friend_id)] == [
        [{"type": "text", "text": "hi"}]
    ]


def test_missing_spec_folder_still_enforces_hand_rules(
    emulator_server: EmulatorServer, line_http: LineHttp, friend_id: str, tmp_path: Path
) -> None:
    emulator_server.platform.configure(openapi_dir=tmp_path)
    answer = line_http(
        "POST",
        "/v2/bot/message/push",
        json_body={"to": friend_id, "messages": [{"type": "text", "text": ""}]},
    )
    assert answer.status == 400
    assert answer.body["details"] == [
        {"message": "Length must be between 1 and 5000", "property": "messages[0].text"}
    ]
