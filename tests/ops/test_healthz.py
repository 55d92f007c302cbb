"""GET /healthz tells a load balancer whether the database and Redis answer."""

from __future__ import annotations

from typing import Any

from flask import Flask

from bot import create_app
from bot.extensions import db
from tests.conftest import _settings


def health_of(app: Flask) -> tuple[int, dict[str, str]]:
    response = app.test_client().get("/healthz")
    with app.app_context():
        db.engine.dispose()
    app.extensions["redis"].close()
    return response.status_code, response.get_json()


def test_healthy(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_redis_down_is_503(app: Flask, emulator: Any) -> None:
    broken = create_app(_settings(emulator, REDIS_URL="redis://127.0.0.1:1/0"))
    status, answer = health_of(broken)
    assert status == 503
    assert answer == {"status": "down", "database": "ok", "redis": "down"}


def test_database_down_is_503(app: Flask, emulator: Any) -> None:
    broken = create_app(
        _settings(emulator, DATABASE_URL="postgresql://postgres@127.0.0.1:1/nowhere")
    )
    status, answer = health_of(broken)
    assert status == 503
    assert answer == {"status": "down", "database": "down", "redis": "ok"}
