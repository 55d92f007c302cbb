"""What every emulated LINE endpoint needs: the platform, the body, validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g, request

from line_emulator import errors
from line_emulator.errors import LineApiError
from line_emulator.model_rules import has_model, model_errors
from line_emulator.platform import LinePlatform
from line_emulator.rule_checks import Problems
from line_emulator.validation import load_schema_book, schema_errors

EXTENSION_KEY = "line_emulator"


def current_platform() -> LinePlatform:
    """Return the LinePlatform the running app serves."""
    return current_app.extensions[EXTENSION_KEY]


def request_id() -> str:
    """Return the x-line-request-id of the current call."""
    return g.line_request_id


def json_body() -> Any:
    """Return the parsed JSON body, or raise LINE's 400 for unparsable JSON."""
    body = request.get_json(silent=True, force=True)
    if body is None:
        raise LineApiError(400, errors.INVALID_JSON)
    return body


def validated_body(
    schema_name: str, hand_rules: Callable[[Problems, Any], None] | None = None
) -> Any:
    """Return the JSON body after the schema and LINE's documented rules pass.

    Three layers: LINE's OpenAPI spec when its YAML is at hand, the
    hand-written rules for LINE's documented limits, and line-bot-sdk's models
    (generated from that spec, always installed) for the types, enumerations
    and Flex components only the spec knows. One detail per property: the
    first layer's.
    """
    body = json_body()
    if not isinstance(body, dict):
        raise errors.body_invalid([{"message": "Must be of type object"}])
    book = load_schema_book(current_platform().settings.openapi_dir)
    details = schema_errors(book, schema_name, body)
    if hand_rules is not None:
        problems = Problems()
        hand_rules(problems, body)
        _add_new(details, problems.details)
    if has_model(schema_name):
        _add_new(details, model_errors(schema_name, body))
    if details:
        raise errors.body_invalid(details)
    return body


def _add_new(details: list[dict[str, str]], more: list[dict[str, str]]) -> None:
    seen = {detail["property"] for detail in details}
    details.extend(d for d in more if d["property"] not in seen)
