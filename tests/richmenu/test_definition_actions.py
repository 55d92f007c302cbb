"""Rich menu definitions: every action LINE allows in a rich menu, and its limits."""

from pathlib import Path

import pytest

from bot.richmenu.definitions import load_definitions
from tests.richmenu.helpers import (
    Document,
    area,
    assert_problem,
    by_alias,
    edit,
    problems_in,
)

POSTBACK = {"type": "postback", "data": "action=faq"}


@pytest.mark.parametrize(
    ("action", "field", "fragment"),
    [
        ({"type": "camera", "label": "撮影"}, "type", "not allowed in a rich menu"),
        ({"type": "postback"}, "data", "is required"),
        ({**POSTBACK, "data": "x" * 301}, "data", "301 characters long (max 300)"),
        ({**POSTBACK, "displayText": "x" * 301}, "displayText", "max 300"),
        ({**POSTBACK, "label": "x" * 21}, "label", "max 20"),
        ({**POSTBACK, "text": "a", "displayText": "b"}, "text", "displayText"),
        ({**POSTBACK, "inputOption": "openCamera"}, "inputOption", "must be one"),
        ({**POSTBACK, "richMenuAliasId": "guest"}, "richMenuAliasId", "unknown key"),
        ({"type": "message", "text": "x" * 301}, "text", "max 300"),
        ({"type": "message"}, "text", "is required"),
        ({"type": "message", "text": ""}, "text", "non-empty"),
        ({"type": "uri", "uri": "https://a.jp/" + "x" * 990}, "uri", "max 1000"),
        ({"type": "uri", "uri": "ftp://files.example.com/a"}, "uri", "schemes"),
        ({"type": "uri", "uri": "javascript:alert(1)"}, "uri", "schemes"),
        ({"type": "uri", "uri": "www.example.com"}, "uri", "schemes"),
        (
            {"type": "uri", "uri": "tel:0312345678", "altUri": {"mobile": "x"}},
            "altUri",
            "only 'desktop'",
        ),
        (
            {"type": "uri", "uri": "https://a.jp", "altUri": {"desktop": "ftp://a"}},
            "altUri.desktop",
            "schemes",
        ),
        ({"type": "datetimepicker", "mode": "date"}, "data", "is required"),
        (
            {"type": "datetimepicker", "data": "d", "mode": "week"},
            "mode",
            "date, time or datetime",
        ),
        (
            {"type": "datetimepicker", "data": "d", "mode": "date", "initial": "6/18"},
            "initial",
            "not a valid date",
        ),
        (
            {"type": "datetimepicker", "data": "d", "mode": "time", "max": "24:30"},
            "max",
            "not a valid time",
        ),
        (
            {
                "type": "datetimepicker",
                "data": "d",
                "mode": "datetime",
                "min": "2030-01-01T10:00",
                "max": "2030-01-01T09:00",
            },
            "max",
            "later than min",
        ),
        (
            {
                "type": "datetimepicker",
                "data": "d",
                "mode": "date",
                "min": "1899-12-31",
            },
            "min",
            "1900-01-01 and 2100-12-31",
        ),
        ({"type": "richmenuswitch", "data": "x"}, "richMenuAliasId", "is required"),
        ({"type": "richmenuswitch", "richMenuAliasId": "guest"}, "data", "is required"),
        (
            {"type": "richmenuswitch", "richMenuAliasId": "member-c", "data": "x"},
            "richMenuAliasId",
            "no definition has the alias 'member-c'",
        ),
        (
            {"type": "richmenuswitch", "richMenuAliasId": "bad alias!", "data": "x"},
            "richMenuAliasId",
            "not a valid alias id",
        ),
    ],
)
def test_action_problems_name_file_and_field(
    menus_dir: Path, action: Document, field: str, fragment: str
) -> None:
    edit(menus_dir, "member-b", lambda d: area(d, 3).update(action=action))

    where = f"{menus_dir}/member-b.json: richMenu.areas[3].action.{field}:"
    assert_problem(problems_in(menus_dir), where, fragment)


@pytest.mark.parametrize(
    "action",
    [
        {"type": "message", "text": "店舗を探す", "label": "店舗"},
        {"type": "uri", "uri": "tel:0312345678"},
        {
            "type": "uri",
            "uri": "line://nv/location",
            "altUri": {"desktop": "https://a.jp"},
        },
        {"type": "uri", "uri": "${BOT_BASE_URL}/stores"},
        {"type": "postback", "data": "action=faq", "inputOption": "openKeyboard"},
        {
            "type": "datetimepicker",
            "data": "action=reserve",
            "mode": "datetime",
            "initial": "2030-06-18t10:00",
            "min": "2030-06-18T09:00",
            "max": "2030-12-31T18:00",
        },
        {"type": "richmenuswitch", "richMenuAliasId": "guest", "data": "tab=guest"},
    ],
)
def test_other_valid_actions_load(menus_dir: Path, action: Document) -> None:
    edit(menus_dir, "member-b", lambda d: area(d, 3).update(action=action))

    menus = by_alias(load_definitions(menus_dir))

    assert menus["member-b"].rich_menu["areas"][3]["action"] == action
