"""LINE's documented limits on message objects that the OpenAPI spec leaves out."""

from __future__ import annotations

from typing import Any

from line_emulator.action_rules import check_action
from line_emulator.rule_checks import Problems, objects

MESSAGE_TYPES = (
    "text",
    "textV2",
    "sticker",
    "image",
    "video",
    "audio",
    "location",
    "imagemap",
    "template",
    "flex",
    "coupon",
)
TEMPLATE_TYPES = ("buttons", "confirm", "carousel", "image_carousel")


def check_messages(problems: Problems, body: dict[str, Any]) -> None:
    """Check the 1 to 5 message objects of a send request."""
    messages = problems.array(body, "messages", "", 1, 5)
    for index, message in enumerate(messages):
        check_message(problems, message, f"messages[{index}]")


def check_message(problems: Problems, message: Any, prop: str) -> None:
    """Check one message object by its type."""
    if not isinstance(message, dict):
        problems.add(prop, "Must be of type object")
        return
    kind = message.get("type")
    if kind is None:
        problems.add(f"{prop}.type", "must be specified")
        return
    if kind not in MESSAGE_TYPES:
        problems.add(f"{prop}.type", "Invalid type")
        return
    if kind in ("text", "textV2"):
        problems.text(message, "text", prop, 5000, low=1, required=True)
    elif kind == "sticker":
        problems.require(message, "packageId", prop)
        problems.require(message, "stickerId", prop)
    elif kind in ("image", "video"):
        problems.url(message, "originalContentUrl", prop, required=True)
        problems.url(message, "previewImageUrl", prop, required=True)
    elif kind == "audio":
        problems.url(message, "originalContentUrl", prop, required=True)
        problems.require(message, "duration", prop)
    elif kind == "location":
        problems.text(message, "title", prop, 100, low=1, required=True)
        problems.text(message, "address", prop, 100, low=1, required=True)
        problems.require(message, "latitude", prop)
        problems.require(message, "longitude", prop)
    elif kind == "imagemap":
        problems.url(message, "baseUrl", prop, required=True)
        problems.text(message, "altText", prop, 1500, low=1, required=True)
        problems.require(message, "baseSize", prop)
        problems.array(message, "actions", prop, 0, 50)
    elif kind == "template":
        problems.text(message, "altText", prop, 400, low=1, required=True)
        if problems.require(message, "template", prop):
            check_template(problems, message["template"], f"{prop}.template")
    elif kind == "flex":
        problems.text(message, "altText", prop, 400, low=1, required=True)
        if problems.require(message, "contents", prop):
            check_flex_container(problems, message["contents"], f"{prop}.contents")
    check_quick_reply(problems, message.get("quickReply"), f"{prop}.quickReply")
    sender = message.get("sender")
    if isinstance(sender, dict):
        problems.text(sender, "name", f"{prop}.sender", 20, low=1)
        problems.url(sender, "iconUrl", f"{prop}.sender")


def check_template(problems: Problems, template: Any, prop: str) -> None:
    """Check a template: text lengths and how many actions and columns it has."""
    if not isinstance(template, dict):
        problems.add(prop, "Must be of type object")
        return
    kind = template.get("type")
    if kind not in TEMPLATE_TYPES:
        problems.add(f"{prop}.type", "Invalid type" if kind else "must be specified")
        return
    if kind == "buttons":
        short = bool(template.get("thumbnailImageUrl") or template.get("title"))
        problems.url(template, "thumbnailImageUrl", prop)
        problems.text(template, "title", prop, 40)
        problems.text(template, "text", prop, 60 if short else 160, 1, required=True)
        _check_actions(problems, template, prop, 1, 4)
        _check_default_action(problems, template, prop)
    elif kind == "confirm":
        problems.text(template, "text", prop, 240, low=1, required=True)
        _check_actions(problems, template, prop, 2, 2)
    elif kind == "carousel":
        columns = problems.array(template, "columns", prop, 1, 10)
        counts = set()
        for index, column in objects(columns):
            where = f"{prop}.columns[{index}]"
            short = bool(column.get("thumbnailImageUrl") or column.get("title"))
            problems.url(column, "thumbnailImageUrl", where)
            problems.text(column, "title", where, 40)
            problems.text(column, "text", where, 60 if short else 120, 1, required=True)
            counts.add(len(_check_actions(problems, column, where, 1, 3)))
            _check_default_action(problems, column, where)
        if len(counts) > 1:
            problems.add(f"{prop}.columns", "Each column must have the same actions")
    elif kind == "image_carousel":
        columns = problems.array(template, "columns", prop, 1, 10)
        for index, column in objects(columns):
            where = f"{prop}.columns[{index}]"
            problems.url(column, "imageUrl", where, required=True)
            if problems.require(column, "action", where):
                check_action(problems, column["action"], f"{where}.action")
                problems.text(column["action"], "label", f"{where}.action", 12)


def _check_actions(
    problems: Problems, owner: dict[str, Any], prop: str, low: int, high: int
) -> list[Any]:
    actions = problems.array(owner, "actions", prop, low, high)
    for index, action in enumerate(actions):
        check_action(problems, action, f"{prop}.actions[{index}]", label_required=True)
    return actions


def _check_default_action(problems: Problems, owner: dict[str, Any], prop: str) -> None:
    if owner.get("defaultAction") is not None:
        check_action(problems, owner["defaultAction"], f"{prop}.defaultAction")


def check_flex_container(problems: Problems, container: Any, prop: str) -> None:
    """Check a flex container's type and the carousel's bubble count."""
    if not isinstance(container, dict):
        problems.add(prop, "Must be of type object")
        return
    kind = container.get("type")
    if kind == "carousel":
        bubbles = problems.array(container, "contents", prop, 1, 12)
        for index, bubble in enumerate(bubbles):
            if not isinstance(bubble, dict) or bubble.get("type") != "bubble":
                problems.add(f"{prop}.contents[{index}].type", "Invalid type")
    elif kind != "bubble":
        problems.add(f"{prop}.type", "Invalid type" if kind else "must be specified")


def check_quick_reply(problems: Problems, quick_reply: Any, prop: str) -> None:
    """Check up to 13 quick reply buttons, each with a labelled action."""
    if quick_reply is None:
        return
    if not isinstance(quick_reply, dict):
        problems.add(prop, "Must be of type object")
        return
    items = problems.array(quick_reply, "items", prop, 1, 13)
    for index, item in objects(items):
        where = f"{prop}.items[{index}]"
        if item.get("type") != "action":
            problems.add(f"{where}.type", "Must be action")
        problems.url(item, "imageUrl", where, high=1000)
        if problems.require(item, "action", where):
            check_action(problems, item["action"], f"{where}.action", True)
