"""Validate request bodies against the OpenAPI schemas in messaging-api.yml."""

from __future__ import annotations

import copy
import functools
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError, validators

SPEC_FILE = "messaging-api.yml"
COMPONENT_PREFIX = "#/components/schemas/"
DEFS_PREFIX = "#/$defs/"
# The discriminator-free copy of a base schema that its subtypes extend.
BASE_SUFFIX = "__base"
_load_lock = threading.Lock()


def _rewrite_ref(ref: str, base: bool = False) -> str:
    if not ref.startswith(COMPONENT_PREFIX):
        raise ValueError(f"unsupported $ref {ref}")
    return DEFS_PREFIX + ref[len(COMPONENT_PREFIX) :] + (BASE_SUFFIX if base else "")


def _convert(node: Any) -> Any:
    """Turn an OpenAPI 3.0 schema node into JSON Schema 2020-12."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("example", "examples", "externalDocs", "description", "format"):
            continue
        if key == "$ref":
            converted[key] = _rewrite_ref(value)
        elif key == "discriminator":
            mapping = {
                name: _rewrite_ref(ref)
                for name, ref in value.get("mapping", {}).items()
            }
            converted[key] = {"propertyName": value["propertyName"], "mapping": mapping}
        elif key == "properties":
            converted[key] = {name: _convert(sub) for name, sub in value.items()}
        elif key == "additionalProperties" and isinstance(value, dict):
            converted[key] = _convert(value)
        else:
            converted[key] = _convert(value)
    if converted.pop("nullable", False) and "type" in converted:
        converted["type"] = [converted["type"], "null"]
    return converted


def _defs_from_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Convert every component schema and add discriminator-free base copies."""
    schemas = spec["components"]["schemas"]
    defs = {name: _convert(schema) for name, schema in schemas.items()}
    with_discriminator = {name for name, s in defs.items() if "discriminator" in s}
    for name in with_discriminator:
        base = copy.deepcopy(defs[name])
        del base["discriminator"]
        defs[name + BASE_SUFFIX] = base
        # Every subtype extends the base, so the dispatching schema needs nothing
        # else; keeping the base's properties here would report errors twice.
        defs[name] = {"type": "object", "discriminator": defs[name]["discriminator"]}
    # A subtype extends its base through allOf; point it at the base copy so the
    # discriminator is not applied again (which would recurse forever).
    for schema in defs.values():
        for part in schema.get("allOf", []):
            ref = part.get("$ref", "")
            if ref.startswith(DEFS_PREFIX) and ref[len(DEFS_PREFIX) :] in (
                with_discriminator
            ):
                part["$ref"] = ref + BASE_SUFFIX
    return defs


def _discriminator(
    validator: Any, discriminator: dict[str, Any], instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """Validate an object against the subtype its discriminator value names."""
    if not isinstance(instance, dict):
        return
    name = discriminator["propertyName"]
    if name not in instance:
        yield ValidationError(f"'{name}' is a required property", validator="required")
        return
    target = discriminator["mapping"].get(instance[name])
    if target is None:
        yield ValidationError(
            f"unknown {name} {instance[name]!r}",
            validator="discriminator",
            path=[name],
        )
        return
    yield from validator.descend(instance, {"$ref": target})


class KnownValid:
    """Objects that passed their subtype's schema, as canonical JSON.

    A bot sends the same answers again and again, and checking a message
    against the spec costs far more than writing it out: before this, the
    emulator spent more CPU on one reply than the bot's worker did handling
    the event. Only a pass is kept, so an invalid object is always checked
    and reported in full; one book's passes say nothing about another's.
    """

    LIMIT = 4096

    def __init__(self) -> None:
        self._passed: set[tuple[str, str]] = set()

    def discriminator(
        self, validator: Any, discriminator: dict[str, Any], instance: Any, schema: Any
    ) -> Iterator[ValidationError]:
        """`discriminator`, skipping an object that already passed as is."""
        target = (
            discriminator["mapping"].get(instance.get(discriminator["propertyName"]))
            if isinstance(instance, dict)
            else None
        )
        key = _canonical(target, instance) if target else None
        if key is not None and key in self._passed:
            return
        failed = False
        for error in _discriminator(validator, discriminator, instance, schema):
            failed = True
            yield error
        if key is not None and not failed:
            if len(self._passed) >= self.LIMIT:
                self._passed.clear()
            self._passed.add(key)


def _canonical(target: str, instance: Any) -> tuple[str, str] | None:
    try:
        return target, json.dumps(instance, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return None


_check_items = Draft202012Validator.VALIDATORS["items"]
# Item schemas simple enough to check in one pass: a type and length bounds.
_SCALAR_KEYS = {"type", "minLength", "maxLength"}


def _fit_strings(item_schema: dict[str, Any], values: list[Any]) -> bool:
    if not values:
        return True
    if not all(type(value) is str for value in values):
        return False
    lengths = list(map(len, values))
    low, high = item_schema.get("minLength"), item_schema.get("maxLength")
    return (low is None or min(lengths) >= low) and (
        high is None or max(lengths) <= high
    )


def _items(
    validator: Any, items: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """`items`, with one pass over long arrays of plain strings (multicast's `to`).

    jsonschema descends into every element, about 15 us each: 500 user ids took
    most of a multicast's time. When every element passes the simple string
    check there is nothing to report; otherwise the full check finds the errors.
    """
    if (
        isinstance(instance, list)
        and isinstance(items, dict)
        and items.get("type") == "string"
        and items.keys() <= _SCALAR_KEYS
        and _fit_strings(items, instance)
    ):
        return
    yield from _check_items(validator, items, instance, schema)


OpenApiValidator = validators.extend(
    Draft202012Validator, {"discriminator": _discriminator, "items": _items}
)


class SchemaBook:
    """The converted schemas of one spec file, with a validator per schema."""

    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs
        self._validators: dict[str, Any] = {}
        self._known_valid = KnownValid()
        self._validator_class = validators.extend(
            OpenApiValidator, {"discriminator": self._known_valid.discriminator}
        )

    def validator(self, schema_name: str) -> Any:
        """Return a (cached) validator for one component schema."""
        if schema_name not in self._validators:
            if schema_name not in self.defs:
                raise KeyError(f"no schema {schema_name}")
            root = {"$defs": self.defs, "$ref": DEFS_PREFIX + schema_name}
            self._validators[schema_name] = self._validator_class(root)
        return self._validators[schema_name]


@functools.cache
def _load_book(spec_path: Path) -> SchemaBook | None:
    if not spec_path.is_file():
        return None
    with spec_path.open(encoding="utf-8") as spec_file:
        spec = yaml.safe_load(spec_file)
    return SchemaBook(_defs_from_spec(spec))


def spec_notice(openapi_dir: Path) -> str | None:
    """Say what checking is lost when messaging-api.yml is not in openapi_dir."""
    if (Path(openapi_dir) / SPEC_FILE).is_file():
        return None
    return (
        f"LINE's OpenAPI spec is not at {Path(openapi_dir) / SPEC_FILE}: requests "
        "are checked against line-bot-sdk's models and LINE's documented rules "
        "only (set LINE_OPENAPI_DIR or --openapi-dir to add the spec check)"
    )


def load_schema_book(openapi_dir: Path) -> SchemaBook | None:
    """Return the schemas of messaging-api.yml in openapi_dir, or None if absent."""
    with _load_lock:
        return _load_book(Path(openapi_dir) / SPEC_FILE)


def property_path(parts: Any) -> str:
    """Format a JSON path like LINE does: messages[0].text."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _detail(error: ValidationError) -> dict[str, str]:
    path = list(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kind == "required":
        missing = error.message.split("'")[1]
        return {
            "message": "must be specified",
            "property": property_path(path + [missing]),
        }
    if kind in ("maxItems", "minItems"):
        low, high = schema.get("minItems", 0), schema.get("maxItems")
        message = (
            f"Size must be between {low} and {high}"
            if high
            else (f"Size must be at least {low}")
        )
    elif kind in ("maxLength", "minLength"):
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        message = (
            f"Length must be between {low} and {high}"
            if high
            else (f"Length must be at least {low}")
        )
    elif kind == "maximum":
        message = f"Must be less than or equal to {value}"
    elif kind == "minimum":
        message = f"Must be greater than or equal to {value}"
    elif kind == "enum":
        message = f"Must be one of the following values: {value}"
    elif kind == "type":
        message = f"Must be of type {value}"
    elif kind == "pattern":
        message = f"Must match the pattern {value}"
    elif kind == "discriminator":
        message = "Invalid type"
    else:
        message = error.message
    return {"message": message, "property": property_path(path)}


def _leaf_errors(errors: Any) -> Iterator[ValidationError]:
    for error in errors:
        if error.context:
            yield from _leaf_errors(error.context)
        else:
            yield error


def schema_errors(book: SchemaBook | None, schema_name: str, body: Any) -> list[dict]:
    """Return LINE-style error details for body against a component schema."""
    if book is None:
        return []
    found = _leaf_errors(book.validator(schema_name).iter_errors(body))
    unique = {}
    for error in found:
        detail = _detail(error)
        unique[(detail["property"], detail["message"])] = detail
    return sorted(unique.values(), key=lambda detail: detail["property"])
