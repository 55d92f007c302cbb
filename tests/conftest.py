"""Fixtures in flaskr's shape, over real PostgreSQL, real Redis and the LINE emulator.

Set TEST_DATABASE_URL / TEST_REDIS_URL to point elsewhere; by default the tests
use the services at their standard ports on this machine.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.serving import make_server

from bot import create_app
from bot.config import normalize_database_url
from bot.extensions import db
from tests.helpers import ACCESS_TOKEN, CHANNEL_SECRET

TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/omo_bot_test"
)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True, scope="session")
def _no_outside_network() -> Iterator[None]:
    """Fail any test that tries to reach a host other than this machine."""
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address[0] not in _LOCAL_HOSTS:
            raise AssertionError(f"test tried to reach {address[0]}: only local hosts")
        return real_connect(sock, address)

    socket.socket.connect = guarded  # type: ignore[method-assign]
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]


def _ensure_database(url: str) -> None:
    engine_url = sa.make_url(normalize_database_url(url))
    admin = sa.create_engine(
        engine_url.set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
            {"n": engine_url.database},
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{engine_url.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def emulator() -> Iterator[Any]:
    """Run the LINE Platform emulator for the whole session."""
    from line_emulator.server import EmulatorServer

    with EmulatorServer(
        channel_secret=CHANNEL_SECRET, access_token=ACCESS_TOKEN
    ) as server:
        yield server


@pytest.fixture(scope="session")
def _schema(emulator: Any) -> str:
    """Create the test database and bring it to the newest migration once."""
    from flask_migrate import downgrade, upgrade

    _ensure_database(TEST_DATABASE_URL)
    app = create_app(_settings(emulator))
    with app.app_context():
        downgrade(revision="base")
        upgrade(revision="heads")
        db.engine.dispose()
    return TEST_DATABASE_URL


def _settings(emulator: Any, **extra: Any) -> dict[str, Any]:
    return {
        "BOT_ENV": "test",
        "DATABASE_URL": TEST_DATABASE_URL,
        "REDIS_URL": TEST_REDIS_URL,
        "LINE_CHANNEL_SECRET": CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "LINE_API_BASE_URL": emulator.base_url,
        "LINE_API_DATA_BASE_URL": emulator.data_base_url,
        "LINE_ACCESS_BASE_URL": emulator.access_base_url,
        "LINE_API_TIMEOUT_SECONDS": 5,
        "JOB_MIN_BACKOFF_MS": 10,
        "JOB_MAX_BACKOFF_MS": 50,
        "WORKER_THREADS": 4,
        "LOG_LEVEL": "INFO",
        # No quiet hours unless a test is about them: tests run at any hour.
        "QUIET_HOURS": "",
        **extra,
    }


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Let a test module change settings before the app is built."""
    return {}


@pytest.fixture
def app(
    _schema: str, emulator: Any, settings_overrides: dict[str, Any]
) -> Iterator[Flask]:
    """Build an app on the test database and Redis; clean both afterwards."""
    app = create_app(_settings(emulator, **settings_overrides))
    redis = app.extensions["redis"]
    redis.flushdb()
    emulator.platform.reset(settings=True)
    yield app
    app.extensions["webhook_intake"].close()
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            existing = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
            tables = ", ".join(sorted(existing))
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()
    redis.flushdb()
    redis.close()


@pytest.fixture
def sqlite_app(tmp_path: Path, emulator: Any) -> Iterator[Flask]:
    """An app on a fresh SQLite file (the embedded default), its tables created."""
    database = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    app = create_app(_settings(emulator, DATABASE_URL=database))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Return a CLI runner for the app's commands."""
    return app.test_cli_runner()


@pytest.fixture
def worker(app: Flask) -> Iterator[Callable[[], None]]:
    """Run the real worker in threads; yield a function that waits for idle."""
    from bot.jobs.worker import start_worker

    running = start_worker(app, threads=4, sweeps=False)
    broker = app.extensions["jobs"].broker

    def drain(timeout_ms: int = 15000) -> None:
        for queue in broker.get_declared_queues():
            broker.join(queue, timeout=timeout_ms)
        running.join()

    yield drain
    running.stop()


@pytest.fixture
def bot_url(app: Flask, emulator: Any) -> Iterator[str]:
    """Serve the app over HTTP so the emulator can deliver webhooks to it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    emulator.platform.configure(webhook_url=f"{url}/callback")
    yield url
    server.shutdown()


class LineSide:
    """LINE's side of a test: users, events sent to the bot, what the bot sent."""

    def __init__(self, emulator: Any) -> None:
        self.platform = emulator.platform

    def add_user(self, name: str = "山田 花子", **fields: Any) -> str:
        """Create a LINE user on the emulator and return their user id."""
        return self.platform.add_user(display_name=name, **fields).user_id

    def send(self, *events: dict[str, Any]) -> int:
        """Deliver events to the bot's webhook, signed; return the bot's status."""
        from line_emulator.webhooks import deliver

        return deliver(self.platform, list(events)).status

    def follow(self, user_id: str) -> dict[str, Any]:
        """Build a follow event (the user becomes a friend)."""
        from line_emulator.webhooks import follow_event

        return follow_event(self.platform, user_id)

    def unfollow(self, user_id: str) -> dict[str, Any]:
        """Build an unfollow event (the user blocks the bot)."""
        from line_emulator.webhooks import unfollow_event

        return unfollow_event(self.platform, user_id)

    def text(self, user_id: str, text: str) -> dict[str, Any]:
        """Build a text message event."""
        from line_emulator.webhooks import text_message_event

        return text_message_event(self.platform, user_id, text)

    def postback(self, user_id: str, data: str) -> dict[str, Any]:
        """Build a postback event."""
        from line_emulator.webhooks import postback_event

        return postback_event(self.platform, user_id, data)

    def event(self, event_type: str, user_id: str, **fields: Any) -> dict[str, Any]:
        """Build an event of any type."""
        from line_emulator.webhooks import build_event

        return build_event(self.platform, event_type, user_id, fields)

    def redeliver(self, webhook_event_id: str) -> int:
        """Send an earlier event again as a redelivery."""
        from line_emulator.webhooks import redeliver

        return redeliver(self.platform, webhook_event_id).status

    def fault(
        self, path: str, status: int, count: int = 1, mode: str = "before"
    ) -> None:
        """Make the next `count` calls to `path` answer `status`."""
        from line_emulator.traffic import Fault

        self.platform.state.faults.add(
            Fault(path=path, status=status, remaining=count, mode=mode)
        )

    def expire_reply_token(self, event: dict[str, Any]) -> None:
        """Let an event's reply token run out, as a minute's wait would."""
        with self.platform.lock:
            self.platform.state.reply_tokens[event["replyToken"]].expires_at = 0

    def texts_to(self, user_id: str) -> list[tuple[str, str]]:
        """Return (via, text) for every delivered text message to a user."""
        return [
            (d.via, m["text"])
            for d in self.platform.deliveries(user_id)
            if d.delivered
            for m in d.messages
            if m.get("type") == "text"
        ]

    def deliveries_to(self, user_id: str) -> list[Any]:
        """Return every delivery (reply, push, multicast) to a user."""
        return self.platform.deliveries(user_id)

    def calls(self, path: str) -> list[Any]:
        """Return the recorded calls to a path pattern."""
        return self.platform.state.calls.find(path=path)


@pytest.fixture
def line(emulator: Any, bot_url: str) -> LineSide:
    """LINE's side, delivering webhooks to the app served over HTTP."""
    return LineSide(emulator)


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Start Debian's headless Chromium through Playwright, once per session."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """Open a fresh phone-sized page; it is closed after the test."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="ja-JP"
    )
    page = context.new_page()
    yield page
    context.close()
