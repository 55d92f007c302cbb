#!/usr/bin/env bash
# Install into .venv and run the demo: bot, worker and LINE emulator in one
# process on the embedded defaults (SQLite under instance/, in-process Redis).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
exec .venv/bin/flask --app wsgi demo "$@"
