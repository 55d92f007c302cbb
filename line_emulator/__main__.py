"""Run the emulator standalone: python -m line_emulator --port 8090 ...

The state lives in the process, so it is served by exactly one process: one
gunicorn gthread worker by default. Like LINE's API, that keeps connections
alive between requests; Werkzeug's development server (`--server werkzeug`)
closes every connection after one answer, so each call of a client would open
a new connection and the server a new thread.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from flask import Flask
from werkzeug.serving import run_simple

from line_emulator import create_app
from line_emulator.settings import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_BOT_USER_ID,
    DEFAULT_CHANNEL_SECRET,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m line_emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--channel-secret", default=DEFAULT_CHANNEL_SECRET)
    parser.add_argument(
        "--access-token",
        action="append",
        dest="access_tokens",
        help="an accepted channel access token (repeatable)",
    )
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--bot-user-id", default=DEFAULT_BOT_USER_ID)
    parser.add_argument("--openapi-dir", default=os.environ.get("LINE_OPENAPI_DIR"))
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument(
        "--server",
        choices=("gunicorn", "werkzeug"),
        default="gunicorn",
        help="gunicorn: keep-alive connections, like LINE (default)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=64,
        help="requests served at once (with --latency-ms, each waits that long)",
    )
    return parser.parse_args(argv)


def serve_with_gunicorn(app: Flask, host: str, port: int, threads: int) -> None:
    """Serve app from one gunicorn gthread worker (the state is per process)."""
    from gunicorn.app.base import BaseApplication

    class _OneWorker(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": 1,
                "worker_class": "gthread",
                "threads": threads,
                "loglevel": "warning",
                # Keep idle client connections as long as LINE's clients hold them.
                "keepalive": 60,
                "graceful_timeout": 2,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    _OneWorker().run()


def main(argv: list[str] | None = None) -> None:
    """Serve the emulator until interrupted."""
    args = parse_args(argv)
    app = create_app(
        channel_secret=args.channel_secret,
        access_tokens=tuple(args.access_tokens or [DEFAULT_ACCESS_TOKEN]),
        webhook_url=args.webhook_url,
        bot_user_id=args.bot_user_id,
        openapi_dir=args.openapi_dir,
        latency_ms=args.latency_ms,
    )
    if args.server == "gunicorn":
        serve_with_gunicorn(app, args.host, args.port, args.threads)
    else:
        run_simple(args.host, args.port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
