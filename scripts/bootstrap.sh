#!/usr/bin/env bash
# Installs what the project needs, and only what changed since the last run:
# a Python venv with the package (editable) and its dev tools, and the built front end.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "CHATS needs Python 3.11 or newer (found: $("$PY" --version 2>&1))" >&2; exit 1
fi
# The front end's build (Vite) needs Node 20.19+ (frontend/package.json "engines").
NODE_MIN=20.19.0
command -v node >/dev/null && command -v npm >/dev/null || {
  echo "CHATS needs Node.js $NODE_MIN or newer and npm: install them (Debian 13: apt install nodejs npm; older: https://nodejs.org or nvm)" >&2; exit 1; }
if ! node -e '
  const [want, have] = [process.argv[1], process.versions.node].map(v => v.split(".").map(Number));
  process.exit(have[0] !== want[0] ? (have[0] > want[0] ? 0 : 1)
    : have[1] !== want[1] ? (have[1] > want[1] ? 0 : 1) : (have[2] >= want[2] ? 0 : 1));
' "$NODE_MIN"; then
  echo "CHATS needs Node.js $NODE_MIN or newer to build its front end (found $(node --version)): install a newer Node.js (https://nodejs.org or nvm)" >&2
  exit 1
fi

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
