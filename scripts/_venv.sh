# Sourced by the scripts: create .venv once, install the project with the extras in $EXTRAS,
# and set $PY to its interpreter. Override with PYTHON=... / VENV=...
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet -e ".[$EXTRAS]"
