"""Bad input end to end: the adversarial corpus through `pressmark sync`, the CLI and the TUI.

Unit-level reading and cleaning is covered by test_files.py; here every input goes
through the real program (a subprocess, or a pty for the TUI) and the tests check
what a user would see: exit codes, one line per skipped file, and the bytes that
reach the terminal.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from adversarial import (
    CLIPBOARD,
    LITERAL,
    MARKUP_CLICK,
    MARKUP_TITLE,
    MB,
    REASONS,
    forbidden_in,
    make_corpus,
    make_hostile_names,
    screen_text,
)
from terminal import Terminal

from store.db import connect
from store.files import safe_name
from store.sync import MAX_SENTENCES, sync

MAX_SIZE_MB = 6
# Articles opened in the pty: every imported one except the two big ones, which carry no payload.
BIG = {"long-line.txt", "many-lines.txt"}


def pressmark(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real program as a subprocess; stdout/stderr kept as bytes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
    return subprocess.run([sys.executable, "-c", "from tui.cli import main; main()", *args],
                          cwd=cwd, env=env, capture_output=True, timeout=timeout)


def assert_terminal_safe(data: bytes, where: str) -> str:
    """No ESC, BEL, C1 or bidi override from file content in CLI output; returns the text."""
    text = data.decode("utf-8")  # strict: no stray 0x9b/0x9d bytes either
    assert "\x1b" not in text and "\x07" not in text, f"control character in {where}"
    assert not forbidden_in(text), f"{forbidden_in(text)} in {where}"
    assert "Traceback" not in text, f"traceback in {where}:\n{text[-2000:]}"
    return text


@dataclass
class Synced:
    root: Path
    db: Path
    expect: dict[str, str]
    proc: subprocess.CompletedProcess
    articles: list[dict]


@pytest.fixture(scope="session")
def synced(tmp_path_factory) -> Synced:
    """The adversarial corpus, synced once by the real CLI (5 MB + 100,000 lines: a few seconds).

    Under pytest-xdist the workers share one copy (built under a file lock in the session's
    common temporary folder), so the corpus is made and synced once per run.
    """
    shared = bool(os.environ.get("PYTEST_XDIST_WORKER"))
    top = tmp_path_factory.getbasetemp().parent if shared else tmp_path_factory.getbasetemp()
    base = top / "adversarial-corpus"
    with open(top / "adversarial-corpus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        root, db = base / "corpus", base / "corpus.db"
        if not (base / "done").exists():
            base.mkdir(exist_ok=True)
            expect = make_corpus(root, max_size_mb=MAX_SIZE_MB)
            proc = pressmark("--db", str(db), "sync", "--max-size", str(MAX_SIZE_MB), str(root), cwd=base)
            listed = pressmark("--db", str(db), "list", "--format", "json", cwd=base)
            assert listed.returncode == 0, listed.stderr
            (base / "result.json").write_text(json.dumps({
                "expect": expect, "code": proc.returncode, "stdout": proc.stdout.decode("latin-1"),
                "stderr": proc.stderr.decode("latin-1"), "articles": json.loads(listed.stdout)}))
            (base / "done").touch()
    saved = json.loads((base / "result.json").read_text())
    proc = subprocess.CompletedProcess([], saved["code"], saved["stdout"].encode("latin-1"),
                                       saved["stderr"].encode("latin-1"))
    return Synced(root, db, saved["expect"], proc, saved["articles"])


# --------------------------------------------------------------------------- sync through the CLI
def test_sync_imports_or_skips_every_adversarial_file(synced):
    proc, expect = synced.proc, synced.expect
    out = assert_terminal_safe(proc.stdout, "stdout")
    err = assert_terminal_safe(proc.stderr, "stderr")
    assert proc.returncode == 0, err
    assert err == ""
    lines = out.splitlines()
    skip_lines = {line for line in lines if line.startswith("skipped ")}
    imported = {a["file"] for a in synced.articles}
    for name, outcome in expect.items():
        line = next((s for s in skip_lines if s.startswith(f"skipped {safe_name(name)}: ")), None)
        if outcome == "imported":
            assert safe_name(name) in imported, f"{name!r} not imported"
            assert line is None, f"{name!r} imported and also reported: {line}"
        else:
            assert safe_name(name) not in imported, f"{name!r} should be skipped"
            assert line is not None, f"{name!r} has no `skipped` line in:\n{out}"
            reason = line.split(": ", 1)[1]
            assert reason and REASONS[name] in reason, line
    # Nothing else was imported or reported (the directory x.txt itself in particular).
    assert imported == {safe_name(n) for n, o in expect.items() if o == "imported"}
    assert len(skip_lines) == sum(o == "skipped" for o in expect.values())
    # Every line is a skip line, the cut of many-lines.txt, the page read whole or the summary: a newline in a
    # name did not split one.
    assert f"many-lines.txt: only the first {MAX_SENTENCES:,} sentences imported (50.0% of its text)" in lines
    assert "escapes.html: trafilatura found no article in the page: its whole text was imported (menus and " \
           "footers too)" in lines
    assert len(lines) == len(skip_lines) + 3
    assert lines[-1].startswith(f"{len(imported)} added, 0 changed, 0 unchanged, {len(skip_lines)} skipped")
    assert "skipped empty\\nname.txt: empty file" in skip_lines


def test_imported_text_is_sanitised_and_markup_kept_literally(synced):
    db = connect(synced.db, readonly=True)
    rows = db.conn.execute("SELECT file, title, text FROM articles").fetchall()
    for file, title, text in rows:
        for field in (title, text):
            assert not any(ord(c) < 32 and c not in "\n\t" or 0x7F <= ord(c) <= 0x9F for c in field), file
            assert not forbidden_in(field), file
            assert not set(field) & set("\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u2066\u2069")
    titles = {file: title for file, title, _ in rows}
    texts = {file: text for file, _, text in rows}
    assert titles["markup.txt"] == MARKUP_TITLE
    for literal in LITERAL:
        assert literal in texts["markup.txt"]
    assert "“Smart quotes”" in texts["cp1252-quotes.txt"]
    assert "Café “naïve”" in texts["utf16-bom.txt"]
    assert "Pay redro now" in texts["bidi.txt"] and "Zerowidth" in texts["bidi.txt"]
    assert "Red coloured text" in texts["escapes.md"]
    # The OSC 52 payload (base64) and the OSC 8 target went with their sequences.
    assert CLIPBOARD not in texts["escapes.md"] and "evil.example" not in texts["escapes.md"]
    assert len(texts["long-line.txt"]) >= 5 * MB - 1 and "\n" not in texts["long-line.txt"]
    assert texts["many-lines.txt"].count("word") == MAX_SENTENCES  # of 100,000 one-word lines
    db.conn.close()


def test_max_size_flag_skips_a_larger_file(tmp_path):
    root = tmp_path / "articles"
    root.mkdir()
    (root / "big.txt").write_bytes(b"Two megabytes of text. " * (2 * MB // 23 + 1))
    (root / "small.txt").write_text("A small article. It is fine.\n")
    proc = pressmark("--db", "p.db", "sync", "--max-size", "1", "articles", cwd=tmp_path)
    out = assert_terminal_safe(proc.stdout, "stdout")
    assert proc.returncode == 0
    assert "skipped big.txt: larger than the size limit (1 MB)" in out.splitlines()
    assert out.splitlines()[-1] == "1 added, 0 changed, 0 unchanged, 1 skipped"


def test_escape_sequences_in_file_names_are_printed_safely_by_the_cli(tmp_path):
    names = make_hostile_names(tmp_path / "articles", undecodable=False)
    (tmp_path / "articles" / "empty-\x1b]52;c;aGk=\x07-\u202e.txt").write_bytes(b"")
    proc = pressmark("--db", "p.db", "sync", "articles", cwd=tmp_path)
    out = assert_terminal_safe(proc.stdout + proc.stderr, "sync output")
    assert proc.returncode == 0
    assert out.splitlines()[-1] == f"{len(names)} added, 0 changed, 0 unchanged, 1 skipped"
    for args in (["list"], ["show", "name-c1"], ["show", "name-csi"]):
        proc = pressmark("--db", "p.db", *args, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert_terminal_safe(proc.stdout + proc.stderr, " ".join(args))


def test_file_name_that_is_not_utf8_does_not_crash_sync(tmp_path):
    make_hostile_names(tmp_path / "articles")
    proc = pressmark("--db", "p.db", "sync", "articles", cwd=tmp_path)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")[-600:]
    assert proc.returncode == 0


# --------------------------------------------------------------------------- files changing mid-sync
def test_files_changing_or_disappearing_during_sync(tmp_path, make_articles):
    from store.annotate import set_tag

    files = {f"{c}.txt": f"Article {c} first sentence. Article {c} second sentence.\n" for c in "abcdef"}
    root = make_articles(files, folder="articles")
    db = connect(tmp_path / "p.db")
    sync(db, root)
    ids = {f: i for i, f in db.conn.execute("SELECT id, file FROM articles")}
    set_tag(db, ids["d.txt"], 1, "finding", "me")
    for c in "abcdef":  # every file changes, so sync reads each one again
        (root / f"{c}.txt").write_text(f"Article {c} first sentence, edited. Article {c} second sentence.\n")

    def progress(i: int, file: str) -> None:
        if file == "a.txt":
            (root / "b.txt").write_text("B was rewritten while sync ran. It has new text now.\n")
            (root / "d.txt").unlink()  # tagged, and gone before sync reaches it
            (root / "e.txt").unlink()
            os.mkfifo(root / "e.txt")  # replaced by a FIFO: must not block
            (root / "f.txt").unlink()
            (root / "f.txt").mkdir()  # replaced by a directory after the walk (which runs ahead) listed it
        if file == "c.txt":  # a file already read changes again: the next sync must notice
            (root / "a.txt").write_text("A changed after it was read. Its size differs too, clearly.\n")

    report = sync(db, root, progress=progress)
    skipped = dict(report.skipped)
    assert sorted(report.changed) == ["a.txt", "b.txt", "c.txt"]
    assert set(skipped) == {"d.txt", "e.txt", "f.txt"}, report
    assert "not found" in skipped["d.txt"]  # listed, then gone before it was read
    assert skipped["e.txt"] == "not a regular file"
    assert skipped["f.txt"] == "cannot read: is a directory"
    assert report.missing == ["d.txt", "e.txt", "f.txt"]  # known, and gone or unreadable now
    text = dict(db.conn.execute("SELECT file, text FROM articles"))
    assert text["b.txt"].startswith("B was rewritten")
    # Re-sync settles everything: a.txt's late change is picked up, d/e/f are missing, the tag is kept.
    (root / "e.txt").unlink()
    report = sync(db, root)
    assert report.changed == ["a.txt"] and report.skipped == []
    assert report.missing == ["d.txt", "e.txt", "f.txt"]
    assert dict(db.conn.execute("SELECT file, text FROM articles"))["a.txt"].startswith("A changed after")
    status = dict(db.conn.execute("SELECT file, status FROM articles"))
    assert [f for f, s in sorted(status.items()) if s == "missing"] == ["d.txt", "e.txt", "f.txt"]
    assert db.conn.execute("SELECT count(*) FROM annotations WHERE article_id = ?", (ids["d.txt"],)).fetchone() == (1,)
    assert db.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.conn.close()


# --------------------------------------------------------------------------- the TUI in a pty
def open_each(term: Terminal, files: list[str], wanted: list[str]) -> None:
    """From the library (sorted by file), open each wanted article, wait for the reader, go back."""
    for name in wanted:
        mark = term.mark()
        term.press("g" + "j" * files.index(name) + "\r")
        term.wait_for("Sentence 1 of", since=mark)
        mark = term.mark()
        term.press("jjG")  # move through it, so every line is drawn
        term.wait_for("Sentence ", since=mark)
        mark = term.mark()
        term.press("q")
        term.wait_for("Enter read", since=mark)


def run_tui_over(db: Path, cwd: Path, wanted: list[str] | None = None) -> tuple[bytes, int, list[str]]:
    """Open the library on ``db`` in a pty, read the wanted articles, quit; return (bytes, exit code, opened)."""
    conn = connect(db, readonly=True)
    files = sorted(f for (f,) in conn.conn.execute("SELECT file FROM articles"))
    conn.conn.close()
    wanted = [f for f in files if f not in BIG] if wanted is None else wanted
    term = Terminal(["--db", str(db), "open"], cwd)  # cwd has no ./articles: nothing to sync
    try:
        term.wait_for("nothing was synced")
        open_each(term, files, wanted)
        term.press("q")
        code = term.wait_exit()
    finally:
        term.kill()
    return term.output, code, wanted


def test_tui_bytes_carry_no_injected_sequence(synced, tmp_path):
    db = tmp_path / "tui.db"
    shutil.copy(synced.db, db)
    output, code, opened = run_tui_over(db, tmp_path)
    assert code == 0  # it quit only when asked, after every article was read
    assert "markup.txt" in opened and "escapes.md" in opened and "c1-latin1.txt" in opened
    assert len(opened) >= 14
    text = output.decode("utf-8", errors="surrogateescape")
    assert forbidden_in(text) == []
    assert "\x1b]8;" not in text  # no hyperlink at all: none of Textual's own, none injected
    assert "evil.example" not in text and "pwned" not in text


def test_tui_bytes_carry_no_control_character_from_file_names(tmp_path):
    root = tmp_path / "articles"
    names = make_hostile_names(root, undecodable=False)
    (root / "new\nline.txt").write_text("A newline in the file name. A second sentence.\n")
    db = connect(tmp_path / "names.db")
    sync(db, root)
    db.conn.close()
    empty = tmp_path / "empty"
    empty.mkdir()
    output, code, opened = run_tui_over(tmp_path / "names.db", empty)
    assert code == 0 and len(opened) == len(names) + 1
    text = output.decode("utf-8", errors="surrogateescape")
    assert forbidden_in(text) == []
    assert "\x1b[2J\x1b[31mred" not in text
    assert "new\r\nline" not in text and "new\nline" not in text


def test_tui_library_lists_skipped_files(tmp_path):
    root = tmp_path / "articles"
    root.mkdir()
    (root / "good.txt").write_text("A good article. It has two sentences.\n")
    (root / "empty-one.txt").write_bytes(b"")
    (root / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    term = Terminal(["--db", "p.db", "open", "articles"], tmp_path)
    try:
        term.wait_for("1 added, 0 changed, 0 unchanged, 2 skipped")  # the background sync's summary
        term.press("q")
        assert term.wait_exit() == 0
    finally:
        term.kill()
    _, _, screen = term.output.partition(b"\x1b[?1049h")  # what the full-screen app drew
    assert b"empty-one.txt" in screen and b"empty file" in screen and b"picture.txt" in screen


# --------------------------------------------------------------------------- the TUI, rendered
def test_tui_shows_markup_literally_and_clicking_it_runs_nothing(synced, tmp_path):
    import asyncio

    from tui.app import PressmarkApp
    from tui.screens.reader import ReaderScreen

    shutil.copy(synced.db, tmp_path / "tui.db")
    db = connect(tmp_path / "tui.db")
    ids = dict(db.conn.execute("SELECT file, id FROM articles"))

    async def run() -> None:
        app = PressmarkApp(db, annotator="t", db_path=tmp_path / "tui.db", pause_after=None)
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause()
            library = screen_text(app)
            assert MARKUP_TITLE in library and "[bold]x[/].txt" in library
            app.push_screen(ReaderScreen(ids["markup.txt"]))
            await pilot.pause()
            shown = screen_text(app)
            for literal in LITERAL:
                assert literal in shown, literal
            assert MARKUP_TITLE in shown  # header
            # Click on the would-be action link (and on the title): nothing may run.
            lines = shown.splitlines()
            for needle in (MARKUP_CLICK, MARKUP_TITLE):
                y = next(i for i, line in enumerate(lines) if needle in line)
                x = lines[y].index(needle)
                for dx in sorted({0, needle.index("]") - 1, needle.index("]") + 1, len(needle) - 1}):
                    await pilot.click(offset=(x + dx, y))
                await pilot.pause()
            assert app.is_running and app.return_code is None
            assert isinstance(app.screen, ReaderScreen)

    asyncio.run(run())
    db.conn.close()
