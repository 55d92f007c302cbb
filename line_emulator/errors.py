"""LINE's error answers: one exception type and the exact messages."""

from __future__ import annotations

from typing import Any

AUTH_FAILED = (
    "Authentication failed. Confirm that the access token in the authorization "
    "header is valid."
)
NOT_FOUND = "Not found"
METHOD_NOT_ALLOWED = "Method not allowed"
INVALID_REPLY_TOKEN = "Invalid reply token"
RATE_LIMITED = "The API rate limit has been exceeded. Try again later."
MONTHLY_LIMIT = "You have reached your monthly limit."
RETRY_KEY_ACCEPTED = "The retry key is already accepted"
RETRY_KEY_INVALID = "The value for the 'X-Line-Retry-Key' header is invalid"
RETRY_KEY_UNSUPPORTED = "The retry key is not supported for this API"
FAILED_TO_SEND = "Failed to send messages"
INVALID_JSON = "The request body could not be parsed as JSON"
IMAGE_NOT_UPLOADED = "must upload richmenu image before applying it to user"
IMAGE_ALREADY_UPLOADED = "An image has already been uploaded to the richmenu"
ALIAS_CONFLICT = "conflict richmenu alias id"
RICH_MENU_NOT_FOUND = "richmenu not found"
RICH_MENU_LIMIT = "The maximum number of rich menus has been reached"
INTERNAL_ERROR = "An internal server error occurred"
SERVICE_UNAVAILABLE = "Service temporarily unavailable"


def invalid_property(name: str) -> str:
    """Return LINE's message for a property whose value LINE refuses."""
    return (
        f"The property, '{name}', in the request body is invalid (line: -, column: -)"
    )


def body_errors_message(count: int) -> str:
    """Return LINE's summary line for a body with schema errors."""
    return f"The request body has {count} error(s)"


class LineApiError(Exception):
    """An error answer in LINE's shape: status, message, optional details."""

    def __init__(
        self,
        status: int,
        message: str,
        details: list[dict[str, str]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """Return the JSON body LINE would send."""
        body: dict[str, Any] = {"message": self.message}
        if self.details:
            body["details"] = self.details
        body.update(self.extra)
        return body


def body_invalid(details: list[dict[str, str]]) -> LineApiError:
    """Return the 400 error for a request body with the given detail errors."""
    return LineApiError(400, body_errors_message(len(details)), details)


def not_found() -> LineApiError:
    """Return LINE's plain 404."""
    return LineApiError(404, NOT_FOUND)
