"""The one LINE client: both SDK configurations, request ids, error mapping.

Every call to LINE goes through `LineClient`. It takes the API host and the
data host (rich menu images) from settings, logs LINE's request id, maps SDK
and network errors onto a few exceptions the rest of the bot can act on, and
insists on a retry key for push and multicast.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any, TypeVar

import urllib3
from flask import Flask, current_app
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    ShowLoadingAnimationRequest,
)

from bot.config import Settings
from bot.jobs import TransientError

log = logging.getLogger(__name__)
T = TypeVar("T")


class LineApiError(Exception):
    """LINE refused a request; `status` and LINE's `message` say why."""

    def __init__(self, operation: str, status: int, message: str, request_id: str = ""):
        super().__init__(f"{operation}: LINE answered {status}: {message}")
        self.operation = operation
        self.status = status
        self.message = message
        self.request_id = request_id


class LineTransientError(LineApiError, TransientError):
    """LINE was unreachable, timed out, answered 5xx or rate-limited us (429)."""


class InvalidReplyToken(LineApiError):
    """The reply token is unknown, already used or expired."""


class RetryKeyAlreadyAccepted(LineApiError):
    """LINE already accepted a request with this retry key: it was delivered."""


class LineNotFound(LineApiError):
    """The user, rich menu or alias does not exist (or the user blocked us)."""


# The callback of the call in hand on this thread (a greenlet under gevent),
# run once the request's last byte has been written to the socket.
_on_sent = threading.local()


def _notify_sent() -> None:
    callback = getattr(_on_sent, "callback", None)
    if callback is not None:
        _on_sent.callback = None
        callback()


class _SentHTTPConnection(urllib3.connection.HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        super().request(*args, **kwargs)
        _notify_sent()


class _SentHTTPSConnection(urllib3.connection.HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        super().request(*args, **kwargs)
        _notify_sent()


class _SentHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _SentHTTPConnection


class _SentHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _SentHTTPSConnection


@contextlib.contextmanager
def _when_sent(callback: Callable[[], None] | None) -> Iterator[None]:
    _on_sent.callback = callback
    try:
        yield
    finally:
        _on_sent.callback = None


def _configuration(host: str, settings: Settings) -> Configuration:
    config = Configuration(
        host=host.rstrip("/"), access_token=settings.LINE_CHANNEL_ACCESS_TOKEN
    )
    # Retries are ours (jobs with backoff and retry keys), never urllib3's.
    config.retries = urllib3.Retry(total=0, redirect=0, raise_on_status=False)
    # At least one keep-alive connection per scenario sender thread (32).
    config.connection_pool_maxsize = max(32, settings.WORKER_THREADS * 2)
    return config


class LineClient:
    """Messaging API access for one channel."""

    def __init__(self, settings: Settings) -> None:
        self.timeout = settings.LINE_API_TIMEOUT_SECONDS
        self._api_client = ApiClient(
            _configuration(settings.LINE_API_BASE_URL, settings)
        )
        self._data_client = ApiClient(
            _configuration(settings.LINE_API_DATA_BASE_URL, settings)
        )
        # Connections that can tell when a request has left this process.
        self._api_client.rest_client.pool_manager.pool_classes_by_scheme = {
            "http": _SentHTTPPool,
            "https": _SentHTTPSPool,
        }
        self.api = MessagingApi(self._api_client)
        self.blob = MessagingApiBlob(self._data_client)

    def call(
        self,
        operation: str,
        fn: Callable[..., Any],
        *args: Any,
        expected: Collection[int] = (),
        **kwargs: Any,
    ) -> Any:
        """Run one SDK `*_with_http_info` call; log it and map its errors.

        `expected` names refusals that are a normal answer for this call (a
        channel with no default menu yet answers 404); they log at INFO.
        """
        started = time.perf_counter()
        try:
            response = fn(*args, _request_timeout=self.timeout, **kwargs)
        except ApiException as exc:
            raise self._mapped(operation, exc, started, expected) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            log.warning(
                "LINE call failed without an answer",
                extra={"operation": operation, "error": type(exc).__name__},
            )
            raise LineTransientError(operation, 0, type(exc).__name__) from exc
        headers = response.headers or {}
        log.info(
            "LINE call",
            extra={
                "operation": operation,
                "status": response.status_code,
                "line_request_id": _header(headers, "x-line-request-id"),
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response.data

    def _mapped(
        self,
        operation: str,
        exc: ApiException,
        started: float,
        expected: Collection[int] = (),
    ) -> LineApiError:
        status = int(exc.status or 0)
        message = _line_message(exc.body)
        request_id = _header(exc.headers or {}, "x-line-request-id")
        log.log(
            logging.INFO if status in expected else logging.WARNING,
            "LINE refused a call",
            extra={
                "operation": operation,
                "status": status,
                "line_message": message[:200],
                "line_request_id": request_id,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        if status >= 500 or status == 429:
            return LineTransientError(operation, status, message, request_id)
        if status == 400 and "reply token" in message.lower():
            return InvalidReplyToken(operation, status, message, request_id)
        if status == 409:
            return RetryKeyAlreadyAccepted(operation, status, message, request_id)
        if status == 404:
            return LineNotFound(operation, status, message, request_id)
        return LineApiError(operation, status, message, request_id)

    def reply(
        self,
        reply_token: str,
        messages: Sequence[dict[str, Any]],
        on_sent: Callable[[], None] | None = None,
    ) -> None:
        """Answer an event with its reply token (free of message quota).

        `on_sent` runs once the request has been written to LINE's socket: from
        then on LINE may use the token even if no answer comes back.
        """
        body = {"replyToken": reply_token, "messages": list(messages)}
        with _when_sent(on_sent):
            self._post_messages("reply", "/v2/bot/message/reply", body)

    def push(
        self,
        to: str,
        messages: Sequence[dict[str, Any]],
        retry_key: str,
        unit: str | None = None,
    ) -> None:
        """Push messages to one user; the retry key makes a retry deliver once."""
        body: dict[str, Any] = {"to": to, "messages": list(messages)}
        if unit is not None:
            body["customAggregationUnits"] = [unit]
        self._post_messages("push", "/v2/bot/message/push", body, retry_key)

    def multicast(
        self,
        to: Sequence[str],
        messages: Sequence[dict[str, Any]],
        retry_key: str,
        unit: str | None = None,
    ) -> None:
        """Send the same messages to up to 500 users in one call."""
        body: dict[str, Any] = {"to": list(to), "messages": list(messages)}
        if unit is not None:
            body["customAggregationUnits"] = [unit]
        self._post_messages("multicast", "/v2/bot/message/multicast", body, retry_key)

    def _post_messages(
        self,
        operation: str,
        path: str,
        body: dict[str, Any],
        retry_key: str | None = None,
    ) -> None:
        """POST a send request as LINE's JSON through the SDK's API client.

        The SDK's request models run pydantic v1 validators over every message,
        quick-reply item and multicast recipient, then turn them back into the
        same JSON: two thirds of a reply's CPU in the worker, and most of a
        100,000-user segment send's. The API client makes the same call (host,
        bearer token, timeout, ApiException on an error status) without them.
        The messages are LINE's JSON already, built by our own code, and the
        emulator checks every one against LINE's OpenAPI schema in the tests.
        """
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if retry_key is not None:
            headers["X-Line-Retry-Key"] = retry_key
        self.call(
            operation,
            self._api_client.call_api,
            path,
            "POST",
            header_params=headers,
            body=body,
            response_types_map={},
            auth_settings=["Bearer"],
        )

    def get_profile(self, user_id: str) -> dict[str, Any] | None:
        """Return the user's profile, or None when LINE does not give it."""
        try:
            profile = self.call(
                "get_profile", self.api.get_profile_with_http_info, user_id
            )
        except LineNotFound:
            return None
        return profile.to_dict()

    def show_loading(self, user_id: str, seconds: int = 5) -> None:
        """Show the typing indicator while a slow answer is prepared."""
        request = ShowLoadingAnimationRequest(chat_id=user_id, loading_seconds=seconds)
        self.call(
            "show_loading", self.api.show_loading_animation_with_http_info, request
        )

    def message_quota(self) -> tuple[int | None, int]:
        """Return the month's message limit (None: unlimited) and the usage."""
        quota = self.call("get_quota", self.api.get_message_quota_with_http_info)
        usage = self.call(
            "get_consumption", self.api.get_message_quota_consumption_with_http_info
        )
        limit = quota.value if quota.type == "limited" else None
        return limit, int(usage.total_usage)

    def create_coupon(self, body: dict[str, Any]) -> str:
        """Create one of LINE's coupons from its JSON; return its couponId."""
        from linebot.v3.messaging import CouponCreateRequest

        request = CouponCreateRequest.from_dict(body)
        result = self.call(
            "create_coupon", self.api.create_coupon_with_http_info, request
        )
        return result.coupon_id

    def unit_statistics(self, unit: str, start: str, end: str) -> dict[str, Any]:
        """Return LINE's statistics of one aggregation unit (days as yyyyMMdd)."""
        return self.call(
            "get_statistics_per_unit",
            self._api_client.call_api,
            "/v2/bot/insight/message/event/aggregation",
            "GET",
            query_params=[
                ("customAggregationUnit", unit),
                ("from", start),
                ("to", end),
            ],
            header_params={"Accept": "application/json"},
            response_types_map={"200": "object"},
            auth_settings=["Bearer"],
        )

    def mark_as_read(self, mark_as_read_token: str) -> None:
        """Show the user their message (and those before it) as read."""
        body = {"markAsReadToken": mark_as_read_token}
        self._post_messages("mark_as_read", "/v2/bot/chat/markAsRead", body)

    def issue_link_token(self, user_id: str) -> str:
        """Issue an account-link token for the user."""
        result = self.call(
            "issue_link_token", self.api.issue_link_token_with_http_info, user_id
        )
        return result.link_token


def _header(headers: Any, name: str) -> str:
    for key, value in dict(headers).items():
        if key.lower() == name:
            return str(value)
    return ""


def _line_message(body: Any) -> str:
    if not body:
        return ""
    try:
        document = json.loads(body)
    except (TypeError, ValueError):
        return str(body)[:200]
    return str(document.get("message", "")) if isinstance(document, dict) else ""


def init_line_client(app: Flask) -> None:
    """Create the app's LINE client (no network until the first call)."""
    app.extensions["line"] = LineClient(app.config["SETTINGS"])


def line_client() -> LineClient:
    """Return the current app's LINE client."""
    return current_app.extensions["line"]
