# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= pressmark.db

.PHONY: run test stress-test textual-next bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's metadata changed.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# exec: no shell between make and the app. make itself stays the terminal's session leader, so a closed
# terminal sends make the SIGHUP; pressmark sees the hang-up on its terminal and exits (tui/hangup.py).
run: $(STAMP)
	exec $(BIN)/pressmark --db $(DB) open articles

test: $(STAMP)
	$(BIN)/python -m pytest -n auto -q

# The suite 5 times with -n 4 beside a CPU burner on every core: it must pass on a busy machine too.
stress-test: $(STAMP)
	.ci/stress-test

# The TUI tests on the newest Textual (past the textual<9 pin), in a throwaway virtualenv: a report, not a gate.
textual-next:
	.ci/textual-next

bench: $(STAMP)
	$(BIN)/python -m bench run

screenshots: $(STAMP)
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
