"""The register API as OpenAPI 3.1; its request schemas also validate bodies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

REQUESTS: dict[str, dict[str, Any]] = {
    "ScanRequest": {
        "type": "object",
        "required": ["code"],
        "additionalProperties": False,
        "properties": {
            "code": {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
                "description": "What the scanner typed: the 13-digit member number "
                "or the 16-digit code of the card's QR.",
            }
        },
    },
    "TransactionRequest": {
        "type": "object",
        "required": ["member_no", "receipt_no", "amount"],
        "additionalProperties": False,
        "properties": {
            "member_no": {"type": "string", "pattern": "^[0-9]{13}$"},
            "receipt_no": {"type": "string", "pattern": "^[!-~]{1,64}$"},
            "amount": {
                "type": "integer",
                "minimum": 0,
                "maximum": 100000000,
                "description": "Receipt total in yen, before points.",
            },
            "points_used": {"type": "integer", "minimum": 0, "default": 0},
        },
    },
    "RefundRequest": {
        "type": "object",
        "required": ["receipt_no"],
        "additionalProperties": False,
        "properties": {"receipt_no": {"type": "string", "pattern": "^[!-~]{1,64}$"}},
    },
}

RESPONSES: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "Stable error code."},
            "message": {"type": "string", "description": "Text for staff."},
        },
    },
    "Member": {
        "type": "object",
        "properties": {
            "member_no": {"type": "string"},
            "name": {"type": "string"},
            "rank": {"type": "string"},
            "rank_label": {"type": "string"},
            "points": {"type": "integer"},
            "points_expire_at": {"type": ["string", "null"], "format": "date-time"},
            "points_expiring": {"type": "integer"},
        },
    },
    "Purchase": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "store_code": {"type": "string"},
            "receipt_no": {"type": "string"},
            "amount": {"type": "integer"},
            "points_used": {"type": "integer"},
            "points_earned": {"type": "integer"},
            "status": {"type": "string", "enum": ["completed", "refunded"]},
            "purchased_at": {"type": "string", "format": "date-time"},
        },
    },
}


def _ecma_pattern(
    _validator: Any, pattern: str, instance: Any, _schema: Any
) -> Iterator[ValidationError]:
    # JSON Schema patterns are ECMA 262, where `$` ends the input; Python's `$`
    # also matches before a trailing newline ("R-1\n" would pass as "R-1").
    if isinstance(instance, str) and not re.search(_python_regex(pattern), instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _python_regex(pattern: str) -> str:
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + r"\Z"
    return pattern


def _whole_number(_checker: Any, instance: Any) -> bool:
    # A register sends yen and points as JSON integers; 1000.0 is refused.
    return isinstance(instance, int) and not isinstance(instance, bool)


_RequestValidator = validators.extend(
    Draft202012Validator,
    validators={"pattern": _ecma_pattern},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _whole_number),
)
VALIDATORS = {name: _RequestValidator(schema) for name, schema in REQUESTS.items()}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
    }


def _ok(description: str, properties: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties}
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


def _operation(
    summary: str, request: str | None, responses: dict[str, Any]
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "security": [{"storeKey": []}],
        "responses": {
            "401": _error("Missing, unknown or revoked store key."),
            **responses,
        },
    }
    if request:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(request)}},
        }
        operation["responses"]["422"] = _error("The body is not valid.")
    return operation


def openapi_document(server_url: str) -> dict[str, Any]:
    """Return the OpenAPI document of the register API."""
    member = {"member": _ref("Member")}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Register (POS) API",
            "version": "1.0.0",
            "description": "Per-store API keys (`flask --app wsgi stores issue-key`) "
            "go in `Authorization: Bearer <key>`; the store comes from the key.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"storeKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {**REQUESTS, **RESPONSES},
        },
        "paths": {
            "/api/pos/store": {
                "get": _operation(
                    "The store the key belongs to (staff sign-in).",
                    None,
                    {"200": _ok("The store.", {"code": {}, "name": {}})},
                )
            },
            "/api/pos/scan": {
                "post": _operation(
                    "Look up a member from a scanned member number or card QR code.",
                    "ScanRequest",
                    {
                        "200": _ok(
                            "The member.", {**member, "via": {"type": "string"}}
                        ),
                        "404": _error("No member has this number."),
                        "410": _error("The card QR code expired or was used."),
                    },
                )
            },
            "/api/pos/transactions": {
                "post": _operation(
                    "Record a sale once per store and receipt; earn and use points.",
                    "TransactionRequest",
                    {
                        "201": _ok(
                            "Recorded.", {**member, "purchase": _ref("Purchase")}
                        ),
                        "200": _ok(
                            "This receipt was recorded before: the first result.",
                            {**member, "purchase": _ref("Purchase")},
                        ),
                        "404": _error("No member has this number."),
                        "409": _error("Not enough points."),
                    },
                )
            },
            "/api/pos/refunds": {
                "post": _operation(
                    "Reverse the points of a receipt of this store (idempotent).",
                    "RefundRequest",
                    {
                        "200": _ok(
                            "Reversed.",
                            {
                                **member,
                                "purchase": _ref("Purchase"),
                                "points_restored": {"type": "integer"},
                                "points_taken_back": {"type": "integer"},
                                "points_not_recovered": {"type": "integer"},
                            },
                        ),
                        "404": _error("No receipt with this number at this store."),
                    },
                )
            },
        },
    }
