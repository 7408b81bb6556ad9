"""`pressmark serve` without a browser (issue 20): where it listens, the warning for --host, the command each
browser session runs, the browser's address. The browser tests are in tests/browser (`make test-browser`)."""
from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiohttp.test_utils import make_mocked_request

from tui.cli_serve import UNENCRYPTED
from tui.serve import PressmarkServer, session_command

ROOT = Path(__file__).resolve().parent.parent


def test_each_part_of_the_session_command_is_quoted():
    db = "/tmp/it's a; $(rm -rf ~) `x`.db"
    address = "::1'; touch /tmp/owned #"
    args = shlex.split(session_command(db, address, 60))
    assert args[args.index("--db") + 1] == db and args[args.index("--address") + 1] == address
    assert args[0] == sys.executable and args[-2:] == ["--idle-timeout", "60.0"]


def test_the_address_is_the_peers_unless_told_to_trust_the_proxy():
    request = make_mocked_request("GET", "/ws", headers={"X-Forwarded-For": "203.0.113.5, 198.51.100.2"})
    assert PressmarkServer("x.db", host="127.0.0.1", port=1).address(request) == (request.remote or "")
    behind = PressmarkServer("x.db", host="127.0.0.1", port=1, trust_forwarded=True)
    assert behind.address(request) == "198.51.100.2"  # the one the proxy added


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path, *args):
    port = _free_port()
    log = open(tmp_path / f"serve-{port}.log", "wb")
    process = subprocess.Popen([sys.executable, "-c", "from tui.cli import main; main()", "--db",
                                str(tmp_path / "p.db"), "serve", "--port", str(port), *args], stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "300"})
    return port, process, Path(log.name)


def _stop(process) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=60)


def _wait_for(path: Path, text: str, process) -> str:
    deadline = time.monotonic() + 120
    while text not in (out := path.read_text(errors="replace")):
        assert process.poll() is None, out
        assert time.monotonic() < deadline, out
        time.sleep(0.05)
    return out


def test_the_console_says_each_login_and_failed_login(tmp_path):
    from store.db import connect
    from store.users import LoginRefused, add_user, log_in

    db = connect(tmp_path / "p.db")
    add_user(db, "alice", "alice's password")
    port, process, log = _serve(tmp_path)
    try:
        _wait_for(log, f"on http://127.0.0.1:{port}", process)
        with pytest.raises(LoginRefused):
            log_in(db, "\x1b[31malice", "guess", "203.0.113.4")
        log_in(db, "alice", "alice's password", "198.51.100.3")
        out = _wait_for(log, "logged in: 'alice' from 198.51.100.3", process)
    finally:
        _stop(process)
        db.close()
    assert "FAILED LOGIN: '\\u001b[31malice' from 203.0.113.4" in out and "\x1b[31m" not in out


@pytest.mark.parametrize("host", [None, "127.0.0.1"])
def test_serve_listens_on_loopback_and_warns_when_a_host_is_given(tmp_path, host):
    port, process, log = _serve(tmp_path, *(["--host", host] if host else []))
    try:
        out = _wait_for(log, f"on http://127.0.0.1:{port}", process)
        socket.create_connection(("127.0.0.1", port), timeout=30).close()
    finally:
        _stop(process)
    assert "No users yet" in out
    assert (UNENCRYPTED in out.replace("\n", " ")) == (host is not None)


def test_a_scripted_websocket_gets_the_login_screen_and_garbage_is_ignored(tmp_path):
    """No browser, no cookie, no session id to forge or replay: every websocket is a new app at its login screen."""
    import asyncio

    import aiohttp

    from bench.serve import Client

    port, process, log = _serve(tmp_path)

    async def talk() -> str:
        async with aiohttp.ClientSession() as http:
            client = Client(await http.ws_connect(f"ws://127.0.0.1:{port}/ws?width=100&height=30"))
            await client.wait_for("Type your name")
            for junk in ("not json", "[1, 2, 3]", '{"a": 1}', '["stdin", 5]', '["resize", "x"]', '["quit"]'):
                await client.ws.send_str(junk)
            await client.send("\t\t?\r")  # the login button, help, press it
            await client.wait_for("Give your name and password")
            await client.ws.close()
            return client.text

    try:
        _wait_for(log, f"on http://127.0.0.1:{port}", process)
        text = asyncio.run(talk())
        assert process.poll() is None
    finally:
        _stop(process)
    assert "annotator:" not in text and "Tag codebook" not in text
