#!/usr/bin/env bash
# Set up and run the main demo: a voice agent that hears a spoken question, calls a tool,
# answers in text and speech, and writes the audio it produced.
# Without AZURE_OPENAI_* variables it starts the local emulator; with them it talks to Azure.
# Usage: bash scripts/demo.sh [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

EXTRAS="emulator,agents"
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh
export HF_HUB_OFFLINE=1
exec "$PY" cookbook/demo.py "$@"
