"""Driving `pressmark serve` from Chromium (selenium): the server, browser sessions, what a session was sent.

The terminal in the page draws on a canvas, so what the app shows is read from the bytes its websocket received:
a script added before the page's own wraps WebSocket and keeps them, decoded, in ``window.__received``. Every wait
polls a condition with a generous bound; none is a fixed sleep.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOUND_S = 120  # only a broken server or browser waits this long
CHROMIUM = os.environ.get("PRESSMARK_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PRESSMARK_CHROMEDRIVER", "/usr/bin/chromedriver")

KEEP_RECEIVED = r"""
(() => {
  window.__received = "";
  const Original = window.WebSocket;
  function Kept(url, protocols) {
    const ws = protocols === undefined ? new Original(url) : new Original(url, protocols);
    const decoder = new TextDecoder();
    ws.addEventListener("message", (e) => {
      if (typeof e.data === "string") window.__received += e.data;
      else if (e.data instanceof ArrayBuffer) window.__received += decoder.decode(e.data, {stream: true});
    });
    return ws;
  }
  Kept.prototype = Original.prototype;
  for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Kept[k] = Original[k];
  window.WebSocket = Kept;
})();
"""


def wait_until(predicate, what: str, bound: float = BOUND_S):
    deadline = time.monotonic() + bound
    while not (result := predicate()):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pressmark(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from tui.cli import main; main()", *args], capture_output=True,
                          timeout=BOUND_S, env={**os.environ, "PYTHONPATH": str(ROOT)}, **kwargs)


class Server:
    """`pressmark serve` on a free loopback port, in a process group of its own (its sessions are in it too)."""

    def __init__(self, db_path: Path, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from tui.cli import main; main()", "--db", str(db_path), "serve", "--port",
             str(self.port)], stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        wait_until(self.answers, "the server answers")

    def answers(self) -> bool:
        assert self.process.poll() is None, "the server ended"
        try:
            with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def status(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class Session:
    """One Chromium window on the server: what it was sent, and keys typed into the page's terminal."""

    def __init__(self, server: Server, downloads: Path):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-popup-blocking",
                    "--window-size=1200,800"):
            options.add_argument(arg)
        options.binary_location = CHROMIUM
        downloads.mkdir(parents=True, exist_ok=True)
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                                  "download.prompt_for_download": False})
        self.downloads = downloads
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": KEEP_RECEIVED})
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow",
                                                                    "downloadPath": str(downloads)})
        self.driver.get(server.url + "/")

    def received(self) -> str:
        return self.driver.execute_script("return window.__received || ''")

    def forget(self) -> None:
        """From now on, ``wait_for`` sees only what arrives next."""
        self.driver.execute_script("window.__received = ''")

    def wait_for(self, text: str) -> None:
        wait_until(lambda: text in self.received(), f"{text!r} on screen")

    def type(self, keys: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.CSS_SELECTOR, "textarea.xterm-helper-textarea").send_keys(keys)

    def log_in(self, name: str, password: str) -> None:
        from selenium.webdriver.common.keys import Keys

        self.wait_for("Type your name")
        self.type(name + Keys.ENTER)
        self.wait_for("Type your password")
        self.type(password + Keys.ENTER)

    def downloaded(self) -> list[Path]:
        return [p for p in self.downloads.iterdir() if not p.name.endswith((".crdownload", ".tmp"))]

    def close(self) -> None:
        self.driver.quit()
