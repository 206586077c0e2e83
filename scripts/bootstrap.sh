#!/usr/bin/env bash
# Installs what the project needs, and only what changed since the last run:
# a Python venv with the package (editable) and its dev tools, and the built front end.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "CHATS needs Python 3.11 or newer (found: $("$PY" --version 2>&1))" >&2; exit 1
fi
command -v npm >/dev/null || { echo "CHATS needs Node.js 20+ and npm" >&2; exit 1; }

stamp() { sha256sum "$@" 2>/dev/null | sha256sum | cut -c1-16; }

if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv =="
  "$PY" -m venv .venv
fi
want=$(stamp pyproject.toml)
if [ "$(cat .venv/.chats-stamp 2>/dev/null)" != "$want" ]; then
  echo "== installing Python packages =="
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e ".[dev]"
  echo "$want" > .venv/.chats-stamp
fi

want=$(stamp frontend/package.json frontend/package-lock.json)
if [ "$(cat frontend/node_modules/.chats-stamp 2>/dev/null)" != "$want" ]; then
  echo "== installing front-end packages =="
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > frontend/node_modules/.chats-stamp
fi

want=$(find frontend -path frontend/node_modules -prune -o -type f -print | sort | xargs sha256sum | sha256sum | cut -c1-16)
if [ "$(cat src/chats/static/.chats-stamp 2>/dev/null)" != "$want" ] || [ ! -f src/chats/static/widget.js ]; then
  echo "== building the front end =="
  (cd frontend && npm run --silent build)
  echo "$want" > src/chats/static/.chats-stamp
fi
