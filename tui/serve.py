"""`pressmark serve`: the app in browsers through textual-serve (an optional extra: ``pressmark[web]``), one app
process per browser session, all on one database. See docs/serve.md.

textual-serve runs a shell command for each websocket; here that command is ``pressmark serve-session`` on the
database, given the browser's address (for slowing down failed logins per address, store.users) and the idle
timeout. The session starts at the login screen (tui/screens/login.py): the browser never names the annotator.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import sqlite3
import sys

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("pressmark.serve")

IDLE_TIMEOUT_S = 30 * 60.0
HEARTBEAT_S = 15  # as textual-serve's own
LOG_EVERY_S = 1.0  # how often the console looks for new logins
LISTEN_WAIT_S = 10.0  # at most this long before the address is said anyway (a host name it cannot connect to)


def session_command(db_path: str, address: str, idle_timeout: float) -> str:
    """The shell command of one browser session (AppService runs it through the shell: every part quoted)."""
    return shlex.join([sys.executable, "-c", "from tui.cli import main; main()", "--db", db_path, "serve-session",
                       "--address", address, "--idle-timeout", repr(float(idle_timeout))])


class PressmarkServer(Server):
    """textual-serve's server, with a session command made for each browser (its address in it)."""

    def __init__(self, db_path: str, *, host: str, port: int, public_url: str | None = None,
                 idle_timeout: float = IDLE_TIMEOUT_S, trust_forwarded: bool = False):
        super().__init__(session_command(db_path, "", idle_timeout), host=host, port=port, title="pressmark",
                         public_url=public_url)
        self.db_path = db_path
        self.idle_timeout = idle_timeout
        self.trust_forwarded = trust_forwarded

    async def on_startup(self, app: web.Application) -> None:
        self.watch = asyncio.gather(self.say_serving(), self.log_logins())

    async def on_shutdown(self, app: web.Application) -> None:
        self.watch.cancel()

    async def say_serving(self) -> None:
        """Say where the app is served once the address takes connections: aiohttp runs on_startup before it
        listens, and a script (or a test) that opens the address as soon as the line appears was refused."""
        deadline = asyncio.get_running_loop().time() + LISTEN_WAIT_S
        while asyncio.get_running_loop().time() < deadline:
            try:
                _, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
                await asyncio.sleep(0.01)
                continue
            writer.close()
            break
        self.console.print(f"pressmark: serving {self.db_path} on {self.public_url} (Ctrl+C stops)", markup=False,
                           highlight=False)

    async def log_logins(self) -> None:
        """Say each login and failed login on the console as it happens (the sessions record them in the database;
        what a session writes on stderr textual-serve shows only when it ends)."""
        from store.names import reveal

        last = None
        while True:
            try:
                conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
                try:
                    if last is None:
                        last = conn.execute("SELECT ifnull(max(id), 0) FROM login_attempts").fetchone()[0]
                    rows = conn.execute("SELECT id, name, address, ok FROM login_attempts WHERE id > ? ORDER BY id",
                                        (last,)).fetchall()
                finally:
                    conn.close()
            except sqlite3.Error as exc:
                log.warning("cannot read the logins: %s", exc)
                rows = []
            for last, name, address, ok in rows:
                said = "logged in" if ok else "FAILED LOGIN"
                self.console.print(f"pressmark: {said}: '{reveal(name)}' from {reveal(address) or '?'}", markup=False,
                                   highlight=False)
            await asyncio.sleep(LOG_EVERY_S)

    def address(self, request: web.Request) -> str:
        """The browser's address; behind a reverse proxy (``trust_forwarded``) the one it adds last to
        X-Forwarded-For, else every browser would be the proxy."""
        if self.trust_forwarded and (forwarded := request.headers.get("X-Forwarded-For")):
            return forwarded.rsplit(",", 1)[-1].strip()[:100]
        return request.remote or ""

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """As textual-serve's: a new app process for the websocket, its input from the browser, its output to it."""
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT_S)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            app_service = AppService(session_command(self.db_path, self.address(request), self.idle_timeout),
                                     write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                     close=websocket.close, download_manager=self.download_manager)
            await app_service.start(width, height)
            try:
                await relay(websocket, app_service)
            finally:
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:
            log.exception("session failed")
        finally:
            if app_service is not None:
                await app_service.stop()
        return websocket


async def relay(websocket: web.WebSocketResponse, app_service: AppService) -> None:
    """The browser's messages to the app process (textual-serve's protocol: stdin, resize, ping, blur, focus)."""
    async for message in websocket:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            kind, data = message.json()
        except (ValueError, TypeError):
            continue  # not textual.js: ignored
        if kind == "stdin" and isinstance(data, str):
            await app_service.send_bytes(data.encode("utf-8"))
        elif kind == "resize" and isinstance(data, dict):
            await app_service.set_terminal_size(to_int(str(data.get("width")), 80), to_int(str(data.get("height")), 24))
        elif kind == "ping":
            await websocket.send_json(["pong", data])
        elif kind == "blur":
            await app_service.blur()
        elif kind == "focus":
            await app_service.focus()
