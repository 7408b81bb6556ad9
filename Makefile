# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= pressmark.db

.PHONY: run test test-walkthrough test-browser browser serve stress-test textual-next bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's metadata changed.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,web]'
	touch $(STAMP)

# exec: no shell between make and the app. make itself stays the terminal's session leader, so a closed
# terminal sends make the SIGHUP; pressmark sees the hang-up on its terminal and exits (tui/hangup.py).
run: $(STAMP)
	exec $(BIN)/pressmark --db $(DB) open articles

test: $(STAMP)
	$(BIN)/python -m pytest -n auto -q

# A new user's walk through every README key in a real terminal (tests/walkthrough.py), on its own: it drives
# tmux, installed with apt-get when missing, as chromium is for test-browser.
test-walkthrough: $(STAMP)
	@command -v tmux >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq tmux; }
	PRESSMARK_WALKTHROUGH=1 $(BIN)/python -m pytest -q tests/test_walkthrough.py

# The browser tests (tests/browser): `pressmark serve` driven in Debian's Chromium by selenium. Installs chromium
# and chromium-driver with apt-get when they are missing (as root, or through sudo), and selenium into .venv.
test-browser: browser
	PRESSMARK_BROWSER_TESTS=1 $(BIN)/python -m pytest -q tests/browser

browser: $(STAMP)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }
	$(BIN)/python -m pip install --quiet -e '.[test,web,browser]'

# The app for a team, in browsers: see docs/serve.md (`pressmark users add NAME` first).
serve: $(STAMP)
	exec $(BIN)/pressmark --db $(DB) serve articles

# The suite 5 times with -n 4 beside a CPU burner on every core: it must pass on a busy machine too.
stress-test: $(STAMP)
	.ci/stress-test

# The TUI tests on the newest Textual (past the textual<9 pin), in a throwaway virtualenv: a report, not a gate.
textual-next:
	.ci/textual-next

bench: $(STAMP)
	$(BIN)/python -m bench run

# The README's pictures: the terminal app (SVG) and `pressmark serve` in Chromium (PNG).
screenshots: browser
	$(BIN)/python docs/screenshots.py
	$(BIN)/python docs/browser_screenshots.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
