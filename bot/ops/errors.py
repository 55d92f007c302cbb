"""JSON error answers for API clients; nothing internal leaks into them."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def register_error_handlers(app: Flask) -> None:
    """Answer HTTP errors and crashes as small JSON documents."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        response = jsonify(error=exc.name.lower(), detail=exc.description)
        response.status_code = exc.code or 500
        # Keep what the exception adds, such as Allow on 405 or Retry-After.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(DataError)
    def refused_value(exc: DataError) -> tuple[Response, int]:
        # A value from the request that the database cannot hold (a number
        # past a column's range, a date no calendar has): the statement
        # failed, so nothing changed. Views refuse what they know of with a
        # precise answer; this keeps the rest from being a 500.
        sqlstate = getattr(exc.orig, "sqlstate", None)
        log.warning("the database refused a value", extra={"sqlstate": sqlstate})
        detail = "a value in the request is out of range or cannot be stored"
        return jsonify(error="bad request", detail=detail), 400

    @app.errorhandler(Exception)
    def crash(exc: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")
        return jsonify(error="internal server error"), 500
