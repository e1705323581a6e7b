#!/usr/bin/env bash
# Install everything the test suite needs into .venv and run the whole suite, offline.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

EXTRAS="test,bench"
# langchain-tests pins vcrpy<9, but only vcrpy>=9.4 records the openai SDK 3.x transport
# (httpx2). Its other requirements are in our [test] extra, so install it alone.
NO_DEPS="langchain-tests==1.1.9 pytest-recording>=0.13,<1"
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh

# The browser tests drive Debian's chromium (Playwright's own browser download is not used).
# Install it when it is missing and we may (root with apt-get); otherwise they are skipped with
# a reason. CHROMIUM_PATH points the tests at another build.
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing chromium for the browser tests (apt-get)..." >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
      || echo "chromium could not be installed: the browser tests will be skipped." >&2
  else
    echo "chromium is not installed (apt-get install chromium): the browser tests will be skipped." >&2
  fi
fi

# Tests never reach the network: the emulator listens on loopback and cassettes replay the rest.
# (Only LC_AZURE_AUDIO_RECORD=azure, re-recording cassettes, may use the Azure variables.)
if [ "${LC_AZURE_AUDIO_RECORD:-}" != "azure" ]; then
  unset AZURE_OPENAI_ENDPOINT AZURE_OPENAI_API_KEY OPENAI_API_VERSION
fi
export HF_HUB_OFFLINE=1

set +e
"$PY" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: treating that as a failure." >&2
  exit 1
fi
exit "$status"
