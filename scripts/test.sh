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
