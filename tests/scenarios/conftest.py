"""Fixtures for scenario tests: an app context and LINE's side without a webhook."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from bot.scenarios import running
from tests.conftest import LineSide


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """Run the test inside an app context."""
    with app.app_context():
        yield


@pytest.fixture
def friends(emulator: Any) -> LineSide:
    """LINE's side for tests that only look at what the bot sent."""
    return LineSide(emulator)


@pytest.fixture(params=["set_based", "per_customer"])
def freeze_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test through both freezes: one statement per chunk, and per customer.

    PostgreSQL takes the set-based one for shared content; SQLite (and an
    event's own enrollments) the per-customer one. Both must apply the rules.
    """
    if request.param == "per_customer":
        monkeypatch.setattr(running, "_set_based", lambda now, ids: False)
    return str(request.param)
