"""The benchmark's own PostgreSQL database and Redis database: set up and count."""

from __future__ import annotations

import os
import subprocess

import psycopg
from redis import Redis
from webhook_processes import REPO_ROOT, VENV_BIN

FAQ_FILE = REPO_ROOT / "faq" / "faq.yaml"
EVENTS_QUEUE_MESSAGES = "omo-bot:events.msgs"


def _flask(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", *command],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def prepare_database(database_url: str, bot_env: dict[str, str]) -> bool:
    """Create and migrate the database, empty its event tables, load the FAQ.

    Return whether the FAQ was loaded (a deployed bot has one; without it text
    messages take the not-understood path).
    """
    admin_url, _, name = database_url.rpartition("/")
    with psycopg.connect(admin_url + "/postgres", autocommit=True) as admin:
        found = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if found is None:
            admin.execute(f'CREATE DATABASE "{name}"')
    upgrade = _flask(bot_env, "db", "upgrade", "heads")
    if upgrade.returncode != 0:
        raise RuntimeError(f"db upgrade heads failed:\n{upgrade.stderr[-3000:]}")
    empty_event_tables(database_url)
    if not FAQ_FILE.exists():
        return False
    return _flask(bot_env, "faq", "load", str(FAQ_FILE)).returncode == 0


def empty_event_tables(database_url: str) -> None:
    """Remove stored events and LINE users (and rows that hang off users)."""
    with psycopg.connect(database_url, autocommit=True) as database:
        database.execute("TRUNCATE webhook_events, line_users CASCADE")


def mark_pending_done(database_url: str) -> None:
    """Close events a baseline worker answered without recording it."""
    with psycopg.connect(database_url, autocommit=True) as database:
        database.execute(
            "UPDATE webhook_events SET status = 'done' WHERE status <> 'done'"
        )


def count_events(database_url: str, status: str | None = None) -> int:
    """Return how many webhook events are stored (with a status, if given)."""
    query = "SELECT count(*) FROM webhook_events"
    params: tuple[str, ...] = ()
    if status is not None:
        query += " WHERE status = %s"
        params = (status,)
    with psycopg.connect(database_url) as database:
        row = database.execute(query, params).fetchone()
    return int(row[0]) if row else 0


def count_queued_jobs(redis_url: str) -> int:
    """Return how many Dramatiq messages wait in the events queue."""
    return int(Redis.from_url(redis_url).hlen(EVENTS_QUEUE_MESSAGES))


def flush_redis(redis_url: str) -> None:
    """Empty the benchmark's own Redis database (queued jobs, locks, markers)."""
    Redis.from_url(redis_url).flushdb()
