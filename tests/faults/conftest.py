"""Fixtures for the fault tests: child processes that are always stopped."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from bot.extensions import db
from bot.webhook.models import WebhookEvent
from tests.conftest import LineSide
from tests.faults.processes import Process


@pytest.fixture
def children() -> Iterator[list[Process]]:
    """Collect the test's child processes; stop whatever is left at the end."""
    started: list[Process] = []
    yield started
    for process in reversed(started):
        process.stop()


@pytest.fixture
def line_side(emulator: Any) -> LineSide:
    """LINE's side without the in-process server: the test points the webhook."""
    return LineSide(emulator)


def event_statuses(app: Flask) -> dict[str, str]:
    """Return every stored event's status by webhookEventId."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(WebhookEvent.webhook_event_id, WebhookEvent.status)
        ).all()
        db.session.rollback()
    return dict(rows)


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll until `check` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def text_deliveries(line: LineSide, user_id: str) -> list[tuple[str, str]]:
    """Return (via, text) of every text the user received."""
    return line.texts_to(user_id)


def log_of(tmp_path: Path, name: str) -> Path:
    """Return where a child process writes its output."""
    return tmp_path / f"{name}.log"
