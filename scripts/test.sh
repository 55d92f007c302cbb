#!/usr/bin/env bash
# Install what the tests need into .venv, lint, and run the whole test suite.
# Uses PostgreSQL and Redis at their standard ports, starting them if stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-services.sh
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
# Browser tests drive Debian's Chromium (Playwright never downloads a browser);
# the store poster tests need a Japanese font (Noto CJK, as bot/stores/poster.py
# looks for it).
has_japanese_font() {
  [ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc ] || {
    command -v fc-match >/dev/null &&
      fc-match -f '%{file}' 'sans:lang=ja:weight=bold' | grep -qi cjk
  }
}
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || ! has_japanese_font; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium and fonts-noto-cjk for the tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "the tests need Debian's chromium and fonts-noto-cjk:" \
      "sudo apt-get install chromium fonts-noto-cjk" >&2
    exit 1
  fi
fi
spec_dir="${LINE_OPENAPI_DIR:-../shared/line-openapi}"
if [ ! -f "$spec_dir/messaging-api.yml" ]; then
  echo "note: no $spec_dir/messaging-api.yml: the emulator checks requests with" \
    "line-bot-sdk's models and LINE's documented rules; the spec tests skip" >&2
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check --quiet .
exec .venv/bin/python -m pytest "$@"
