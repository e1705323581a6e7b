# Sourced by the scripts: create .venv once, install the project with the extras in $EXTRAS (and
# the packages in $NO_DEPS with --no-deps), and set $PY to its interpreter.
# Override with PYTHON=... / VENV=...; FORCE_INSTALL=1 re-runs pip whatever the stamp says.
#
# pip runs only when needed: after a successful install a stamp in the venv records a hash of
# pyproject.toml, this file, the extras, the --no-deps packages and the Python version; when they
# all match, pip is skipped (the project is installed editable, so source edits need no reinstall).
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"

_venv_install_key() {
  "$PY" - "${EXTRAS:-}" "${NO_DEPS:-}" <<'PYEOF'
import hashlib
import sys

digest = hashlib.sha256()
for path in ("pyproject.toml", "scripts/_venv.sh"):
    with open(path, "rb") as f:
        digest.update(f.read() + b"\0")
digest.update("\0".join([sys.version, sys.prefix, *sys.argv[1:]]).encode())
print(digest.hexdigest())
PYEOF
}

_venv_stamp="$VENV/.install-stamp-$(printf '%s' "${EXTRAS:-none}" | tr -c 'A-Za-z0-9' '_')"
_venv_key="$(_venv_install_key)"
if [ "${FORCE_INSTALL:-0}" != "0" ] || [ ! -f "$_venv_stamp" ] \
  || [ "$(cat "$_venv_stamp")" != "$_venv_key" ] \
  || ! "$PY" -c 'import importlib.metadata as m; m.distribution("langchain-azure-audio")' \
    2>/dev/null; then
  rm -f "$_venv_stamp"
  "$PY" -m pip install --quiet --upgrade pip
  if [ -n "${EXTRAS:-}" ]; then
    "$PY" -m pip install --quiet -e ".[$EXTRAS]"
  else
    "$PY" -m pip install --quiet -e .
  fi
  if [ -n "${NO_DEPS:-}" ]; then
    # shellcheck disable=SC2086  # a list of requirement specifiers
    "$PY" -m pip install --quiet --no-deps $NO_DEPS
  fi
  printf '%s\n' "$_venv_key" >"$_venv_stamp"
fi
unset _venv_stamp _venv_key
