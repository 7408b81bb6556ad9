"""`pressmark serve` under load (issue 20): ``python -m bench.serve [--sessions 3 10] [--tags 60]``.

Starts the real server on a free loopback port over a copy of articles/, makes one coder per session, and drives
each session through textual-serve's websocket protocol as the browser page does (``["stdin", keys]``; the app's
output arrives as binary frames), all sessions at once: log in, open the first article, then tag and move on,
as fast as the app answers. A tag's latency is the time from sending its key to the first frame of the app's
answer (what a browser would draw); before each key the session waits until the app has been quiet for QUIET_S.
Prints, per number of sessions: sessions logged in, tags per second across them, median and p99 latency, and the
memory (RSS) of one session's process. Chromium is left out on purpose: ten browsers on a small machine would
measure the browsers.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
QUIET_S = 0.05
BOUND_S = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pressmark(db: Path, *args: str, stdin: str = "") -> None:
    subprocess.run([sys.executable, "-c", "from tui.cli import main; main()", "--db", str(db), *args], input=stdin,
                   text=True, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


class Client:
    """One browser session, spoken to as textual.js speaks to the server."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse):
        self.ws = ws
        self.text = ""
        self.frames = 0
        self.last_frame = time.monotonic()
        self.changed = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.text += message.data.decode("utf-8", "replace")
                self.text = self.text[-200_000:]
                self.frames += 1
                self.last_frame = time.monotonic()
                self.changed.set()

    async def send(self, keys: str) -> None:
        await self.ws.send_json(["stdin", keys])

    async def wait_for(self, text: str) -> None:
        deadline = time.monotonic() + BOUND_S
        while text not in self.text:
            assert time.monotonic() < deadline, f"never: {text!r}"
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), 1)
            except asyncio.TimeoutError:
                pass

    async def quiet(self) -> None:
        while time.monotonic() - self.last_frame < QUIET_S:
            await asyncio.sleep(QUIET_S / 2)

    async def answer_time(self, keys: str) -> float:
        """Seconds from sending ``keys`` to the first frame after it."""
        await self.quiet()
        frames, start = self.frames, time.monotonic()
        await self.send(keys)
        deadline = start + BOUND_S
        while self.frames == frames:
            assert time.monotonic() < deadline, "no answer"
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), 1)
            except asyncio.TimeoutError:
                pass
        return self.last_frame - start


async def _session(http: aiohttp.ClientSession, url: str, name: str, tags: int, started: asyncio.Event,
                   latencies: list[float]) -> Client:
    client = Client(await http.ws_connect(url, heartbeat=15))
    await client.wait_for("Type your name")
    await client.send(name + "\r")
    await client.wait_for("Type your password")
    await client.send(f"{name} password\r")
    await client.wait_for("annotator: " + name)
    await client.send("\r")
    await client.wait_for("Back")
    await started.wait()
    for i in range(tags):  # sentences 1 to 20 with finding, then with response, then commitment, ...
        latencies.append(await client.answer_time("frc"[i // 20 % 3]))
        await client.answer_time("j" if i % 20 < 19 else "g")
    return client


async def measure(sessions: int, tags: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        db = Path(tmp) / "team.db"
        shutil.copytree(ROOT / "articles", Path(tmp) / "articles")
        _pressmark(db, "sync", str(Path(tmp) / "articles"))
        names = [f"coder{i}" for i in range(sessions)]
        for name in names:
            _pressmark(db, "users", "add", name, "--password-stdin", stdin=f"{name} password\n")
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-c", "from tui.cli import main; main()", "--db", str(db), "serve",
                                   "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            async with aiohttp.ClientSession() as http:
                deadline = time.monotonic() + BOUND_S
                while True:
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/") as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    assert time.monotonic() < deadline, "the server never answered"
                    await asyncio.sleep(0.1)
                started, latencies = asyncio.Event(), []
                url = f"ws://127.0.0.1:{port}/ws?width=120&height=34"
                tasks = [asyncio.create_task(_session(http, url, name, tags, started, latencies)) for name in names]
                while sum(1 for _ in _logged_in(db)) < sessions:
                    await asyncio.sleep(0.1)
                await asyncio.sleep(1)  # every reader open (bench: no assertion depends on it)
                t0 = time.monotonic()
                started.set()
                clients = await asyncio.gather(*tasks)
                elapsed = time.monotonic() - t0
                rss = _session_rss(server.pid)
                for client in clients:
                    await client.ws.close()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        conn = sqlite3.connect(db)
        saved = conn.execute("SELECT count(*) FROM annotations WHERE tag IS NOT NULL").fetchone()[0]
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.close()
    latencies.sort()
    return {"sessions": sessions, "tags": len(latencies), "saved": saved, "integrity": integrity,
            "tags_per_s": len(latencies) / elapsed, "median_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
            "session_rss_mb": rss}


def _logged_in(db: Path):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT pid FROM sessions").fetchall()
    finally:
        conn.close()


def _session_rss(server_pid: int) -> float:
    """The median RSS (MB) of the session processes under the server (Linux /proc)."""
    sizes = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if cmdline.startswith(sys.executable.encode() + b"\0") and b"serve-session" in cmdline and \
                _ancestor(int(proc.name), server_pid):
            rss = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
            sizes.append(int(rss.split()[1]) / 1024)
    return statistics.median(sizes) if sizes else float("nan")


def _ancestor(pid: int, ancestor: int) -> bool:
    while pid > 1:
        try:
            pid = int(next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                           if line.startswith("PPid:")).split()[1])
        except (OSError, StopIteration):
            return False
        if pid == ancestor:
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[3, 10])
    parser.add_argument("--tags", type=int, default=60, help="tag keys per session")
    args = parser.parse_args(argv)
    print(f"{'sessions':>8} {'tags':>6} {'saved':>6} {'tags/s':>7} {'median ms':>9} {'p99 ms':>7} "
          f"{'RSS/session MB':>14}  integrity")
    for n in args.sessions:
        r = asyncio.run(measure(n, args.tags))
        print(f"{r['sessions']:>8} {r['tags']:>6} {r['saved']:>6} {r['tags_per_s']:>7.1f} {r['median_ms']:>9.1f} "
              f"{r['p99_ms']:>7.1f} {r['session_rss_mb']:>14.0f}  {r['integrity']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
