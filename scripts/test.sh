#!/usr/bin/env bash
# Install what the tests need into .venv, lint, and run the whole test suite.
# Uses PostgreSQL and Redis at their standard ports, starting them if stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-services.sh
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
# Browser tests drive Debian's Chromium (Playwright never downloads a browser).
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "the browser tests need Debian's chromium: sudo apt-get install chromium" >&2
    exit 1
  fi
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check --quiet .
exec .venv/bin/python -m pytest "$@"
