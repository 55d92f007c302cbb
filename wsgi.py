"""WSGI entry point: `gunicorn wsgi:app` and `flask --app wsgi ...`."""

import sys

from bot import create_app
from bot.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    # The settings' own message names each one: a traceback only hid it.
    sys.exit(f"configuration error: {exc}")
