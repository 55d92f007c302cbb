#!/usr/bin/env bash
# Install what the tests need into .venv, lint, and run the whole test suite.
# Needs PostgreSQL and Redis at their standard ports (.ci/run starts them).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
.venv/bin/ruff check .
.venv/bin/ruff format --check --quiet .
exec .venv/bin/python -m pytest "$@"
