"""What happens around every emulated LINE call: auth, limits, faults, records."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from line_emulator import errors
from line_emulator.api.common import current_platform
from line_emulator.errors import LineApiError
from line_emulator.ids import new_request_id
from line_emulator.traffic import Fault, RecordedCall, redact_headers

CONTROL_PREFIX = "/_emulator"
# The chat simulator's page and its JSON are not LINE calls either.
SIMULATOR_PREFIX = "/simulator"
# Bot API calls need a channel access token; the access host pages do not.
AUTHENTICATED_PREFIXES = ("/v2/", "/data/v2/")
FAULT_MESSAGES = {
    429: errors.RATE_LIMITED,
    500: errors.INTERNAL_ERROR,
    503: errors.SERVICE_UNAVAILABLE,
}


def is_line_call() -> bool:
    """Tell whether a request is for LINE, not for the control API or simulator."""
    return request.path != "/favicon.ico" and not request.path.startswith(
        (CONTROL_PREFIX, SIMULATOR_PREFIX)
    )


def error_response(error: LineApiError) -> Response:
    """Render a LineApiError as LINE's JSON answer."""
    response = jsonify(error.body())
    response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def _fault_response(fault: Fault) -> Response:
    body = fault.body or {"message": FAULT_MESSAGES.get(fault.status, "Error")}
    response = jsonify(body)
    response.status_code = fault.status
    return response


def _authorized(access_tokens: tuple[str, ...]) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme == "Bearer" and token in access_tokens


def before_line_call() -> Response | None:
    """Apply latency, authentication, rate limits and 'before' faults."""
    if not is_line_call():
        return None
    platform = current_platform()
    g.line_request_id = new_request_id()
    g.line_fault_after = None
    settings = platform.settings
    if settings.latency_ms:
        time.sleep(settings.latency_ms / 1000)
    if request.path.startswith(AUTHENTICATED_PREFIXES) and not _authorized(
        settings.access_tokens
    ):
        return error_response(LineApiError(401, errors.AUTH_FAILED))
    with platform.lock:
        allowed = platform.state.rate_limiter.allow(settings.rate_limits, request.path)
        fault = (
            None
            if not allowed
            else platform.state.faults.take(request.method, request.path)
        )
    if not allowed:
        return error_response(LineApiError(429, errors.RATE_LIMITED))
    if fault is not None and fault.mode == "before":
        return _fault_response(fault)
    g.line_fault_after = fault
    return None


def _recorded_body() -> Any:
    if request.mimetype == "application/json":
        return request.get_json(silent=True)
    if request.form:
        return {
            k: ("<redacted>" if k == "id_token" else v) for k, v in request.form.items()
        }
    data = request.get_data(cache=True)
    return {"contentType": request.content_type, "bytes": len(data)} if data else None


def after_line_call(response: Response) -> Response:
    """Swap in an 'after' fault, stamp the request id and record the call."""
    if not is_line_call() or "line_request_id" not in g:
        return response
    fault = g.get("line_fault_after")
    if fault is not None:
        response = _fault_response(fault)
    response.headers["x-line-request-id"] = g.line_request_id
    if response.mimetype == "application/json":
        answer = response.get_json(silent=True)
    else:
        answer = {"contentType": response.mimetype, "bytes": response.content_length}
    call = RecordedCall(
        method=request.method,
        path=request.path,
        query=request.query_string.decode("latin-1"),
        headers=redact_headers(dict(request.headers)),
        body=_recorded_body(),
        status=response.status_code,
        response=answer,
        request_id=g.line_request_id,
        timestamp=time.time(),
    )
    platform = current_platform()
    with platform.lock:
        platform.state.calls.add(call)
    return response


def handle_http_exception(exc: HTTPException) -> Response:
    """Answer routing errors in LINE's shape (control API errors stay plain)."""
    if exc.code == 405:
        response = jsonify({"message": errors.METHOD_NOT_ALLOWED})
    elif exc.code == 404:
        response = jsonify({"message": errors.NOT_FOUND})
    else:
        response = jsonify({"message": exc.description or exc.name})
    response.status_code = exc.code or 500
    return response


def install(app: Flask) -> None:
    """Register the hooks and error handlers on the app."""
    app.before_request(before_line_call)
    app.after_request(after_line_call)
    app.register_error_handler(LineApiError, error_response)
    app.register_error_handler(HTTPException, handle_http_exception)
