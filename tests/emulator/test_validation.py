"""The OpenAPI to JSON Schema conversion and the discriminator handling."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from line_emulator.settings import default_openapi_dir
from line_emulator.validation import (
    SchemaBook,
    _defs_from_spec,
    load_schema_book,
    property_path,
    schema_errors,
)

TINY_SPEC = {
    "components": {
        "schemas": {
            "Pet": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"type": "string"}},
                "discriminator": {
                    "propertyName": "type",
                    "mapping": {"cat": "#/components/schemas/Cat"},
                },
            },
            "Cat": {
                "type": "object",
                "required": ["name"],
                "allOf": [
                    {"$ref": "#/components/schemas/Pet"},
                    {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string", "maxLength": 3},
                            "owner": {"type": "string", "nullable": True},
                        },
                    },
                ],
            },
        }
    }
}


@pytest.fixture
def tiny_book() -> SchemaBook:
    """Return a schema book built from a two-schema spec."""
    return SchemaBook(_defs_from_spec(TINY_SPEC))


def test_discriminator_picks_the_subtype(tiny_book: SchemaBook) -> None:
    assert schema_errors(tiny_book, "Pet", {"type": "cat", "name": "Tom"}) == []
    assert schema_errors(tiny_book, "Pet", {"type": "cat", "name": "Tommy"}) == [
        {"message": "Length must be between 0 and 3", "property": "name"}
    ]
    assert schema_errors(tiny_book, "Pet", {"type": "cat"}) == [
        {"message": "must be specified", "property": "name"}
    ]


def test_unknown_discriminator_value_is_an_error(tiny_book: SchemaBook) -> None:
    assert schema_errors(tiny_book, "Pet", {"type": "dog"}) == [
        {"message": "Invalid type", "property": "type"}
    ]


def test_nullable_allows_null(tiny_book: SchemaBook) -> None:
    assert (
        schema_errors(tiny_book, "Cat", {"type": "cat", "name": "T", "owner": None})
        == []
    )
    assert schema_errors(tiny_book, "Cat", {"type": "cat", "name": "T", "owner": 1})


def test_real_spec_message_and_action_discriminators() -> None:
    book = load_schema_book(default_openapi_dir())
    if book is None:
        pytest.skip(
            "needs LINE's OpenAPI YAML (../shared/line-openapi or LINE_OPENAPI_DIR);"
            " the line-bot-sdk model layer is tested in test_model_rules.py"
        )
    flex_ok = {
        "type": "flex",
        "altText": "a",
        "contents": {
            "type": "bubble",
            "body": {
                "type": "box",
                "layout": "vertical",
                "contents": [{"type": "text", "text": "hi"}],
            },
        },
    }
    quick_reply_bad = {
        "type": "text",
        "text": "hi",
        "quickReply": {"items": [{"type": "action", "action": {"type": "teleport"}}]},
    }
    assert schema_errors(book, "ValidateMessageRequest", {"messages": [flex_ok]}) == []
    assert schema_errors(
        book, "ValidateMessageRequest", {"messages": [quick_reply_bad]}
    ) == [
        {
            "message": "Invalid type",
            "property": "messages[0].quickReply.items[0].action.type",
        }
    ]


def test_missing_spec_folder_gives_no_book(tmp_path: Path) -> None:
    assert load_schema_book(tmp_path) is None
    assert schema_errors(None, "Anything", {}) == []


def test_property_path() -> None:
    assert property_path(["messages", 0, "template", "actions", 4]) == (
        "messages[0].template.actions[4]"
    )


def test_a_message_that_passed_once_still_fails_when_changed(
    tiny_book: SchemaBook,
) -> None:
    # Passes are remembered per object; a changed object is checked afresh.
    valid = {"type": "cat", "name": "Tom"}
    assert schema_errors(tiny_book, "Pet", valid) == []
    assert schema_errors(tiny_book, "Pet", dict(valid)) == []

    assert schema_errors(tiny_book, "Pet", {**valid, "name": "Tommy"}) == [
        {"message": "Length must be between 0 and 3", "property": "name"}
    ]
    assert schema_errors(tiny_book, "Pet", {**valid, "owner": 7}) == [
        {"message": "Must be of type ['string', 'null']", "property": "owner"}
    ]


def test_one_books_passes_say_nothing_about_anothers() -> None:
    strict = copy.deepcopy(TINY_SPEC)
    cat = strict["components"]["schemas"]["Cat"]["allOf"][1]["properties"]
    cat["name"]["maxLength"] = 2
    loose_book = SchemaBook(_defs_from_spec(TINY_SPEC))
    strict_book = SchemaBook(_defs_from_spec(strict))

    assert schema_errors(loose_book, "Pet", {"type": "cat", "name": "Tom"}) == []
    assert schema_errors(strict_book, "Pet", {"type": "cat", "name": "Tom"}) == [
        {"message": "Length must be between 0 and 2", "property": "name"}
    ]
