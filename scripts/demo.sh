#!/usr/bin/env bash
# Set up and run the main demo: a voice agent that hears a spoken question, calls a tool,
# answers in text and speech, and writes the audio it produced.
# Without AZURE_OPENAI_* variables it starts the local emulator; with them it talks to Azure.
# Usage: bash scripts/demo.sh [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet -e ".[emulator,agents]"
export HF_HUB_OFFLINE=1
exec "$PY" cookbook/demo.py "$@"
