"""Accounts for `pressmark serve` (issue 20): scrypt hashes, roles, logins slowed down after failures, and the
`pressmark users` commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from store.db import connect
from store.errors import StoreError
from store.users import (
    FIRST_WAIT_S,
    FREE_FAILURES,
    LOGGED_NAME_MAX,
    MAX_WAIT_S,
    LoginRefused,
    User,
    add_user,
    list_users,
    log_in,
    may,
    remove_user,
    set_password,
    set_role,
    wait_before_login,
)

ROOT = Path(__file__).resolve().parent.parent
T0 = 1_800_000_000.0  # the clock the throttle is given: the tests never read the real one


@pytest.fixture
def users_db(db_path):
    database = connect(db_path)
    add_user(database, "alice", "alice-password", "lead")
    add_user(database, "bob", "bob-password")
    yield database
    database.close()


def test_passwords_are_stored_only_as_salted_scrypt_hashes(users_db, db_path):
    add_user(users_db, "carol", "bob-password")  # bob's password: the salt must still make it differ
    stored = dict(users_db.conn.execute("SELECT name, password FROM users"))
    assert all(v.startswith("scrypt$16384$8$1$") for v in stored.values())
    assert stored["bob"] != stored["carol"]
    users_db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"bob-password" not in db_path.read_bytes() and b"alice-password" not in db_path.read_bytes()


def test_log_in_gives_the_user_with_their_role_and_refuses_a_wrong_password(users_db):
    assert log_in(users_db, "alice", "alice-password", "10.0.0.1", at=T0) == User("alice", "lead")
    assert log_in(users_db, "bob", "bob-password", at=T0) == User("bob", "coder")
    for i, (name, password) in enumerate([("bob", "alice-password"), ("nobody", "bob-password"), ("bob", ""),
                                          ("", "")]):
        with pytest.raises(LoginRefused, match="^wrong name or password$"):  # never says which was wrong
            log_in(users_db, name, password, f"10.0.1.{i}", at=T0)
    attempts = users_db.conn.execute("SELECT name, address, ok FROM login_attempts ORDER BY id").fetchall()
    assert attempts[:2] == [("alice", "10.0.0.1", 1), ("bob", "", 1)]
    assert [a[2] for a in attempts[2:]] == [0, 0, 0, 0]


def _fail(db, name, address, at):
    with pytest.raises(LoginRefused, match="wrong name or password"):
        log_in(db, name, "wrong password", address, at=at)


def test_failures_in_a_row_under_one_name_make_the_next_try_wait_doubling(users_db):
    for i in range(FREE_FAILURES):
        assert wait_before_login(users_db, "bob", "a", T0) == 0
        _fail(users_db, "bob", f"address {i}", T0)
    assert wait_before_login(users_db, "bob", "another", T0) == FIRST_WAIT_S
    with pytest.raises(LoginRefused, match="too many failed logins: try again in 1 s"):
        log_in(users_db, "bob", "bob-password", "another", at=T0)  # even the right password waits
    _fail(users_db, "bob", "x", T0 + FIRST_WAIT_S)  # once the wait is over, a try is checked again
    assert wait_before_login(users_db, "bob", "y", T0 + FIRST_WAIT_S) == 2 * FIRST_WAIT_S
    assert wait_before_login(users_db, "alice", "y", T0 + FIRST_WAIT_S) == 0  # other names are not slowed
    assert log_in(users_db, "bob", "bob-password", "x", at=T0 + 3 * FIRST_WAIT_S).name == "bob"
    assert wait_before_login(users_db, "bob", "x", T0 + 3 * FIRST_WAIT_S) == 0  # a success clears the count


def test_the_wait_is_capped_and_old_failures_are_forgotten(users_db):
    at, waits = T0, []
    for _ in range(FREE_FAILURES + 12):
        waits.append(wait_before_login(users_db, "bob", "", at))
        at += waits[-1]
        _fail(users_db, "bob", "", at)
    assert waits == [0] * FREE_FAILURES + [FIRST_WAIT_S * 2**i for i in range(10)] + [MAX_WAIT_S] * 2
    assert wait_before_login(users_db, "bob", "", at + 2 * 3600) == 0


def test_failures_from_one_address_slow_every_name_tried_from_it(users_db):
    for i in range(FREE_FAILURES):
        _fail(users_db, f"guess{i}", "203.0.113.9", T0)
    with pytest.raises(LoginRefused, match="too many failed logins"):
        log_in(users_db, "alice", "alice-password", "203.0.113.9", at=T0)
    assert log_in(users_db, "alice", "alice-password", "198.51.100.1", at=T0).name == "alice"


def test_hostile_names_and_passwords_are_refused_or_cut_never_stored_whole(users_db):
    for name in ["\x1b]52;c;SGVsbG8=\x07", "a" * 10_000, "<b>x</b>\u202e", " bob", "adjudicated", ""]:
        with pytest.raises(StoreError):
            add_user(users_db, name, "long enough password")
    with pytest.raises(StoreError, match="at most 1024"):
        add_user(users_db, "dave", "p" * 10_000)
    with pytest.raises(StoreError, match="at least 8"):
        add_user(users_db, "dave", "short")
    add_user(users_db, "<script>alert(1)</script>", "markup name ok")  # printable: shown escaped, never run
    _fail(users_db, "\x1b[2J" + "n" * 10_000, "x", T0)
    with pytest.raises(LoginRefused, match="wrong name or password"):
        log_in(users_db, "bob", "b" * 10_000, "x", at=T0)
    names = [n for (n,) in users_db.conn.execute("SELECT name FROM login_attempts")]
    assert max(map(len, names)) == LOGGED_NAME_MAX


def test_passwd_role_and_remove(users_db, db):
    set_password(users_db, "bob", "a new password")
    with pytest.raises(LoginRefused):
        log_in(users_db, "bob", "bob-password", at=T0)
    set_role(users_db, "bob", "lead")
    assert log_in(users_db, "bob", "a new password", at=T0) == User("bob", "lead")
    remove_user(users_db, "bob")
    with pytest.raises(LoginRefused):
        log_in(users_db, "bob", "a new password", at=T0)
    assert [a.name for a in list_users(users_db, at=T0)] == ["alice"]
    with pytest.raises(StoreError, match="no user 'bob'"):
        remove_user(users_db, "bob")


def test_only_a_lead_adjudicates_and_exports_everyone():
    coder, lead = User("c", "coder"), User("l", "lead")
    assert not may(coder, "adjudicate") and not may(coder, "export-all") and may(coder, "tag")
    assert may(lead, "adjudicate") and may(lead, "export-all")
    assert may(None, "adjudicate")  # the terminal app: the administrator's


def test_a_published_copy_has_no_accounts(users_db, tmp_path):
    from store.publish import publish

    log_in(users_db, "alice", "alice-password", at=T0)
    publish(users_db, tmp_path / "copy.db")
    copy = connect(tmp_path / "copy.db")
    assert copy.conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0
    assert copy.conn.execute("SELECT count(*) FROM login_attempts").fetchone()[0] == 0
    assert b"scrypt$" not in (tmp_path / "copy.db").read_bytes()


# --------------------------------------------------------------------------- the commands


def _pressmark(tmp_path, *args, stdin: str = ""):
    code = "import sys; from tui.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, "--db", str(tmp_path / "p.db"), *args], input=stdin,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_users_commands(tmp_path):
    added = _pressmark(tmp_path, "users", "add", "alice", "--role", "lead", "--password-stdin", stdin="pw of alice\n")
    assert added.returncode == 0 and "user alice added (lead)" in added.stdout, added.stderr
    assert _pressmark(tmp_path, "users", "add", "bob", "--password-stdin", stdin="pw of bob!\n").returncode == 0
    again = _pressmark(tmp_path, "users", "add", "bob", "--password-stdin", stdin="pw of bob!\n")
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "exists already" in again.stderr
    listed = _pressmark(tmp_path, "users", "list", "--format", "json")
    assert [(u["name"], u["role"]) for u in __import__("json").loads(listed.stdout)] == [("alice", "lead"),
                                                                                          ("bob", "coder")]
    assert _pressmark(tmp_path, "users", "passwd", "bob", "--password-stdin", stdin="new pw of bob\n").returncode == 0
    db = connect(tmp_path / "p.db")
    assert log_in(db, "bob", "new pw of bob", at=T0).role == "coder"
    db.close()
    short = _pressmark(tmp_path, "users", "passwd", "bob", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least 8" in short.stderr
    hostile = _pressmark(tmp_path, "users", "add", "\x1b[31mred", "--password-stdin", stdin="long enough\n")
    assert hostile.returncode == 1 and "\x1b" not in hostile.stderr and "control character" in hostile.stderr
    assert _pressmark(tmp_path, "users", "remove", "bob").returncode == 0
    missing = _pressmark(tmp_path, "users", "remove", "bob")
    assert missing.returncode == 1 and "no user 'bob'" in missing.stderr
    assert "alice" in _pressmark(tmp_path, "users", "list").stdout


def test_users_commands_do_not_import_textual(tmp_path):
    code = ("import sys\nfrom tui.cli import main\n"
            "sys.argv = ['pressmark', '--db', 'x.db', 'users', 'list']\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "assert not any(m.split('.')[0] in ('textual', 'textual_serve', 'rich') for m in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr


def test_who_is_online_counts_the_sessions_of_running_processes(users_db):
    from store.users import online, session_ended, session_started

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a session whose process ended without saying so
    session_started(users_db, "bob", "10.0.0.9", pid=dead.pid)
    session_started(users_db, "alice", "10.0.0.1", pid=os.getpid())
    session_started(users_db, "alice", "10.0.0.2", pid=os.getppid())
    assert online(users_db) == {"alice": 2}
    session_ended(users_db, pid=os.getppid())
    assert online(users_db) == {"alice": 1}
    assert users_db.conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1  # the dead one dropped too
