"""What every emulated LINE endpoint needs: the platform, the body, validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g, request

from line_emulator import errors
from line_emulator.errors import LineApiError
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
    """Return the JSON body after the schema and LINE's documented rules pass."""
    body = json_body()
    if not isinstance(body, dict):
        raise errors.body_invalid([{"message": "Must be of type object"}])
    book = load_schema_book(current_platform().settings.openapi_dir)
    details = schema_errors(book, schema_name, body)
    if hand_rules is not None:
        problems = Problems()
        hand_rules(problems, body)
        # Keep one detail per property: the spec's when both flag it.
        seen = {detail["property"] for detail in details}
        details += [d for d in problems.details if d["property"] not in seen]
    if details:
        raise errors.body_invalid(details)
    return body
