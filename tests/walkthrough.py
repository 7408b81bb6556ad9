"""A new user's walk-through in a real terminal (issue 19): every key of the README, at three sizes, in tmux.

    python tests/walkthrough.py [--size 120x35 ...] [--keep]

starts the real program (``pressmark --db … open articles``, on a temporary copy of ``articles/``) in a
detached tmux session of each size and goes through the library, the overview, the agreement screen,
help, export, side by side, best source and the reader with every key the README's key table lists. After
each key it polls the captured pane until what the key should show is there (a generous timeout: polling
is the wait, never a fixed sleep), then checks the capture for

* a Python ``Traceback`` (also in the pane after the program has exited, which must be with status 0);
* a **stale message**: the status-line message of the step before (``Saved: …``, ``Undid: …``,
  ``No more tagged sentences below``) still shown after an unrelated key.

Prints one line per problem (``SIZE step N 'keys': …``, with the capture) and exits 1 if there was any.
tests/test_walkthrough.py runs it. tmux must be installed; it runs on its own server socket, killed at the
end, so no other tmux session is touched.
"""
from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(80, 24), (120, 35), (200, 50)]
TIMEOUT_S = 30.0  # for what a key should show: generous, as a busy 2-core machine needs
STALE_GRACE_S = 30.0  # a message still there this long after the next key was handled is stale (only a
# failure waits this long: a message cleared a frame after the key's effect is seen gone at once)
POLL_S = 0.05
EXITED = "pressmark exited with status"
CHANGED = object()  # a step whose effect is only that the screen changes (a highlight moves)


@dataclass(frozen=True)
class Step:
    # tmux key names (Space, Escape, NPage, C-s; a name tmux does not know is typed letter by letter), sent one
    # by one; a ("-l", text) pair types text literally. A step's evidence must show the keys were handled (not
    # only what was there before): an Escape followed at once by another key would be read as alt+key.
    keys: tuple[str, ...]
    shows: str | re.Pattern | Callable | object  # what must appear once the keys are handled, or CHANGED, or
    # a test of the captures (before, after)
    message: str | None = None  # a status-line message this step says: it must be gone after the next key
    gone: str | None = None  # text that must no longer be on the screen once ``shows`` is there


def _another_match(before: str, after: str) -> bool:
    """`,` went to another match than the one shown before it."""
    def match(screen: str) -> str | None:
        found = re.search(r"Match in sentence (\d+)", screen)
        return found and found.group(1)
    return match(after) is not None and match(after) != match(before)


def _steps() -> list[Step]:
    """The walk: library, its screens, side by side and the reader, with the README's keys."""
    s: list[Step] = []
    add = s.append
    # -- library ---------------------------------------------------------------------------------
    add(Step(("j",), CHANGED))
    add(Step(("Space",), "1 marked"))
    add(Step(("o",), "sorted by title"))
    add(Step(("o",), "sorted by progress"))
    add(Step(("o",), "sorted by file"))
    add(Step(("/",), "Filter by title or text"))
    add(Step((("-l", "inadequacy"), "Enter"), "filter: inadequacy", gone="000_946a8"))
    add(Step(("Escape",), "000_946a8", gone="filter: inadequacy"))  # (file names are cut short at 80 columns)
    add(Step(("?",), "Keys: Library"))
    add(Step(("Escape",), CHANGED, gone="Keys: Library"))
    add(Step(("a",), "Nothing to compare yet"))
    add(Step(("q",), "sorted by file", gone="Nothing to compare yet"))
    add(Step(("v",), "Tagged sentences per article"))
    for title in ("Tagged sentences per tag", "Tags by speaker", "Each coder's progress",
                  "Reuse of each article's likeliest source"):
        add(Step(("Right",), title))
    add(Step(("h",), "Each coder's progress"))
    add(Step(("l",), "Reuse of each article's likeliest source"))
    add(Step(("Left",), "Each coder's progress"))
    add(Step(("Escape",), "sorted by file", gone="Each coder's progress"))
    add(Step(("e",), "Export annotations"))
    add(Step(("Escape",), "sorted by file", gone="Export annotations"))
    # -- side by side: the marked article and the highlighted one ----------------------------------
    add(Step(("s",), "Left reuses right"))  # the marked story on the left, its press release on the right
    add(Step(("j",), CHANGED))
    add(Step(("Tab",), re.compile(r"(Right|Bottom) pane · Sentence 1 ")))
    add(Step(("j",), re.compile(r"(Right|Bottom) pane · Sentence 2 ")))
    add(Step(("f",), "Saved: sentence 2 tagged finding", message="Saved: sentence 2 tagged finding"))
    add(Step(("p",), re.compile(r"Saved: tags copied|no aligned sentence|Nothing to copy"),
             message="Saved: tags copied"))
    add(Step(("=",), "Panes move independently", message="Panes move independently"))
    add(Step(("=",), "Panes follow each other", message="Panes follow each other"))
    add(Step(("u",), "Undid:", message="Undid:"))
    add(Step(("u",), re.compile(r"Undid:|Nothing to undo"), message="Undid:"))  # (p may have had nothing to copy)
    add(Step(("q",), "sorted by file", gone="Left reuses right"))
    # -- best source ------------------------------------------------------------------------------
    add(Step(("b",), "Right reuses left"))
    add(Step(("q",), "sorted by file", gone="Right reuses left"))
    # -- the reader -------------------------------------------------------------------------------
    add(Step(("g",), CHANGED))
    add(Step(("Enter",), re.compile(r"Sentence \d+ of")))  # where this annotator left it in side by side
    add(Step(("g",), "Sentence 1 of 22"))
    add(Step(("j",), "Sentence 2 of 22"))
    add(Step(("Down",), "Sentence 3 of 22"))
    add(Step(("k",), "Sentence 2 of 22"))
    add(Step(("Up",), "Sentence 1 of 22"))
    add(Step(("}",), re.compile(r"Sentence (?!1 )\d+ of 22")))
    add(Step(("{",), "Sentence 1 of 22"))
    add(Step(("G",), "Sentence 22 of 22"))
    add(Step(("Home",), "Sentence 1 of 22"))
    add(Step(("End",), "Sentence 22 of 22"))
    add(Step(("g",), "Sentence 1 of 22"))
    add(Step(("NPage",), re.compile(r"Sentence (?!1 )\d+ of 22")))
    add(Step(("PPage",), "Sentence 1 of 22"))
    add(Step(("j",), "Sentence 2 of 22"))
    for key, tag in (("f", "finding"), ("r", "response"), ("c", "commitment")):
        add(Step((key,), f"tagged {tag}", message=f"tagged {tag}"))
    add(Step(("x",), "tags cleared", message="tags cleared"))
    add(Step(("F",), "Sentence 3 of 22", message="tagged finding"))
    add(Step(("R",), "Sentence 4 of 22", message="tagged response"))
    add(Step(("C",), "Sentence 5 of 22", message="tagged commitment"))
    add(Step(("[",), "Sentence 4 of 22"))
    add(Step(("[",), "Sentence 3 of 22"))
    add(Step(("[",), "Sentence 2 of 22"))
    add(Step(("[",), "No more tagged sentences above", message="No more tagged sentences above"))
    add(Step(("]",), "Sentence 3 of 22"))
    add(Step(("n",), "ctrl+s save"))
    add(Step((("-l", "A note from the walk"), "C-s"), "Saved: note", message="Saved: note", gone="ctrl+s save"))
    add(Step(("n",), "ctrl+s save"))
    add(Step(("Escape",), "Sentence 3 of 22", gone="ctrl+s save"))  # cancelled: the note stays as saved
    add(Step(("N",), "Notes hidden", message="Notes hidden"))
    add(Step(("N",), "Notes shown", message="Notes shown"))
    add(Step(("/",), "Search this article"))
    add(Step((("-l", "Ofsted"), "Enter"), "matches for “Ofsted”", message="matches for “Ofsted”"))
    add(Step((".",), re.compile(r"Match in sentence \d+"), message="Match in sentence"))
    add(Step((",",), _another_match, message="Match in sentence"))
    add(Step(("g",), "Sentence 1 of 22"))
    add(Step(("a",), re.compile(r"Saved: suggestion accepted|No suggestion"), message="accepted"))
    add(Step(("j",), "Sentence 2 of 22"))
    add(Step(("d",), re.compile(r"Dismissed|No suggestion"), message="ismissed"))
    add(Step(("A",), re.compile(r"accept \d+ suggestions|No suggestions"), message="suggestions"))
    add(Step(("S",), "Suggestions hidden", message="Suggestions hidden"))
    add(Step(("S",), "Suggestions shown", message="Suggestions shown"))
    add(Step(("O",), "Showing other annotators' tags", message="Showing other annotators' tags"))
    add(Step(("O",), "Showing only your tags", message="Showing only your tags"))
    add(Step(("u",), "Undid:", message="Undid:"))
    add(Step(("C-r",), "Redid:", message="Redid:"))
    add(Step(("e",), "Export annotations"))
    add(Step(("Escape",), "Sentence", gone="Export annotations"))
    add(Step(("?",), "Keys: Reader"))
    add(Step(("Escape",), "Sentence", gone="Keys: Reader"))
    add(Step(("q",), "sorted by file"))
    add(Step(("Enter",), re.compile(r"Sentence \d+ of")))
    add(Step(("Escape",), "sorted by file", gone="Sentence "))
    return s


class Terminal:
    """One tmux session of a given size running the real program, on a private tmux server."""

    def __init__(self, width: int, height: int, folder: Path):
        self.socket = f"pressmark-walk-{os.getpid()}-{width}x{height}"
        self.target = "walk"
        python = shlex.quote(sys.executable)
        # The shell says how the program exited (tmux's own pane_dead_status is sometimes left empty).
        command = (f"cd {shlex.quote(str(folder))} && env PYTHONPATH={shlex.quote(str(ROOT))} "
                   f"PRESSMARK_ANNOTATOR=walker TERM=xterm-256color {python} -X faulthandler -c "
                   f"'from tui.cli import main; main()' --db walk.db open articles; echo \"{EXITED} $?\"")
        self.tmux("-f", "/dev/null", "new-session", "-d", "-x", str(width), "-y", str(height), "-s", self.target,
                  command)
        self.tmux("set-option", "-t", self.target, "remain-on-exit", "on")
        self.tmux("set-option", "-s", "escape-time", "0")

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True,
                              timeout=TIMEOUT_S).stdout

    def send(self, key) -> None:
        self.tmux("send-keys", "-t", self.target, *(key if isinstance(key, tuple) else (key,)))

    def capture(self, colours: bool = False, history: bool = False) -> str:
        """The screen (with the lines scrolled off it, if ``history``)."""
        return self.tmux("capture-pane", "-p", *(["-e"] if colours else []), *(["-S", "-"] if history else []),
                         "-t", self.target)

    def dead(self) -> bool:
        """Has the shell in the pane exited (after the program and its exit line)?"""
        return self.tmux("display-message", "-p", "-t", self.target, "#{pane_dead}").strip() == "1"

    def stacks(self) -> str:
        """Every thread's stack of a program that does not exit (faulthandler prints them on SIGABRT)."""
        shell = self.tmux("display-message", "-p", "-t", self.target, "#{pane_pid}").strip()
        children = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True, timeout=TIMEOUT_S)
        for pid in children.stdout.split():
            os.kill(int(pid), signal.SIGABRT)
        deadline = time.monotonic() + TIMEOUT_S
        while EXITED not in self.capture(history=True) and time.monotonic() < deadline:
            time.sleep(POLL_S)
        return self.capture(history=True)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=TIMEOUT_S)


class _Lost(Exception):
    """A step's effect never showed: the walk at this size stops there."""


def _found(screen: str, shows) -> bool:
    return bool(shows.search(screen)) if isinstance(shows, re.Pattern) else shows in screen


def walk(width: int, height: int, folder: Path) -> list[str]:
    """Go through every step at one size; the problems found, one line each with its capture."""
    problems: list[str] = []
    term = Terminal(width, height, folder)
    size = f"{width}x{height}"

    def wait(condition, what: str, history: bool = False) -> str:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            over = term.dead()  # asked before the capture: a capture after the pane died is its last word
            screen = term.capture(history=history)
            if "Traceback" in screen or condition(screen):
                return screen
            if over or time.monotonic() > deadline:
                why = "the program had ended" if over else f"not seen within {TIMEOUT_S:.0f} s"
                problems.append(f"{size} {what}: {why}\n{screen}")
                raise _Lost  # what the next keys would do is anyone's guess
            time.sleep(POLL_S)

    def settled(condition) -> str:
        """The screen once ``condition`` holds, or as it is after STALE_GRACE_S."""
        deadline = time.monotonic() + STALE_GRACE_S
        while not condition(screen := term.capture()) and time.monotonic() < deadline:
            time.sleep(POLL_S)
        return screen

    try:
        wait(lambda screen: "articles synced" in screen, "start: 'articles synced'")
        previous: Step | None = None
        for number, step in enumerate(_steps(), 1):
            label = f"step {number} {' '.join(k if isinstance(k, str) else k[1] for k in step.keys)!r}"
            before, before_text = term.capture(colours=True), term.capture()
            for key in step.keys:
                term.send(key)
            if step.shows is CHANGED:  # (captured with colours: a moved highlight is a change)
                screen = wait(lambda s: term.capture(colours=True) != before and not (step.gone and step.gone in s),
                              f"{label}: a change" + (f" without {step.gone!r}" if step.gone else ""))
            elif callable(step.shows):
                screen = wait(lambda s: step.shows(before_text, s), f"{label}: {step.shows.__doc__}")
            else:
                screen = wait(lambda s: _found(s, step.shows) and not (step.gone and step.gone in s),
                              f"{label}: {getattr(step.shows, 'pattern', step.shows)!r}")
            if "Traceback" in screen:
                problems.append(f"{size} {label}: Traceback\n{screen}")
                break
            stale = previous.message if previous and previous.message and step.message != previous.message else None
            if stale and stale in screen:  # a frame drawn on the way does not count: it must stay
                screen = settled(lambda s: stale not in s)
                if stale in screen:
                    problems.append(f"{size} {label}: stale message {stale!r} after an unrelated key\n{screen}")
            previous = step
        term.send("q")  # the library: quit
        try:
            screen = wait(lambda s: EXITED in s, "quit: the program exits", history=True)
        except _Lost:
            problems.append(f"{size} the threads of the program that did not exit:\n{term.stacks()}")
            raise
        if "Traceback" in screen or f"{EXITED} 0" not in screen:
            problems.append(f"{size} exit: not with status 0\n{screen}")
    except _Lost:
        pass
    finally:
        term.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", action="append", help="WIDTHxHEIGHT (default: 80x24, 120x35 and 200x50)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = parser.parse_args(argv)
    sizes = [tuple(map(int, s.split("x"))) for s in args.size] if args.size else SIZES
    problems: list[str] = []
    for width, height in sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"pressmark-walk-{width}x{height}-"))
        try:
            shutil.copytree(ROOT / "articles", folder / "articles")
            found = walk(width, height, folder)
            problems += found
            print(f"{width}x{height}: {len(_steps())} steps, {len(found)} problem(s)", flush=True)
        finally:
            if args.keep:
                print(f"kept {folder}")
            else:
                shutil.rmtree(folder, ignore_errors=True)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
