"""line-bot-sdk's models as a validation layer: it runs with no spec folder.

Each rule the emulator relies on the models for is shown twice: a message the
models must refuse (and the hand-written rules let through) and its nearest
valid form, which must pass. The emulator here has an empty spec folder, as a
fresh clone does.
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from line_emulator import create_app
from line_emulator.message_rules import check_messages
from line_emulator.model_rules import model_errors
from line_emulator.rule_checks import Problems
from line_emulator.server import EmulatorServer
from line_emulator.settings import default_openapi_dir
from line_emulator.validation import load_schema_book, schema_errors
from tests.emulator.conftest import ACCESS_TOKEN, HttpAnswer, http_call


def _bubble(*contents: dict[str, Any], **bubble: Any) -> dict[str, Any]:
    box = {"type": "box", "layout": "vertical", "contents": list(contents)}
    return {
        "type": "flex",
        "altText": "a",
        "contents": {"type": "bubble", "body": box, **bubble},
    }


def _text(**fields: Any) -> dict[str, Any]:
    return {"type": "text", "text": "hi", **fields}


URI = {"type": "uri", "label": "Open", "uri": "https://example.com"}

# (refused, passes, the property LINE names for the refused one)
CASES = {
    "flex component type": (
        _bubble({"type": "marquee", "text": "hi"}),
        _bubble(_text()),
        "messages[0].contents.body.contents[0].type",
    ),
    "flex box layout": (
        {
            **_bubble(),
            "contents": {
                "type": "bubble",
                "body": {"type": "box", "layout": "diagonal", "contents": []},
            },
        },
        {
            **_bubble(),
            "contents": {
                "type": "bubble",
                "body": {"type": "box", "layout": "baseline", "contents": []},
            },
        },
        "messages[0].contents.body.layout",
    ),
    "flex text weight": (
        _bubble(_text(weight="heavy")),
        _bubble(_text(weight="bold")),
        "messages[0].contents.body.contents[0].weight",
    ),
    "flex text align": (
        _bubble(_text(align="left")),
        _bubble(_text(align="start")),
        "messages[0].contents.body.contents[0].align",
    ),
    "flex bubble size": (
        _bubble(_text(), size="huge"),
        _bubble(_text(), size="deca"),
        "messages[0].contents.size",
    ),
    "flex button style": (
        _bubble({"type": "button", "action": URI, "style": "fancy"}),
        _bubble({"type": "button", "action": URI, "style": "link"}),
        "messages[0].contents.body.contents[0].style",
    ),
    "flex button height": (
        _bubble({"type": "button", "action": URI, "height": "lg"}),
        _bubble({"type": "button", "action": URI, "height": "sm"}),
        "messages[0].contents.body.contents[0].height",
    ),
    "flex button needs an action": (
        _bubble({"type": "button"}),
        _bubble({"type": "button", "action": URI}),
        "messages[0].contents.body.contents[0].action",
    ),
    "flex image aspectMode": (
        _bubble(
            {"type": "image", "url": "https://x.example/a.png", "aspectMode": "stretch"}
        ),
        _bubble(
            {"type": "image", "url": "https://x.example/a.png", "aspectMode": "cover"}
        ),
        "messages[0].contents.body.contents[0].aspectMode",
    ),
    "flex ratio is an integer": (
        _bubble(_text(flex=1.5)),
        _bubble(_text(flex=0)),
        "messages[0].contents.body.contents[0].flex",
    ),
    "flex carousel holds bubbles": (
        {
            "type": "flex",
            "altText": "a",
            "contents": {
                "type": "carousel",
                "contents": [_bubble(_text())["contents"], "x"],
            },
        },
        {
            "type": "flex",
            "altText": "a",
            "contents": {
                "type": "carousel",
                "contents": [_bubble(_text())["contents"]],
            },
        },
        "messages[0].contents.contents[1]",
    ),
    "location coordinates are numbers (integers too)": (
        {
            "type": "location",
            "title": "Shop",
            "address": "Tokyo",
            "latitude": "35.6",
            "longitude": 139,
        },
        {
            "type": "location",
            "title": "Shop",
            "address": "Tokyo",
            "latitude": 35,
            "longitude": 139.7,
        },
        "messages[0].latitude",
    ),
    "sticker ids are strings": (
        {"type": "sticker", "packageId": 446, "stickerId": "1988"},
        {"type": "sticker", "packageId": "446", "stickerId": "1988"},
        "messages[0].packageId",
    ),
    "emoji index is an integer": (
        _text(text="$ hi", emojis=[{"index": "0", "productId": "p", "emojiId": "001"}]),
        _text(text="$ hi", emojis=[{"index": 0, "productId": "p", "emojiId": "001"}]),
        "messages[0].emojis[0].index",
    ),
    "postback inputOption": (
        _text(
            quickReply={
                "items": [
                    {
                        "type": "action",
                        "action": {
                            "type": "postback",
                            "label": "A",
                            "data": "a",
                            "inputOption": "openCamera",
                        },
                    }
                ]
            }
        ),
        _text(
            quickReply={
                "items": [
                    {
                        "type": "action",
                        "action": {
                            "type": "postback",
                            "label": "A",
                            "data": "a",
                            "inputOption": "openKeyboard",
                        },
                    }
                ]
            }
        ),
        "messages[0].quickReply.items[0].action.inputOption",
    ),
    "quote token is a string": (
        _text(quoteToken=12345),
        _text(quoteToken="q3Plxr4AgKd"),
        "messages[0].quoteToken",
    ),
}


@pytest.fixture
def bare_emulator(tmp_path: Path) -> Iterator[EmulatorServer]:
    """Run an emulator with an empty spec folder, as in a fresh clone."""
    with EmulatorServer(access_tokens=(ACCESS_TOKEN,), openapi_dir=tmp_path) as server:
        yield server


def _validate(server: EmulatorServer, body: dict[str, Any]) -> HttpAnswer:
    url = server.base_url + "/v2/bot/message/validate/push"
    return http_call(url, "POST", json_body=body)


@pytest.mark.parametrize(("refused", "passes", "prop"), CASES.values(), ids=CASES)
def test_the_models_refuse_what_the_hand_rules_let_through(
    bare_emulator: EmulatorServer, refused: dict, passes: dict, prop: str
) -> None:
    hand = Problems()
    check_messages(hand, {"messages": [refused]})
    assert prop not in [detail["property"] for detail in hand.details]

    refused_answer = _validate(bare_emulator, {"messages": [refused]})
    passed_answer = _validate(bare_emulator, {"messages": [passes]})

    assert refused_answer.status == 400, refused_answer.body
    assert prop in [d["property"] for d in refused_answer.body["details"]]
    assert passed_answer.status == 200, passed_answer.body


def test_send_request_types_and_sizes(bare_emulator: EmulatorServer) -> None:
    user = bare_emulator.platform.add_user(displayName="Hanako").user_id
    push = bare_emulator.base_url + "/v2/bot/message/push"
    message = {"type": "text", "text": "hi"}

    refused = http_call(
        push,
        "POST",
        json_body={"to": user, "messages": [message], "notificationDisabled": "yes"},
    )
    sent = http_call(
        push,
        "POST",
        json_body={"to": user, "messages": [message], "notificationDisabled": True},
    )

    assert refused.status == 400
    assert refused.body["details"] == [
        {"message": "Must be of type boolean", "property": "notificationDisabled"}
    ]
    assert sent.status == 200
    assert len(bare_emulator.platform.deliveries(user)) == 1


def test_rich_menu_action_enumerations(bare_emulator: EmulatorServer) -> None:
    def menu(action: dict[str, Any]) -> dict[str, Any]:
        return {
            "size": {"width": 2500, "height": 843},
            "selected": False,
            "name": "m",
            "chatBarText": "Menu",
            "areas": [
                {
                    "bounds": {"x": 0, "y": 0, "width": 100, "height": 100},
                    "action": action,
                }
            ],
        }

    url = bare_emulator.base_url + "/v2/bot/richmenu/validate"
    postback = {"type": "postback", "data": "a"}

    refused = http_call(
        url, "POST", json_body=menu({**postback, "inputOption": "closeMenu"})
    )
    passed = http_call(
        url, "POST", json_body=menu({**postback, "inputOption": "closeRichMenu"})
    )

    assert refused.status == 400
    assert [d["property"] for d in refused.body["details"]] == [
        "areas[0].action.inputOption"
    ]
    assert passed.status == 200


def test_every_problem_is_reported_with_its_path() -> None:
    body = {
        "to": 5,
        "messages": [_text(text=3), {"type": "nope"}, {"text": "x"}],
    }

    assert model_errors("PushMessageRequest", body) == [
        {"message": "Must be of type string", "property": "messages[0].text"},
        {"message": "Invalid type", "property": "messages[1].type"},
        {"message": "must be specified", "property": "messages[2].type"},
        {"message": "Must be of type string", "property": "to"},
    ]


def test_a_missing_spec_is_announced_at_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="line_emulator"):
        create_app(openapi_dir=tmp_path)

    assert "LINE's OpenAPI spec is not at" in caplog.text
    assert "line-bot-sdk's models" in caplog.text


def test_a_present_spec_is_not_announced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "messaging-api.yml").write_text("components: {schemas: {}}\n")

    with caplog.at_level(logging.WARNING, logger="line_emulator"):
        create_app(openapi_dir=tmp_path)

    assert "OpenAPI" not in caplog.text


@pytest.mark.parametrize(("refused", "passes", "prop"), CASES.values(), ids=CASES)
def test_the_spec_agrees_with_the_models(
    refused: dict, passes: dict, prop: str
) -> None:
    book = load_schema_book(default_openapi_dir())
    if book is None:
        pytest.skip(
            "needs LINE's OpenAPI YAML (../shared/line-openapi or LINE_OPENAPI_DIR)"
        )
    refused_details = schema_errors(
        book, "ValidateMessageRequest", {"messages": [refused]}
    )

    assert prop in [detail["property"] for detail in refused_details]
    assert schema_errors(book, "ValidateMessageRequest", {"messages": [passes]}) == []


def test_the_emulator_answers_japanese_as_utf8(bare_emulator: EmulatorServer) -> None:
    user = bare_emulator.platform.add_user(displayName="山田 花子").user_id
    url = f"{bare_emulator.base_url}/v2/bot/profile/{user}"
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {ACCESS_TOKEN}"}
    )

    with urllib.request.urlopen(request, timeout=10) as answer:
        raw = answer.read()

    assert "山田 花子".encode() in raw  # not "\\u5c71..."


def test_a_message_that_passed_once_is_still_checked_when_changed() -> None:
    # Passes are remembered per message; a changed message is walked afresh.
    flex = _bubble(_text(weight="bold"))
    body = {"to": "U" + "0" * 32, "messages": [flex]}
    assert model_errors("PushMessageRequest", body) == []
    assert model_errors("PushMessageRequest", body) == []

    flex["contents"]["body"]["contents"][0]["weight"] = "heavy"

    assert [d["property"] for d in model_errors("PushMessageRequest", body)] == [
        "messages[0].contents.body.contents[0].weight"
    ]


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ([], [{"message": "Size must be between 1 and 500", "property": "to"}]),
        (
            ["U" + "0" * 32] * 501,
            [{"message": "Size must be between 1 and 500", "property": "to"}],
        ),
        (
            ["U" + "0" * 32, 7],
            [{"message": "Must be of type string", "property": "to[1]"}],
        ),
        ("U" + "0" * 32, [{"message": "Must be of type array", "property": "to"}]),
    ],
    ids=["empty", "501", "a number among strings", "a string, not a list"],
)
def test_a_multicasts_recipients_are_checked_item_by_item_when_wrong(
    to: Any, expected: list[dict[str, str]]
) -> None:
    # 500 plain ids pass in one step (the multicast fast path); anything
    # else must still get the models' own errors.
    body = {"to": to, "messages": [_text()]}

    assert model_errors("MulticastRequest", body) == expected
    assert (
        model_errors("MulticastRequest", {**body, "to": ["U" + "0" * 32] * 500}) == []
    )
