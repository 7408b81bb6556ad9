"""`pressmark serve` in Chromium (issue 20): logins, three coders tagging at once, downloads, nothing before a login.
Run by `make test-browser` (Debian's chromium and chromium-driver, selenium)."""
from __future__ import annotations

import re
import sqlite3
import threading

import pytest
from browser import Server, Session, pressmark, wait_until

from store.annotate import set_tag
from store.users import add_user

CODERS = {"alice": "alice's password", "bob": "bob's password", "carol": "carol's password"}
LEAD = ("leo", "leo's password")
SENTENCES = 10  # each coder tags these with all three tags: 30 annotations each


@pytest.fixture
def served(db, db_path, tmp_path):
    """The server on the synced corpus, with three coders and a lead; sessions opened by ``open_session``."""
    for name, password in CODERS.items():
        add_user(db, name, password)
    add_user(db, *LEAD, role="lead")
    server = Server(db_path, tmp_path / "serve.log")
    sessions: list[Session] = []

    def open_session(name: str = "session") -> Session:
        sessions.append(Session(server, tmp_path / f"downloads-{name}-{len(sessions)}"))
        return sessions[-1]

    yield server, open_session
    for session in sessions:
        session.close()
    server.stop()


def rows(db_path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def tags_by(db_path, name: str) -> list[tuple]:
    return rows(db_path, "SELECT sentence, tag FROM annotations WHERE annotator = ? AND tag IS NOT NULL AND "
                         "status = 'ok' ORDER BY sentence, tag", (name,))


def test_three_coders_tag_at_once_each_under_their_own_name(served, db_path):
    """... while a lead has the agreement screen open, which shows all three once they are done."""
    server, open_session = served
    sessions = {name: open_session(name) for name in CODERS}
    lead = open_session("lead")
    lead.log_in(*LEAD)
    lead.wait_for("annotator: leo")
    lead.type("a")
    lead.wait_for("Agreement")
    failures: list[BaseException] = []

    def code(name: str) -> None:
        try:
            session = sessions[name]
            session.log_in(name, CODERS[name])
            session.wait_for("annotator: " + name)
            session.forget()
            session.type("\n")  # the first article
            session.wait_for("Back")  # the reader's footer
            session.type("frcj" * SENTENCES)  # finding, response, commitment, next sentence
            wait_until(lambda: len(tags_by(db_path, name)) == 3 * SENTENCES, f"{name}'s 30 tags saved")
        except BaseException as exc:  # said by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=code, args=(name,)) for name in CODERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    for name in CODERS:
        assert tags_by(db_path, name) == [(n, t) for n in range(1, SENTENCES + 1)
                                          for t in ("commitment", "finding", "response")]
    assert rows(db_path, "SELECT count(*) FROM annotations WHERE tag IS NOT NULL") == [(3 * 3 * SENTENCES,)]
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert {name for (name,) in rows(db_path, "SELECT name FROM login_attempts WHERE ok")} == {*CODERS, LEAD[0]}
    lead.forget()
    lead.type("qa")  # back to the library and in again: the agreement of the work just done
    lead.wait_for("alice, bob, carol")


def test_a_wrong_password_is_refused_and_nothing_of_the_app_is_reachable_before_a_login(served, db_path):
    server, open_session = served
    session = open_session()
    session.wait_for("Type your name")
    session.type("\t\t")  # to the button: no text box to take the keys
    session.wait_for("Enter logs in")
    session.type("?\x10uf\n")  # help, the command palette (ctrl+p), undo, a tag; then the button
    session.wait_for("Give your name and password")
    session.forget()
    session.type("\t")
    session.log_in("alice", "not alice's password")
    session.wait_for("Wrong name or password")
    assert rows(db_path, "SELECT name, address, ok FROM login_attempts") == [("alice", "127.0.0.1", 0)]
    assert rows(db_path, "SELECT count(*) FROM annotations") == [(0,)]
    received = session.received()
    assert "annotator:" not in received and "Search for commands" not in received and "Tag codebook" not in received
    # The server's other routes: a forged download key, and paths out of the static folder.
    assert server.status("/download/" + "0" * 32) == 404
    for path in ("/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/server.py", "/static/..%2fserver.py"):
        assert server.status(path) in (403, 404), path


def test_a_coder_cannot_change_another_coders_tags_nor_adjudicate(served, db, db_path):
    server, open_session = served
    set_tag(db, 1, 1, "finding", "alice")
    session = open_session()
    session.log_in("bob", CODERS["bob"])
    session.wait_for("annotator: bob")
    session.type("a")
    session.wait_for("Only a lead can adjudicate")
    session.forget()
    session.type("\n")
    session.wait_for("Back")
    session.type("xfxc")  # clear (his own: none), tag, clear again, tag
    wait_until(lambda: tags_by(db_path, "bob") == [(1, "commitment")], "bob's tag saved")
    assert tags_by(db_path, "alice") == [(1, "finding")]


def test_an_export_arrives_as_a_download_with_the_bytes_of_pressmark_export(served, db, db_path, tmp_path):
    server, open_session = served
    for n, (who, tag) in enumerate([("alice", "finding"), ("bob", "response"), ("carol", "commitment")], start=1):
        set_tag(db, 1, n, tag, who)
    session = open_session("lead")
    session.log_in(*LEAD)
    session.wait_for("annotator: leo")
    session.forget()
    session.type("e")
    session.wait_for("Export annotations")
    session.type("\n")
    (file,) = wait_until(session.downloaded, "the download")
    expected = tmp_path / "expected.csv"
    made = pressmark("--db", str(db_path), "export", "-o", str(expected))
    assert made.returncode == 0, made.stderr
    assert file.name == "annotations.csv"
    wait_until(lambda: file.read_bytes() == expected.read_bytes(), "the whole file downloaded")
    assert len(expected.read_bytes().splitlines()) == 4
    assert not (tmp_path / "annotations.csv").exists()
    (key,) = re.findall(r'"deliver_file_start", "([0-9a-f]{32})"', session.received())
    assert server.status("/download/" + key) == 404  # a download link works once: a replay gets nothing
