"""The new user's walk-through (tests/walkthrough.py) in a real terminal: every README key, no traceback, no
stale message. Here at 80x24, where lines are cut shortest; `python tests/walkthrough.py` runs all three sizes."""
from __future__ import annotations

import shutil

from walkthrough import main


def test_the_walk_through_at_80x24_finds_nothing(capsys):
    assert shutil.which("tmux"), "the walk-through drives the program in tmux: install tmux"
    code = main(["--size", "80x24"])
    assert code == 0, capsys.readouterr().out
