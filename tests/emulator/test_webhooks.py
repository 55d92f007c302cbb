"""Events sent to the bot: shape, signature, redelivery, friendship, account link."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import MessagingApi
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (
    AccountLinkEvent,
    BeaconEvent,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    UnfollowEvent,
)

from line_emulator.client import EmulatorClient
from line_emulator.server import EmulatorServer
from tests.emulator.conftest import CHANNEL_SECRET, LineHttp, WebhookReceiver, http_call

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def parse(received: dict) -> list:
    """Parse one received webhook with the SDK, which checks the signature."""
    return WebhookParser(CHANNEL_SECRET).parse(
        received["body"].decode(), received["signature"]
    )


def test_follow_event_is_signed_and_shaped_like_line(
    control: EmulatorClient, webhook_receiver: WebhookReceiver
) -> None:
    user = control.add_user(displayName="Taro", isFriend=False)

    answer = control.send_event("follow", user["userId"])

    assert answer["status"] == 200
    [received] = webhook_receiver.received
    [event] = parse(received)
    assert isinstance(event, FollowEvent)
    assert event.follow.is_unblocked is False
    raw = received["json"]["events"][0]
    assert received["json"]["destination"].startswith("U")
    assert raw["mode"] == "active" and raw["deliveryContext"] == {"isRedelivery": False}
    assert ULID.match(raw["webhookEventId"]) and raw["replyToken"]
    assert control.users()[0]["isFriend"] is True


def test_tampered_body_fails_the_signature(
    control: EmulatorClient, webhook_receiver: WebhookReceiver, friend_id: str
) -> None:
    control.send_event("text", friend_id, text="hi")
    received = dict(webhook_receiver.received[0])
    received["body"] = received["body"].replace(b"hi", b"ho")
    with pytest.raises(InvalidSignatureError):
        parse(received)


def test_message_postback_beacon_events(
    control: EmulatorClient, webhook_receiver: WebhookReceiver, friend_id: str
) -> None:
    control.send_event("text", friend_id, text="こんにちは")
    control.send_event("sticker", friend_id, packageId="446", stickerId="1988")
    control.send_event("image", friend_id, content=b"\xff\xd8jpeg")
    control.send_event(
        "location", friend_id, latitude=35.6, longitude=139.7, title="店"
    )
    control.send_event("postback", friend_id, data="a=1", params={"date": "2025-01-01"})
    control.send_event("beacon", friend_id, hwid="d41d8cd98f", type="enter")

    events = [parse(received)[0] for received in webhook_receiver.received]

    assert [type(event) for event in events] == [MessageEvent] * 4 + [
        PostbackEvent,
        BeaconEvent,
    ]
    assert events[0].message.text == "こんにちは"
    assert events[1].message.sticker_id == "1988"
    assert events[3].message.title == "店"
    assert events[4].postback.params == {"date": "2025-01-01"}
    assert events[5].beacon.type == "enter"
    ids = {
        received["json"]["events"][0]["webhookEventId"]
        for received in (webhook_receiver.received)
    }
    assert len(ids) == 6


def test_image_content_on_the_data_host(
    emulator_server: EmulatorServer, control: EmulatorClient, friend_id: str
) -> None:
    event = control.send_event("image", friend_id, content=b"\xff\xd8jpeg")["event"]
    answer = http_call(
        f"{emulator_server.data_base_url}/v2/bot/message/{event['message']['id']}/content"
    )
    assert answer.status == 200 and answer.body == b"\xff\xd8jpeg"


def test_redelivery_keeps_the_event_id(
    control: EmulatorClient, webhook_receiver: WebhookReceiver, friend_id: str
) -> None:
    webhook_receiver.status = 500
    first = control.send_event("text", friend_id, text="hi")
    webhook_receiver.status = 200
    again = control.redeliver(first["event"]["webhookEventId"])

    assert (first["status"], again["status"]) == (500, 200)
    second_raw = webhook_receiver.received[1]["json"]["events"][0]
    assert second_raw["webhookEventId"] == first["event"]["webhookEventId"]
    assert second_raw["deliveryContext"] == {"isRedelivery": True}


def test_unfollow_blocks_and_follow_unblocks(
    control: EmulatorClient,
    webhook_receiver: WebhookReceiver,
    messaging_api: MessagingApi,
    line_http: LineHttp,
    friend_id: str,
) -> None:
    control.send_event("unfollow", friend_id)
    blocked_profile = line_http("GET", f"/v2/bot/profile/{friend_id}")
    control.send_event("follow", friend_id)

    unfollow, follow = (parse(r)[0] for r in webhook_receiver.received)
    assert isinstance(unfollow, UnfollowEvent)
    assert "replyToken" not in webhook_receiver.received[0]["json"]["events"][0]
    assert (blocked_profile.status, blocked_profile.body) == (
        404,
        {"message": "Not found"},
    )
    assert follow.follow.is_unblocked is True
    assert messaging_api.get_profile(friend_id).display_name == "Hanako"


def test_raw_events_of_any_type(
    control: EmulatorClient, webhook_receiver: WebhookReceiver, friend_id: str
) -> None:
    control.send_event(
        "raw", friend_id, event={"type": "unsend", "unsend": {"messageId": "1"}}
    )
    control.send_event(
        "raw",
        friend_id,
        event={"type": "videoPlayComplete", "videoPlayComplete": {"trackingId": "t"}},
    )
    unsend, video = (r["json"]["events"][0] for r in webhook_receiver.received)
    assert unsend["type"] == "unsend" and "replyToken" not in unsend
    assert video["replyToken"]


def test_account_link_dialog_asks_then_links(
    emulator_server: EmulatorServer,
    messaging_api: MessagingApi,
    webhook_receiver: WebhookReceiver,
    friend_id: str,
    line_http: LineHttp,
) -> None:
    link_token = messaging_api.issue_link_token(friend_id).link_token
    query = urllib.parse.urlencode({"linkToken": link_token, "nonce": "n-123"})
    url = f"{emulator_server.access_base_url}/dialog/bot/accountLink?{query}"
    form = urllib.parse.urlencode(
        {"linkToken": link_token, "nonce": "n-123", "decision": "link"}
    ).encode()
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}

    dialog = http_call(url, token=None)
    # Opening the dialog (twice, as a prefetch would) links nothing yet.
    http_call(url, token=None)
    assert webhook_receiver.received == []
    page = http_call(url, "POST", data=form, headers=form_type, token=None)
    reused = http_call(url, "POST", data=form, headers=form_type, token=None)

    assert dialog.status == 200
    assert "連携する".encode() in dialog.body and "キャンセル".encode() in dialog.body
    assert page.status == 200 and "連携が完了しました".encode() in page.body
    assert reused.status == 400
    ok_event, failed_event = (parse(r)[0] for r in webhook_receiver.received)
    assert isinstance(ok_event, AccountLinkEvent)
    assert (ok_event.link.result, ok_event.link.nonce) == ("ok", "n-123")
    assert ok_event.source.user_id == friend_id
    reply = line_http(
        "POST",
        "/v2/bot/message/reply",
        json_body={
            "replyToken": ok_event.reply_token,
            "messages": [{"type": "text", "text": "linked"}],
        },
    )
    assert reply.status == 200
    assert failed_event.link.result == "failed"
    assert failed_event.reply_token is None


def test_account_link_cancel_gives_failed(
    emulator_server: EmulatorServer, webhook_receiver: WebhookReceiver, friend_id: str
) -> None:
    link_token = emulator_server.platform.issue_link_token(friend_id)
    form = {"linkToken": link_token, "nonce": "n-9", "decision": "cancel"}
    with emulator_server.app.test_client() as client:
        page = client.post("/dialog/bot/accountLink", data=form)
        again = client.post(
            "/dialog/bot/accountLink", data={**form, "decision": "link"}
        )

    assert page.status_code == 200
    assert "連携をキャンセルしました" in page.get_data(as_text=True)
    assert again.status_code == 400  # the token is used up
    events = [r["json"]["events"][0] for r in webhook_receiver.received]
    assert [event["link"] for event in events] == [
        {"result": "failed", "nonce": "n-9"},
        {"result": "failed", "nonce": "n-9"},
    ]
    assert "replyToken" not in events[0]


def test_expired_link_token_fails(
    emulator_server: EmulatorServer, webhook_receiver: WebhookReceiver, friend_id: str
) -> None:
    emulator_server.platform.configure(link_token_ttl=-1)
    link_token = emulator_server.platform.issue_link_token(friend_id)
    query = urllib.parse.urlencode({"linkToken": link_token, "nonce": "n"})
    page = http_call(
        f"{emulator_server.base_url}/dialog/bot/accountLink?{query}", token=None
    )
    assert page.status == 400
    assert webhook_receiver.received[0]["json"]["events"][0]["link"] == {
        "result": "failed",
        "nonce": "n",
    }


def test_account_link_redirect(
    emulator_server: EmulatorServer, webhook_receiver: WebhookReceiver, friend_id: str
) -> None:
    emulator_server.platform.configure(
        account_link_redirect_url="https://shop.example/linked"
    )
    link_token = emulator_server.platform.issue_link_token(friend_id)
    with emulator_server.app.test_client() as client:
        answer = client.post(
            "/dialog/bot/accountLink",
            data={"linkToken": link_token, "nonce": "n", "decision": "link"},
        )
    assert answer.status_code == 302
    assert answer.headers["Location"] == "https://shop.example/linked"
