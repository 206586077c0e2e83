# The dev loop; CI (.ci/run) calls the same targets.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install frontend demo run test test-sqlite test-pg test-frontend lint bench fuzz clean

install:            ## Python venv + dependencies, front-end build (only what changed)
	@bash scripts/bootstrap.sh

frontend: install   ## rebuild the front end into src/chats/static
	@cd frontend && npm run build --silent

PORT ?= 8000
SHOP_PORT ?= 8001
demo run: install   ## the demo (make demo PORT=9000 SHOP_PORT=9001): a demo store, staff, a shop page
	@$(BIN)/chats demo --port $(PORT) --shop-port $(SHOP_PORT)

test: install lint test-frontend   ## the whole suite: both backends side by side, each printed when done
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-pg

# Two worker processes per suite when both suites run side by side, four when the SQLite
# suite runs alone (no CHATS_TEST_DATABASE_URL): the suite is CPU-bound from four processes
# on this project's two-core machines (docs/decisions/0010).
ifeq ($(CHATS_TEST_DATABASE_URL),)
PYTEST_WORKERS ?= 4
else
PYTEST_WORKERS ?= 2
endif
# xdist hands tests out a few at a time, not a quarter of the suite at once: the browser
# tests (collected first, tests/conftest.py) then spread over every worker.
PYTEST_XDIST = -n $(PYTEST_WORKERS) --maxschedchunk 4
# Python's bytecode caches, even where the environment turns them off: each worker
# otherwise compiles and assertion-rewrites every test module again (~3 s of CPU each).
unexport PYTHONDONTWRITEBYTECODE
# The tests' files (SQLite databases, data directories, browser profiles) go to tmpfs
# where there is one: the suite checks what the server does, not how fast this disk
# syncs (SQLite's synchronous=FULL syncs at every commit). TEST_TMPDIR=/tmp keeps them on disk.
TEST_TMPDIR ?= $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo /tmp)

test-sqlite: install
	@echo "== pytest on SQLite, in-memory broker =="
	@env -u CHATS_TEST_DATABASE_URL -u CHATS_TEST_REDIS_URL TMPDIR=$(TEST_TMPDIR) $(BIN)/pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

test-pg: install
	@if [ -n "$$CHATS_TEST_DATABASE_URL" ]; then \
	  echo "== pytest on PostgreSQL + Redis =="; \
	  TMPDIR=$(TEST_TMPDIR) $(BIN)/pytest $(PYTEST_XDIST) $(PYTEST_ARGS); \
	else echo "== PostgreSQL + Redis run skipped: CHATS_TEST_DATABASE_URL is not set =="; fi

test-frontend: install
	@echo "== front end: typecheck and unit tests =="
	@cd frontend && npm run --silent typecheck && npm test --silent

lint: install
	@echo "== ruff, mypy, import contracts, eslint =="
	@$(BIN)/ruff check src tests scripts $(wildcard bench)
	@$(BIN)/mypy
	@PYTHONPATH=src $(BIN)/lint-imports --no-logo --no-cache
	@cd frontend && npm run --silent lint

bench: install
	@$(BIN)/python -m bench.run

fuzz: install       ## 100,000 hostile frames at both sockets beside a conversation (README "Fuzzing")
	@echo "== fuzz: $${CHATS_FUZZ_FRAMES:-100000} frames; replay a run with CHATS_FUZZ_SEED =="
	@CHATS_FUZZ_FRAMES=$${CHATS_FUZZ_FRAMES:-100000} $(BIN)/pytest tests/fuzz/test_fuzz_sockets.py -q -s

clean:
	rm -rf $(VENV) frontend/node_modules src/chats/static .mypy_cache .ruff_cache .pytest_cache
