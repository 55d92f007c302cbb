"""Background jobs on Dramatiq and Redis: the broker, enqueue helper, retry policy.

Jobs are plain functions that take ids. Each domain registers its jobs with the
app's router (`router.job(fn)`); `init_app` declares them on the app's broker,
so importing a jobs module does no I/O and registers nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)
from flask import Flask, current_app
from sqlalchemy.exc import OperationalError

from bot.logs import log_context
from bot.routing import DEFAULT_QUEUE, JOB, Route, get_router, job_name

log = logging.getLogger(__name__)

EVENTS_QUEUE = "events"


class TransientError(Exception):
    """A failure worth retrying later: LINE 5xx/429, a timeout, a busy lock."""


def is_transient(exc: BaseException) -> bool:
    """Tell whether a failure should be retried with backoff."""
    return isinstance(exc, TransientError | OperationalError)


class JobRunner:
    """The app's broker and the actors declared on it."""

    def __init__(self, app: Flask, broker: RedisBroker) -> None:
        self.app = app
        self.broker = broker
        self.actors: dict[str, dramatiq.Actor] = {}
        self.max_retries = app.config["SETTINGS"].JOB_MAX_RETRIES

    def declare(self, route: Route) -> None:
        """Declare one registered job as an actor that runs in an app context."""
        settings = self.app.config["SETTINGS"]
        app = self.app
        name, fn = route.key, route.fn

        def run_in_app(*args: Any) -> None:
            message = CurrentMessage.get_current_message()
            job_id = message.message_id if message else None
            with app.app_context(), log_context(job_id=job_id, job=name):
                from bot.extensions import db

                try:
                    fn(*args)
                finally:
                    db.session.remove()

        self.actors[name] = dramatiq.Actor(
            run_in_app,
            broker=self.broker,
            actor_name=name,
            queue_name=route.queue or DEFAULT_QUEUE,
            priority=0,
            options={
                "max_retries": settings.JOB_MAX_RETRIES,
                "min_backoff": settings.JOB_MIN_BACKOFF_MS,
                "max_backoff": settings.JOB_MAX_BACKOFF_MS,
                "retry_when": self._should_retry,
                "time_limit": 5 * 60 * 1000,
            },
        )

    def _should_retry(self, retries: int, exc: BaseException) -> bool:
        return is_transient(exc) and retries <= self.max_retries


def init_app(app: Flask) -> None:
    """Create the app's broker on its Redis client and declare every job."""
    client = app.extensions["redis"]
    # Dramatiq's defaults minus Prometheus: metrics files are not ours to manage.
    middleware = [
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(),
        CurrentMessage(),
    ]
    broker = RedisBroker(client=client, namespace="omo-bot", middleware=middleware)
    runner = JobRunner(app, broker)
    for route in get_router(app).of_kind(JOB):
        runner.declare(route)
    app.extensions["jobs"] = runner


def runner() -> JobRunner:
    """Return the current app's job runner."""
    return current_app.extensions["jobs"]


def enqueue(fn: Callable[..., None], *args: Any, delay_ms: int | None = None) -> str:
    """Queue a registered job with its arguments; return the message id."""
    actor = runner().actors.get(job_name(fn))
    if actor is None:
        raise LookupError(f"{job_name(fn)} is not registered with the router as a job")
    message = actor.send_with_options(args=args, delay=delay_ms)
    return message.message_id


def current_attempt() -> int:
    """Return how many times the running job has been retried (0 on the first run)."""
    message = CurrentMessage.get_current_message()
    return int(message.options.get("retries", 0)) if message else 0


def is_final_attempt() -> bool:
    """Tell whether a failure now would not be retried."""
    return current_attempt() >= runner().max_retries
