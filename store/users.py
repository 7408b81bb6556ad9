"""Accounts for ``pressmark serve``: names, roles, salted scrypt password hashes, and logins slowed down after
failures (per name and per address), every attempt recorded.

The annotator of a served session is the name it logged in with (tui.serve); the command line on the server is
the administrator's tool and needs no login. Roles: a ``coder`` changes only their own tags and exports only their
own; a ``lead`` also adjudicates and exports everyone's (``may``).

Pure standard library: never import textual or rich from this module.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import math
import os
import time
from dataclasses import dataclass

from store.db import Database, now, write
from store.errors import StoreError
from store.names import check_annotator

log = logging.getLogger("pressmark.users")

ROLES = ("coder", "lead")
LEAD_ONLY = {"adjudicate": "adjudicate", "export-all": "export everyone's annotations"}
PASSWORD_MIN = 8
PASSWORD_MAX = 1024  # characters: longer ones are refused (and never hashed at login)
# scrypt with 16 MB of memory per hash (n * r * 128 bytes): about 50 ms here, the cost of each guess too.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
# Failed logins: the first FREE_FAILURES in a row (per name, and per address) cost nothing more; after that each
# try waits FIRST_WAIT_S, doubled with every further failure, up to MAX_WAIT_S. A success clears the count; failures
# older than FAILURE_WINDOW_S are forgotten, and attempts older than KEEP_ATTEMPTS_S deleted.
FREE_FAILURES = 3
FIRST_WAIT_S = 1.0
MAX_WAIT_S = 15 * 60.0
FAILURE_WINDOW_S = 60 * 60.0
KEEP_ATTEMPTS_S = 30 * 24 * 3600.0
LOGGED_NAME_MAX = 100  # a 10 kB name tried is recorded cut to this


class LoginRefused(StoreError):
    """A login that failed or must wait; ``str(exc)`` says which, never which of name or password was wrong."""


@dataclass(frozen=True)
class User:
    name: str
    role: str


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    created_at: str
    updated_at: str
    last_login: str | None
    failures: int  # failed logins under this name in the last FAILURE_WINDOW_S


def may(user: User | None, permission: str) -> bool:
    """Whether ``user`` (None: the terminal app, which is the administrator's) may do ``permission``."""
    return user is None or user.role == "lead" or permission not in LEAD_ONLY


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise StoreError(f"a password needs at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise StoreError(f"a password has at most {PASSWORD_MAX} characters")
    return password


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (hex) with a new random salt: the only form a password is stored in."""
    salt = os.urandom(SALT_BYTES)
    digest = hashlib.scrypt(password.encode("utf-8", "surrogatepass"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def password_matches(stored: str, password: str) -> bool:
    kind, n, r, p, salt, digest = stored.split("$")
    if kind != "scrypt":
        return False
    tried = hashlib.scrypt(password.encode("utf-8", "surrogatepass"), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                           p=int(p))
    return hmac.compare_digest(tried.hex(), digest)


def _check_name(name: str) -> str:
    from store.agree import ADJUDICATED

    check_annotator(name)
    if name == ADJUDICATED:
        raise StoreError(f"{name!r} is the name adjudicated tags are saved under: choose another")
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise StoreError(f"role {role!r}: choose {' or '.join(ROLES)}")
    return role


def add_user(db: Database, name: str, password: str, role: str = "coder") -> User:
    _check_name(name)
    _check_role(role)
    stored = hash_password(check_password(password))
    with write(db):
        if db.conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise StoreError(f"user {name!r} exists already (`pressmark users passwd` changes the password)")
        stamp = now()
        db.conn.execute("INSERT INTO users (name, role, password, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                        (name, role, stored, stamp, stamp))
    return User(name, role)


def _existing(db: Database, name: str) -> None:
    if not db.conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
        raise StoreError(f"no user {name!r} (`pressmark users list` lists them)")


def set_password(db: Database, name: str, password: str) -> None:
    stored = hash_password(check_password(password))
    with write(db):
        _existing(db, name)
        db.conn.execute("UPDATE users SET password = ?, updated_at = ? WHERE name = ?", (stored, now(), name))


def set_role(db: Database, name: str, role: str) -> None:
    _check_role(role)
    with write(db):
        _existing(db, name)
        db.conn.execute("UPDATE users SET role = ?, updated_at = ? WHERE name = ?", (role, now(), name))


def remove_user(db: Database, name: str) -> None:
    """The account goes; the annotations made under the name stay."""
    with write(db):
        _existing(db, name)
        db.conn.execute("DELETE FROM users WHERE name = ?", (name,))


def list_users(db: Database, at: float | None = None) -> list[Account]:
    since = (time.time() if at is None else at) - FAILURE_WINDOW_S
    rows = db.conn.execute(
        """SELECT u.name, u.role, u.created_at, u.updated_at,
                  (SELECT max(at) FROM login_attempts WHERE name = u.name AND ok),
                  (SELECT count(*) FROM login_attempts WHERE name = u.name AND NOT ok AND at >= ?)
           FROM users u ORDER BY u.name""", (since,)).fetchall()
    return [Account(name, role, created, updated, _stamp(last), failures)
            for name, role, created, updated, last, failures in rows]


def _stamp(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def wait_before_login(db: Database, name: str, address: str, at: float) -> float:
    """Seconds before ``name`` may try again from ``address`` (0: now), from the failures in a row of each."""
    waits = [0.0]
    for column, value in (("name", name[:LOGGED_NAME_MAX]), ("address", address)):
        if column == "address" and not value:
            continue  # unknown address: the name's count still holds
        last_ok = db.conn.execute(f"SELECT max(at) FROM login_attempts WHERE {column} = ? AND ok",
                                  (value,)).fetchone()[0] or 0.0
        count, last = db.conn.execute(
            f"SELECT count(*), max(at) FROM login_attempts WHERE {column} = ? AND NOT ok AND at > ? AND at >= ?",
            (value, last_ok, at - FAILURE_WINDOW_S)).fetchone()
        if count >= FREE_FAILURES:
            waits.append(min(FIRST_WAIT_S * 2 ** (count - FREE_FAILURES), MAX_WAIT_S) - (at - last))
    return max(waits)


@functools.cache
def _nobody() -> str:
    """Compared against when the name is unknown, so that an unknown name takes as long as a wrong password."""
    return hash_password("no such user, no such password")


def log_in(db: Database, name: str, password: str, address: str = "", at: float | None = None) -> User:
    """The user ``name`` if ``password`` is theirs; else LoginRefused (logged, and recorded for the wait)."""
    at = time.time() if at is None else at
    wait = wait_before_login(db, name, address, at)
    if wait > 0:
        log.warning("login for %r from %s refused: %.0f s to wait after failed logins", name[:LOGGED_NAME_MAX],
                    address or "an unknown address", wait)
        raise LoginRefused(f"too many failed logins: try again in {math.ceil(wait)} s")
    row = db.conn.execute("SELECT role, password FROM users WHERE name = ?", (name,)).fetchone()
    ok = len(password) <= PASSWORD_MAX and password_matches(row[1] if row else _nobody(), password) and row is not None
    with write(db):
        db.conn.execute("INSERT INTO login_attempts (name, address, at, ok) VALUES (?, ?, ?, ?)",
                        (name[:LOGGED_NAME_MAX], address, at, ok))
        db.conn.execute("DELETE FROM login_attempts WHERE at < ?", (at - KEEP_ATTEMPTS_S,))
    if not ok:
        log.warning("failed login for %r from %s", name[:LOGGED_NAME_MAX], address or "an unknown address")
        raise LoginRefused("wrong name or password")
    log.info("%s logged in from %s", name, address or "an unknown address")
    return User(name, row[0])


def failed_logins(db: Database, limit: int = 50) -> list[tuple[str, str, str]]:
    """The last ``limit`` failed logins, newest first: (when, name tried, address)."""
    rows = db.conn.execute("SELECT at, name, address FROM login_attempts WHERE NOT ok ORDER BY at DESC LIMIT ?",
                           (limit,)).fetchall()
    return [(_stamp(at), name, address) for at, name, address in rows]


def forget_logins(db: Database) -> None:
    """Remove every account, attempt and session (from a copy to publish: no password hash leaves the server)."""
    with write(db):
        db.conn.execute("DELETE FROM users")
        db.conn.execute("DELETE FROM login_attempts")
        db.conn.execute("DELETE FROM sessions")


# --------------------------------------------------------------------------- who is online
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def session_started(db: Database, annotator: str, address: str, pid: int | None = None) -> None:
    """Record this process's session (sessions of processes that died without saying so are dropped)."""
    pid = os.getpid() if pid is None else pid
    with write(db):
        gone = [p for (p,) in db.conn.execute("SELECT pid FROM sessions") if p != pid and not _alive(p)]
        db.conn.executemany("DELETE FROM sessions WHERE pid = ?", [(p,) for p in gone])
        db.conn.execute("INSERT OR REPLACE INTO sessions (pid, annotator, address, started_at) VALUES (?, ?, ?, ?)",
                        (pid, annotator, address, now()))


def session_ended(db: Database, pid: int | None = None) -> None:
    with write(db):
        db.conn.execute("DELETE FROM sessions WHERE pid = ?", (os.getpid() if pid is None else pid,))


def online(db: Database) -> dict[str, int]:
    """Sessions per annotator, of the processes still running, by name."""
    counts: dict[str, int] = {}
    for pid, annotator in db.conn.execute("SELECT pid, annotator FROM sessions ORDER BY annotator"):
        if _alive(pid):
            counts[annotator] = counts.get(annotator, 0) + 1
    return counts
