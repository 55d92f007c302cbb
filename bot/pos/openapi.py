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
                "description": "What the scanner typed: the 13-digit member number, "
                "the 16-digit code of the card's QR, or the 18-digit one-time code "
                "of a coupon's QR or barcode.",
            }
        },
    },
    "TransactionRequest": {
        "type": "object",
        "required": ["receipt_no", "amount"],
        "additionalProperties": False,
        "description": "A member's sale names `member_no`. A guest's sale (the "
        "scan answered `member: null` for a guest's coupon) leaves it out and "
        "sends the guest's `coupon_codes`: it earns and uses no points.",
        "properties": {
            "member_no": {
                "type": "string",
                "pattern": "^[0-9]{13}$",
                "description": "The member (from /scan). Left out for a guest.",
            },
            "receipt_no": {"type": "string", "pattern": "^[!-~]{1,64}$"},
            "amount": {
                "type": "integer",
                "minimum": 0,
                "maximum": 100000000,
                "description": "Receipt total in yen, before points.",
            },
            "points_used": {
                "type": "integer",
                "minimum": 0,
                "default": 0,
                "description": "Points to use; a guest has none (0 or left out).",
            },
            "items": {
                "type": "array",
                "maxItems": 200,
                "description": "The receipt's lines, for scenarios by SKU or category.",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "sku": {"type": "string", "maxLength": 64},
                        "category": {"type": "string", "maxLength": 64},
                    },
                },
            },
            "coupon_codes": {
                "type": "array",
                "maxItems": 10,
                "items": {"type": "string", "minLength": 1, "maxLength": 40},
                "description": "Personal coupon codes to apply (as /scan answers "
                "them; hyphens and case do not matter). All or none are applied. "
                "Without member_no, at least one, all held by the same guest.",
            },
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
    "Coupon": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "description": "XXXX-XXXX-XXXX-XXXX"},
            "coupon_id": {"type": "string"},
            "title": {"type": "string"},
            "kind": {"enum": ["amount_off", "percent_off", "free_item"]},
            "value": {"type": "integer", "description": "Yen, or percent."},
            "min_purchase": {"type": ["integer", "null"]},
            "expires_at": {"type": "string", "format": "date-time"},
            "usable_here": {"type": "boolean"},
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
            "discount": {"type": "integer", "description": "Yen off by coupons."},
            "points_earned": {
                "type": "integer",
                "description": "Earned on amount - discount - points_used.",
            },
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
        operation["responses"]["415"] = _error(
            "The body is not sent as application/json (unsupported_media_type)."
        )
        operation["responses"].setdefault("422", _error("The body is not valid."))
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
                    "Look up a member (or a guest's coupon) from a scanned member "
                    "number, card QR code or coupon code, with their usable coupons.",
                    "ScanRequest",
                    {
                        "200": _ok(
                            "The member and their usable coupons. A guest's coupon "
                            "(not a linked member) answers member null and the "
                            "guest's coupons: record the sale without member_no.",
                            {
                                "member": {"anyOf": [_ref("Member"), {"type": "null"}]},
                                "via": {
                                    "enum": ["member_no", "card_code", "coupon_code"]
                                },
                                "coupons": {"type": "array", "items": _ref("Coupon")},
                                "scanned_coupon": {"type": ["string", "null"]},
                            },
                        ),
                        "404": _error("No member or code has this number."),
                        "410": _error("The QR code expired or was used."),
                    },
                )
            },
            "/api/pos/transactions": {
                "post": _operation(
                    "Record a sale once per store and receipt; apply coupons, earn "
                    "and use points. A refused coupon changes nothing.",
                    "TransactionRequest",
                    {
                        "201": _ok(
                            "Recorded. A guest's sale answers `member: null`, "
                            "`guest: true`, points_earned 0 and a `points_note`.",
                            {
                                "member": {"anyOf": [_ref("Member"), {"type": "null"}]},
                                "purchase": _ref("Purchase"),
                                "discount": {"type": "integer"},
                                "coupons": {"type": "array", "items": _ref("Coupon")},
                                "guest": {
                                    "type": "boolean",
                                    "description": "Only on a guest's sale: true.",
                                },
                                "points_note": {
                                    "type": "string",
                                    "description": "Only on a guest's sale: says "
                                    "that no points were earned, for staff.",
                                },
                            },
                        ),
                        "200": _ok(
                            "This receipt was recorded before: the first result.",
                            {**member, "purchase": _ref("Purchase")},
                        ),
                        "404": _error(
                            "No member has this number (unknown_member), or no "
                            "coupon has this code (unknown_coupon)."
                        ),
                        "409": _error(
                            "Not enough points, the coupon was used (coupon_used), "
                            "or this receipt number was recorded for a different "
                            "sale: another customer, amount or points "
                            "(receipt_reused)."
                        ),
                        "410": _error("The coupon expired (coupon_expired)."),
                        "422": _error(
                            "Invalid body, or a coupon not valid here: wrong_store, "
                            "wrong_channel, below_min_purchase, not_your_coupon "
                            "(another customer's, or a member's in a guest's sale), "
                            "coupon_withdrawn, duplicate_coupon; guest_points (a "
                            "guest's sale with points_used)."
                        ),
                    },
                )
            },
            "/api/pos/refunds": {
                "post": _operation(
                    "Reverse the points of a receipt of this store (idempotent).",
                    "RefundRequest",
                    {
                        "200": _ok(
                            "Reversed (a guest's sale: member null, no points).",
                            {
                                "purchase": _ref("Purchase"),
                                "points_restored": {"type": "integer"},
                                "points_taken_back": {"type": "integer"},
                                "points_not_recovered": {"type": "integer"},
                                "member": {"anyOf": [_ref("Member"), {"type": "null"}]},
                                "coupons_restored": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                    "description": "Codes usable again (unexpired).",
                                },
                            },
                        ),
                        "404": _error("No receipt with this number at this store."),
                    },
                )
            },
        },
    }
