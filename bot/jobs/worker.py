"""The worker: `flask --app wsgi worker` consumes every queue with threads."""

from __future__ import annotations

import logging
import signal
import threading

import click
import dramatiq
from flask import Flask, current_app
from flask.cli import with_appcontext

from bot.jobs import minute_sweeps, runner

log = logging.getLogger(__name__)


def start_worker(app: Flask, threads: int | None = None) -> dramatiq.Worker:
    """Start consuming the app's queues in background threads."""
    settings = app.config["SETTINGS"]
    broker = app.extensions["jobs"].broker
    broker.emit_after("process_boot")
    worker = dramatiq.Worker(
        broker, worker_threads=threads or settings.WORKER_THREADS, worker_timeout=200
    )
    worker.start()
    return worker


@click.command("worker")
@click.option("--threads", type=int, default=None, help="Jobs handled at once.")
@with_appcontext
def worker_command(threads: int | None) -> None:
    """Run the background worker until SIGTERM or Ctrl-C."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["SETTINGS"].embedded_redis:
        raise click.ClickException(
            "REDIS_URL is not set: a separate worker needs a Redis server. "
            "`flask --app wsgi demo` runs the bot with an embedded worker."
        )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker = start_worker(app, threads)
    sweeper = threading.Thread(
        target=_sweep_pending_events, args=(app, stop), name="sweeper", daemon=True
    )
    sweeper.start()
    queues = sorted(runner().broker.get_declared_queues())
    log.info(
        "worker started", extra={"queues": queues, "threads": worker.worker_threads}
    )
    stop.wait()
    log.info("worker stopping: finishing jobs in hand")
    worker.stop()


SWEEP_INTERVAL_SECONDS = 60
STALE_AFTER_SECONDS = 120


def _sweep_pending_events(app: Flask, stop: threading.Event) -> None:
    """Every minute, queue events that have waited too long to be queued."""
    from bot.webhook.service import requeue_stale_events

    while not stop.wait(SWEEP_INTERVAL_SECONDS):
        try:
            with app.app_context():
                ids = requeue_stale_events(STALE_AFTER_SECONDS)
            if ids:
                log.warning("requeued stale pending events", extra={"count": len(ids)})
        except Exception:
            log.exception("sweep of pending events failed; trying again later")
        for sweep in minute_sweeps():
            try:
                with app.app_context():
                    sweep()
            except Exception:
                log.exception("sweep failed; trying again later")
