"""LINE's documented limits on action objects (the spec leaves most of them out)."""

from __future__ import annotations

from typing import Any

from line_emulator.rule_checks import Problems

URI_SCHEMES = ("http", "https", "line", "tel")
DATETIME_MODES = ("date", "time", "datetime")
ACTION_TYPES = (
    "postback",
    "message",
    "uri",
    "datetimepicker",
    "camera",
    "cameraRoll",
    "location",
    "richmenuswitch",
    "clipboard",
)


def check_action(
    problems: Problems, action: Any, prop: str, label_required: bool = False
) -> None:
    """Check one action object: its type's required fields and their lengths."""
    if not isinstance(action, dict):
        problems.add(prop, "must be specified")
        return
    kind = action.get("type")
    if kind is None:
        problems.add(f"{prop}.type", "must be specified")
        return
    if kind not in ACTION_TYPES:
        problems.add(f"{prop}.type", "Invalid type")
        return
    problems.text(action, "label", prop, 20, required=label_required)
    if kind == "postback":
        problems.text(action, "data", prop, 300, low=1, required=True)
        problems.text(action, "displayText", prop, 300, low=1)
        problems.text(action, "text", prop, 300, low=1)
        if "displayText" in action and "text" in action:
            problems.add(f"{prop}.text", "Cannot be specified with displayText")
    elif kind == "message":
        problems.text(action, "text", prop, 300, low=1, required=True)
    elif kind == "uri":
        problems.url(action, "uri", prop, URI_SCHEMES, required=True, high=1000)
    elif kind == "datetimepicker":
        problems.text(action, "data", prop, 300, low=1, required=True)
        if problems.require(action, "mode", prop) and action["mode"] not in (
            DATETIME_MODES
        ):
            problems.add(f"{prop}.mode", f"Must be one of {list(DATETIME_MODES)}")
    elif kind == "richmenuswitch":
        problems.text(action, "richMenuAliasId", prop, 32, low=1, required=True)
        problems.text(action, "data", prop, 300, low=1, required=True)
    elif kind == "clipboard":
        problems.text(action, "clipboardText", prop, 1000, low=1, required=True)
