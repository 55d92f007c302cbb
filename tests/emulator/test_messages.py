"""Reply, push and multicast: tokens, counts, schemas, retry keys, quota."""

from __future__ import annotations

import time
import uuid

import pytest
from linebot.v3.messaging import (
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException

from line_emulator import webhooks
from line_emulator.server import EmulatorServer
from tests.emulator.conftest import LineHttp

TEXT = {"type": "text", "text": "hello"}


def _reply_token(server: EmulatorServer, user_id: str) -> str:
    event = webhooks.text_message_event(server.platform, user_id, "hi")
    return event["replyToken"]


def test_reply_is_delivered_once_per_token(
    emulator_server: EmulatorServer, messaging_api: MessagingApi, friend_id: str
) -> None:
    token = _reply_token(emulator_server, friend_id)
    request = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="A")])

    answer = messaging_api.reply_message(request)

    assert len(answer.sent_messages) == 1 and answer.sent_messages[0].quote_token
    with pytest.raises(ApiException) as error:
        messaging_api.reply_message(request)
    assert error.value.status == 400
    assert '"Invalid reply token"' in error.value.body
    deliveries = emulator_server.platform.deliveries(friend_id)
    assert [d.messages[0]["text"] for d in deliveries] == ["A"]


def test_reply_token_expires(
    emulator_server: EmulatorServer, line_http: LineHttp, friend_id: str
) -> None:
    emulator_server.platform.configure(reply_token_ttl=0.05)
    token = _reply_token(emulator_server, friend_id)
    time.sleep(0.1)

    answer = line_http(
        "POST",
        "/v2/bot/message/reply",
        json_body={"replyToken": token, "messages": [TEXT]},
    )

    assert answer.status == 400
    assert answer.body == {"message": "Invalid reply token"}


def test_unknown_reply_token_is_refused(line_http: LineHttp) -> None:
    answer = line_http(
        "POST",
        "/v2/bot/message/reply",
        json_body={"replyToken": "x", "messages": [TEXT]},
    )
    assert (answer.status, answer.body["message"]) == (400, "Invalid reply token")


def test_failed_reply_does_not_consume_the_token(
    emulator_server: EmulatorServer, line_http: LineHttp, friend_id: str
) -> None:
    token = _reply_token(emulator_server, friend_id)
    bad = line_http(
        "POST",
        "/v2/bot/message/reply",
        json_body={"replyToken": token, "messages": [{"type": "text"}]},
    )
    good = line_http(
        "POST",
        "/v2/bot/message/reply",
        json_body={"replyToken": token, "messages": [TEXT]},
    )
    assert (bad.status, good.status) == (400, 200)


def test_six_messages_are_refused(
    emulator_server: EmulatorServer, line_http: LineHttp, friend_id: str
) -> None:
    token = _reply_token(emulator_server, friend_id)
    answer = line_http(
        "POST",
        "/v2/bot/message/reply",
        json_body={"replyToken": token, "messages": [TEXT] * 6},
    )
    assert answer.status == 400
    assert answer.body["message"] == "The request body has 1 error(s)"
    assert answer.body["details"] == [
        {"message": "Size must be between 1 and 5", "property": "messages"}
    ]


@pytest.mark.parametrize(
    ("message", "prop"),
    [
        ({"type": "text"}, "messages[0].text"),
        ({"type": "text", "text": ""}, "messages[0].text"),
        ({"type": "text", "text": "x" * 5001}, "messages[0].text"),
        ({"type": "hologram", "text": "hi"}, "messages[0].type"),
        (
            {
                "type": "template",
                "altText": "menu",
                "template": {
                    "type": "buttons",
                    "text": "pick",
                    "actions": [
                        {"type": "message", "label": f"L{i}", "text": "t"}
                        for i in range(5)
                    ],
                },
            },
            "messages[0].template.actions",
        ),
        (
            {
                "type": "template",
                "altText": "ok?",
                "template": {
                    "type": "confirm",
                    "text": "sure?",
                    "actions": [{"type": "message", "label": "yes", "text": "y"}],
                },
            },
            "messages[0].template.actions",
        ),
        (
            {
                "type": "template",
                "altText": "a",
                "template": {
                    "type": "buttons",
                    "text": "t",
                    "actions": [{"type": "postback", "label": "p", "data": "x" * 301}],
                },
            },
            "messages[0].template.actions[0].data",
        ),
        pytest.param(
            {
                "type": "flex",
                "altText": "a",
                "contents": {
                    "type": "bubble",
                    "body": {
                        "type": "box",
                        "layout": "vertical",
                        "contents": [{"type": "nope"}],
                    },
                },
            },
            # line-bot-sdk's models know every Flex component type.
            "messages[0].contents.body.contents[0].type",
        ),
        (
            {
                "type": "image",
                "originalContentUrl": "http://x.example/a.jpg",
                "previewImageUrl": "https://x.example/a.jpg",
            },
            "messages[0].originalContentUrl",
        ),
    ],
)
def test_malformed_messages_are_refused_with_details(
    line_http: LineHttp, friend_id: str, message: dict, prop: str
) -> None:
    answer = line_http(
        "POST",
        "/v2/bot/message/push",
        json_body={"to": friend_id, "messages": [message]},
    )
    assert answer.status == 400
    assert answer.body["message"].startswith("The request body has")
    assert prop in [detail["property"] for detail in answer.body["details"]]


def test_push_to_malformed_or_unknown_user(line_http: LineHttp) -> None:
    malformed = line_http(
        "POST", "/v2/bot/message/push", json_body={"to": "Ualice", "messages": [TEXT]}
    )
    unknown = line_http(
        "POST",
        "/v2/bot/message/push",
        json_body={"to": "U" + "1" * 32, "messages": [TEXT]},
    )
    assert malformed.status == 400
    assert malformed.body == {
        "message": "The property, 'to', in the request body is invalid "
        "(line: -, column: -)"
    }
    assert (unknown.status, unknown.body) == (
        400,
        {"message": "Failed to send messages"},
    )


def test_push_to_blocker_is_accepted_but_not_delivered(
    emulator_server: EmulatorServer, messaging_api: MessagingApi, friend_id: str
) -> None:
    emulator_server.platform.mark_blocked(friend_id)
    messaging_api.push_message(
        PushMessageRequest(to=friend_id, messages=[TextMessage(text="hi")])
    )
    [delivery] = emulator_server.platform.deliveries(friend_id)
    assert delivery.delivered is False


def test_multicast_over_500_recipients_is_refused(
    emulator_server: EmulatorServer, line_http: LineHttp
) -> None:
    users = ["U" + f"{i:032x}" for i in range(501)]
    answer = line_http(
        "POST", "/v2/bot/message/multicast", json_body={"to": users, "messages": [TEXT]}
    )
    assert answer.status == 400
    assert {"message": "Size must be between 1 and 500", "property": "to"} in (
        answer.body["details"]
    )
    assert emulator_server.platform.deliveries() == []


def test_retry_key_replay_is_409_and_delivers_once(
    emulator_server: EmulatorServer, messaging_api: MessagingApi, friend_id: str
) -> None:
    retry_key = str(uuid.uuid4())
    request = PushMessageRequest(to=friend_id, messages=[TextMessage(text="once")])

    first = messaging_api.push_message_with_http_info(
        request, x_line_retry_key=retry_key
    )
    with pytest.raises(ApiException) as error:
        messaging_api.push_message(request, x_line_retry_key=retry_key)

    assert error.value.status == 409
    assert '"The retry key is already accepted"' in error.value.body
    assert (
        error.value.headers["x-line-accepted-request-id"]
        == (first.headers["x-line-request-id"])
    )
    assert len(emulator_server.platform.deliveries(friend_id)) == 1


def test_multicast_retry_key_and_quota(
    emulator_server: EmulatorServer, line_http: LineHttp, friend_id: str
) -> None:
    other = emulator_server.platform.add_user().user_id
    body = {"to": [friend_id, other], "messages": [TEXT]}
    headers = {"X-Line-Retry-Key": str(uuid.uuid4())}

    first = line_http(
        "POST", "/v2/bot/message/multicast", json_body=body, headers=headers
    )
    again = line_http(
        "POST", "/v2/bot/message/multicast", json_body=body, headers=headers
    )
    usage = line_http("GET", "/v2/bot/message/quota/consumption")

    assert (first.status, first.body) == (200, {})
    assert again.status == 409
    assert usage.body == {"totalUsage": 2}
    assert len(emulator_server.platform.deliveries()) == 2


def test_malformed_retry_key_is_refused(line_http: LineHttp, friend_id: str) -> None:
    answer = line_http(
        "POST",
        "/v2/bot/message/push",
        json_body={"to": friend_id, "messages": [TEXT]},
        headers={"X-Line-Retry-Key": "not-a-uuid"},
    )
    assert answer.status == 400


def test_reply_does_not_take_a_retry_key(
    emulator_server: EmulatorServer, line_http: LineHttp, friend_id: str
) -> None:
    token = _reply_token(emulator_server, friend_id)
    answer = line_http(
        "POST",
        "/v2/bot/message/reply",
        json_body={"replyToken": token, "messages": [TEXT]},
        headers={"X-Line-Retry-Key": str(uuid.uuid4())},
    )
    assert answer.status == 400
    assert emulator_server.platform.deliveries() == []


def test_monthly_quota_limit(
    emulator_server: EmulatorServer, line_http: LineHttp, friend_id: str
) -> None:
    emulator_server.platform.configure(monthly_quota=1)
    body = {"to": friend_id, "messages": [TEXT]}
    first = line_http("POST", "/v2/bot/message/push", json_body=body)
    second = line_http("POST", "/v2/bot/message/push", json_body=body)
    quota = line_http("GET", "/v2/bot/message/quota")
    assert (first.status, second.status) == (200, 429)
    assert quota.body == {"type": "limited", "value": 1}


def test_loading_indicator(line_http: LineHttp, friend_id: str) -> None:
    ok = line_http(
        "POST",
        "/v2/bot/chat/loading/start",
        json_body={"chatId": friend_id, "loadingSeconds": 10},
    )
    odd = line_http(
        "POST",
        "/v2/bot/chat/loading/start",
        json_body={"chatId": friend_id, "loadingSeconds": 7},
    )
    assert (ok.status, ok.body) == (202, {})
    assert odd.status == 400
    assert odd.body["details"][0]["property"] == "loadingSeconds"


def test_mark_as_read_takes_webhook_tokens_only(
    emulator_server: EmulatorServer, line_http: LineHttp, friend_id: str
) -> None:
    platform = emulator_server.platform
    first = webhooks.text_message_event(platform, friend_id, "one")["message"]
    second = webhooks.text_message_event(platform, friend_id, "two")["message"]
    unknown = line_http(
        "POST", "/v2/bot/chat/markAsRead", json_body={"markAsReadToken": "made-up"}
    )
    missing = line_http("POST", "/v2/bot/chat/markAsRead", json_body={})
    assert (unknown.status, missing.status) == (400, 400)
    assert platform.read_message_ids() == set()

    ok = line_http(
        "POST",
        "/v2/bot/chat/markAsRead",
        json_body={"markAsReadToken": second["markAsReadToken"]},
    )
    assert ok.status == 200
    assert platform.read_message_ids() == {first["id"], second["id"]}


def test_bot_info_and_quota_through_the_sdk(
    emulator_server: EmulatorServer, messaging_api: MessagingApi
) -> None:
    info = messaging_api.get_bot_info()
    assert info.user_id == emulator_server.platform.settings.bot_user_id
    assert messaging_api.get_message_quota().type == "none"
    assert messaging_api.get_message_quota_consumption().total_usage == 0
