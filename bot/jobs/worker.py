"""The worker: `flask --app wsgi worker` consumes every queue with threads."""

from __future__ import annotations

import logging
import signal
import threading

import click
import dramatiq
from flask import Flask, current_app
from flask.cli import with_appcontext

from bot.jobs import runner
from bot.routing import SWEEP, get_router

log = logging.getLogger(__name__)


SWEEP_INTERVAL_SECONDS = 60


class BackgroundWorker:
    """Dramatiq's worker threads plus the thread that runs the minute sweeps."""

    def __init__(self, worker: dramatiq.Worker, stop: threading.Event) -> None:
        self.worker = worker
        self._stop = stop

    @property
    def worker_threads(self) -> int:
        """Return how many jobs run at once."""
        return self.worker.worker_threads

    def join(self) -> None:
        """Wait until the jobs in hand are done (for tests and the demo)."""
        self.worker.join()

    def stop(self) -> None:
        """Stop the sweeps, finish the jobs in hand, and stop."""
        self._stop.set()
        self.worker.stop()


def start_worker(
    app: Flask, threads: int | None = None, *, sweeps: bool = True
) -> BackgroundWorker:
    """Start consuming the app's queues in threads, and the minute sweeps."""
    settings = app.config["SETTINGS"]
    broker = app.extensions["jobs"].broker
    broker.emit_after("process_boot")
    worker = dramatiq.Worker(
        broker, worker_threads=threads or settings.WORKER_THREADS, worker_timeout=200
    )
    worker.start()
    stop = threading.Event()
    if sweeps:
        threading.Thread(
            target=_run_minute_sweeps, args=(app, stop), name="sweeps", daemon=True
        ).start()
    return BackgroundWorker(worker, stop)


def _run_minute_sweeps(app: Flask, stop: threading.Event) -> None:
    """Every minute, run each sweep registered with the router in an app context."""
    sweeps = get_router(app).of_kind(SWEEP)
    while not stop.wait(SWEEP_INTERVAL_SECONDS):
        for sweep in sweeps:
            try:
                with app.app_context():
                    sweep.fn()
            except Exception:
                log.exception("sweep failed; trying again later")


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
    queues = sorted(runner().broker.get_declared_queues())
    log.info(
        "worker started", extra={"queues": queues, "threads": worker.worker_threads}
    )
    stop.wait()
    log.info("worker stopping: finishing jobs in hand")
    worker.stop()
