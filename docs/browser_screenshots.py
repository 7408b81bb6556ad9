"""The README's pictures of `pressmark serve` in a browser (``make screenshots``): docs/browser-library.png and
docs/browser-compare.png, from the real server in headless Chromium, logged in as the demo user of
docs/screenshots.py's throw-away database."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "docs"), str(ROOT / "tests" / "browser")]

from browser import Server, Session
from screenshots import demo_database

from store.users import add_user

PASSWORD = "demo password"


def settled(session: Session, quiet_s: float = 1.0) -> None:
    """Until the app has sent nothing for ``quiet_s``: a picture, not a test, may wait on the clock."""
    size, since = -1, time.monotonic()
    while time.monotonic() - since < quiet_s:
        now = len(session.received())
        if now != size:
            size, since = now, time.monotonic()
        time.sleep(0.1)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db, path = demo_database(Path(tmp))
        add_user(db, "demo", PASSWORD, "lead")
        db.close()
        server = Server(path, Path(tmp) / "serve.log")
        session = Session(server, Path(tmp) / "downloads")
        try:
            session.log_in("demo", PASSWORD)
            session.wait_for("annotator: demo")
            settled(session)
            session.driver.save_screenshot(str(ROOT / "docs" / "browser-library.png"))
            print("wrote docs/browser-library.png")
            session.type("s")
            settled(session)
            session.type("jjjjjjj\tjjjjjj")
            settled(session)
            session.driver.save_screenshot(str(ROOT / "docs" / "browser-compare.png"))
            print("wrote docs/browser-compare.png")
        finally:
            session.close()
            server.stop()


if __name__ == "__main__":
    main()
