# The dev loop; CI (.ci/run) calls the same targets.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install frontend demo run test test-sqlite test-pg test-frontend lint bench clean

install:            ## Python venv + dependencies, front-end build (only what changed)
	@bash scripts/bootstrap.sh

frontend: install   ## rebuild the front end into src/chats/static
	@cd frontend && npm run build --silent

demo run: install   ## the demo: a demo store, staff and a sample shop page with the widget
	@$(BIN)/chats demo

test: install lint test-frontend test-sqlite test-pg   ## the whole suite

test-sqlite: install
	@echo "== pytest on SQLite, in-memory broker =="
	@env -u CHATS_TEST_DATABASE_URL -u CHATS_TEST_REDIS_URL $(BIN)/pytest $(PYTEST_ARGS)

test-pg: install
	@if [ -n "$$CHATS_TEST_DATABASE_URL" ]; then \
	  echo "== pytest on PostgreSQL + Redis =="; \
	  $(BIN)/pytest $(PYTEST_ARGS); \
	else echo "== PostgreSQL + Redis run skipped: CHATS_TEST_DATABASE_URL is not set =="; fi

test-frontend: install
	@echo "== front end: typecheck and unit tests =="
	@cd frontend && npm run --silent typecheck && npm test --silent

lint: install
	@echo "== ruff, mypy =="
	@$(BIN)/ruff check src tests scripts $(wildcard bench)
	@$(BIN)/mypy

bench: install
	@$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) frontend/node_modules src/chats/static .mypy_cache .ruff_cache .pytest_cache
