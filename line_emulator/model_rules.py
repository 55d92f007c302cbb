"""Validate request bodies against line-bot-sdk's generated models.

The SDK's models (`linebot.v3.messaging.models`) are generated from the same
OpenAPI specs as `validation.py` reads, and they install with requirements.txt,
so this layer runs in any checkout. It checks what the hand-written rules do
not: every property's JSON type, the Flex component types, the enumerations
(Flex layout, weight, align, gravity, bubble size, button style and height,
datetime picker mode, postback inputOption...), numeric ranges and the alias ID
pattern. The models are not used as is: their `from_dict` stops at the first
error and loses the property path, so this walks them field by field, dispatches
subtypes on the discriminator the models declare, and reports every problem in
LINE's shape. See docs/emulator-validation.md for where the models are more
lenient than LINE (the hand-written rules cover those).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from linebot.v3.messaging import models
from pydantic.v1 import BaseModel, StrictStr, ValidationError
from pydantic.v1.fields import SHAPE_LIST, SHAPE_SINGLETON, ModelField

from line_emulator.validation import property_path

_TYPE_NAMES = {
    "type_error.str": "string",
    "type_error.integer": "integer",
    "type_error.float": "number",
    "type_error.bool": "boolean",
    "value_error.strictbool": "boolean",
    "type_error.list": "array",
    "type_error.dict": "object",
}


@functools.cache
def _subtypes(model: type[BaseModel]) -> tuple[str, dict[str, str]] | None:
    """Return the discriminator property and its value->class map, if any."""
    mapping = getattr(model, f"_{model.__name__}__discriminator_value_class_map", None)
    if mapping is None:
        return None
    name = getattr(model, f"_{model.__name__}__discriminator_property_name", "type")
    return name, mapping


class _KnownValid:
    """Message objects that passed, as canonical JSON (only passes are kept).

    A bot sends the same answers again and again; walking a Flex message costs
    far more than writing it out. A changed message is checked afresh.
    """

    LIMIT = 4096

    def __init__(self) -> None:
        self._passed: set[str] = set()

    def key(self, value: dict[str, Any]) -> str | None:
        """Return the canonical form of a message, or None if it has none."""
        try:
            return json.dumps(value, sort_keys=True, ensure_ascii=False)
        except (TypeError, ValueError):
            return None

    def __contains__(self, key: str | None) -> bool:
        return key is not None and key in self._passed

    def add(self, key: str | None) -> None:
        """Remember one passed message."""
        if key is None:
            return
        if len(self._passed) >= self.LIMIT:
            self._passed.clear()
        self._passed.add(key)


_known_valid = _KnownValid()


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


class _Report:
    def __init__(self) -> None:
        self.details: dict[str, str] = {}

    def add(self, path: list[Any], message: str) -> None:
        self.details.setdefault(property_path(path), message)


def _check_model(
    report: _Report, model: type[BaseModel], value: Any, path: list[Any]
) -> None:
    if model is models.Message and isinstance(value, dict):
        key = _known_valid.key(value)
        if key in _known_valid:
            return
        found = len(report.details)
        _check_object(report, model, value, path)
        if len(report.details) == found:
            _known_valid.add(key)
        return
    _check_object(report, model, value, path)


def _check_object(
    report: _Report, model: type[BaseModel], value: Any, path: list[Any]
) -> None:
    if not isinstance(value, dict):
        report.add(path, "Must be of type object")
        return
    subtypes = _subtypes(model)
    if subtypes is not None:
        name, mapping = subtypes
        kind = value.get(name)
        if kind is None:
            report.add([*path, name], "must be specified")
            return
        target = mapping.get(kind) if isinstance(kind, str) else None
        if target is None:
            report.add([*path, name], "Invalid type")
            return
        model = getattr(models, target)
    for field in model.__fields__.values():
        raw = value.get(field.alias)
        where = [*path, field.alias]
        if raw is None:
            if field.required:
                report.add(where, "must be specified")
        elif _is_model(field.type_) and field.shape == SHAPE_SINGLETON:
            _check_model(report, field.type_, raw, where)
        elif _is_model(field.type_) and field.shape == SHAPE_LIST:
            _check_model_list(report, field, raw, where)
        else:
            _check_plain(report, model, field, raw, where)


def _check_model_list(
    report: _Report, field: ModelField, raw: Any, path: list[Any]
) -> None:
    if not isinstance(raw, list):
        report.add(path, "Must be of type array")
        return
    low = getattr(field.outer_type_, "min_items", None)
    high = getattr(field.outer_type_, "max_items", None)
    if (low is not None and len(raw) < low) or (high is not None and len(raw) > high):
        report.add(path, _size_message(low, high))
    for index, item in enumerate(raw):
        _check_model(report, field.type_, item, [*path, index])


def _plain_strings_fit(field: ModelField, raw: Any) -> bool:
    """Tell whether raw is a list of strings the field takes as it is.

    A multicast's `to` is a `conlist(StrictStr)` of up to 500 ids, and
    pydantic validates each id on its own (6 ms of an 8 ms multicast here).
    A list of plain `str` within the field's size limits has nothing to
    report, so this answers for it at once; anything else (another item type,
    a non-string, a size outside the limits) goes through pydantic as before,
    so the errors are the same.
    """
    if field.shape != SHAPE_LIST or field.type_ is not StrictStr:
        return False
    if type(raw) is not list or not all(type(item) is str for item in raw):
        return False
    low = getattr(field.outer_type_, "min_items", None) or 0
    high = getattr(field.outer_type_, "max_items", None)
    return len(raw) >= low and (high is None or len(raw) <= high)


def _check_plain(
    report: _Report,
    model: type[BaseModel],
    field: ModelField,
    raw: Any,
    path: list[Any],
) -> None:
    if _plain_strings_fit(field, raw):
        return
    _, errors = field.validate(raw, {}, loc=field.alias, cls=model)
    if not errors:
        return
    for error in ValidationError([errors], model).errors():
        where = [*path[:-1], *error["loc"]]
        report.add(where, _message(error, field))


def _size_message(low: int | None, high: int | None) -> str:
    if high is None:
        return f"Size must be at least {low or 0}"
    return f"Size must be between {low or 0} and {high}"


def _message(error: dict[str, Any], field: ModelField) -> str:
    kind = error["type"]
    limits = field.type_ if field.shape == SHAPE_SINGLETON else field.outer_type_
    if kind in _TYPE_NAMES:
        if field.sub_fields and field.shape == SHAPE_SINGLETON:
            return "Must be of type number"  # Union[StrictFloat, StrictInt]
        return f"Must be of type {_TYPE_NAMES[kind]}"
    if kind == "type_error.none.not_allowed":
        return "must be specified"
    if kind.startswith("value_error.any_str."):
        low = getattr(limits, "min_length", None) or 0
        return f"Length must be between {low} and {getattr(limits, 'max_length', '')}"
    if kind.startswith("value_error.list."):
        return _size_message(
            getattr(field.outer_type_, "min_items", None),
            getattr(field.outer_type_, "max_items", None),
        )
    if kind == "value_error.number.not_le":
        return f"Must be less than or equal to {error['ctx']['limit_value']}"
    if kind == "value_error.number.not_ge":
        return f"Must be greater than or equal to {error['ctx']['limit_value']}"
    message = str(error["msg"])
    return message[:1].upper() + message[1:]


def has_model(model_name: str) -> bool:
    """Tell whether line-bot-sdk has a model of this name."""
    return _is_model(getattr(models, model_name, None))


def model_errors(model_name: str, body: Any) -> list[dict[str, str]]:
    """Return LINE-style error details for body against one SDK model."""
    report = _Report()
    _check_model(report, getattr(models, model_name), body, [])
    return [
        {"message": message, "property": prop}
        for prop, message in sorted(report.details.items())
    ]
