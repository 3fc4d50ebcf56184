# The project's commands. See README.md.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
PY    := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: install train run test lint lock bench clean help
.DEFAULT_GOAL := help

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

install: $(STAMP) ## Make .venv (Python 3.10) from the pinned lock file

$(STAMP): requirements.lock
	@py=$$(scripts/find_python.sh) || exit 1; \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then \
	    rm -rf $(VENV); echo "Making $(VENV) with $$py"; $$py -m venv $(VENV) || exit 1; \
	  fi
	$(BIN)/pip install --quiet --upgrade "pip==24.3.1"
	$(BIN)/pip install --quiet --no-deps -r requirements.lock
	$(BIN)/pip check
	@touch $(STAMP)

lock: ## Regenerate requirements.lock from requirements.in (needs network)
	$(BIN)/pip install --quiet "uv==0.13.8"
	$(BIN)/uv pip compile --python-version 3.10 --python-platform x86_64-unknown-linux-gnu requirements.in -o requirements.lock

train: install ## Train the Rasa model and the safety classifier if their data changed
	$(PY) -m bot train-if-changed
	$(PY) -m bot safety "warm up" >/dev/null

run: install ## Start Rasa, the action server and the gateway
	$(PY) -m bot run

lint: install ## ruff over the code
	$(BIN)/ruff check bot actions tests bench

test: install ## The whole suite (what CI runs)
	$(BIN)/ruff check bot actions tests bench
	$(PY) -m pytest

bench: install ## Benchmarks (see bench/ and the README)
	$(PY) bench/latency.py
	$(PY) bench/safety.py
	$(PY) bench/reminders.py
	$(PY) bench/reminder_dispatch.py

clean: ## Remove models, runtime data and caches (keeps .venv)
	rm -rf models var .pytest_cache .ruff_cache
