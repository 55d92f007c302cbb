"""GET /healthz: is the database and Redis reachable; GET /favicon.ico."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from flask import Blueprint, Response, jsonify
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.extensions import db, get_redis

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Report the database and Redis as ok or down; 503 when either is down."""
    checks = {"database": "ok", "redis": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.error("health: database down", extra={"error": type(exc).__name__})
        checks["database"] = "down"
    finally:
        db.session.rollback()
    try:
        get_redis().ping()
    except (RedisError, OSError) as exc:
        log.error("health: redis down", extra={"error": type(exc).__name__})
        checks["redis"] = "down"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(
        status="ok" if healthy else "down", **checks
    ), 200 if healthy else 503


@functools.cache
def _favicon_bytes() -> bytes:
    return (Path(__file__).parent / "favicon.ico").read_bytes()


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Serve the icon browsers ask every page's site for."""
    response = Response(_favicon_bytes(), mimetype="image/vnd.microsoft.icon")
    response.cache_control.max_age = 86400
    return response
