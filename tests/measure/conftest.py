"""Fixtures for scenario tests: an app context and LINE's side without a webhook."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

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
