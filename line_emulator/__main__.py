"""Run the emulator standalone: python -m line_emulator --port 8090 ...

The state lives in the process, so serve it from exactly one process. Werkzeug's
threaded server is used here; gunicorn with one gthread worker works too:
    gunicorn -w 1 --threads 16 -b 127.0.0.1:8090 'line_emulator:create_app()'
"""

from __future__ import annotations

import argparse
import os

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
    return parser.parse_args(argv)


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
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
