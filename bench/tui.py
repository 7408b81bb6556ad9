"""In-process latencies of the Textual app: tag keypress, opening a 1 MB article, PgDn.

Run as a worker (``python -m bench.tui DB --annotator NAME --article ID [--big ID]``)
by ``bench.run``; prints one JSON object with the raw samples in seconds.

Method.  The app runs under ``App.run_test(size=(160, 45))`` (headless driver).
A probe replaces the app's ``_display`` method on this one instance: Textual
calls it once per screen update, right after the compositor has rendered the
changed lines (every ``render_line`` call for the update happens before it).
The probe calls the original, then turns the update into the escape sequences
a terminal would be sent (``CompositorUpdate.render_segments``, which headless
mode skips), takes the time, and resolves any waiter whose condition now holds.
A keypress is timed from posting the ``events.Key`` to the app (what the
driver's input thread does for a real key) to the first such update after
which its condition holds:

* tag: the row's new state is visible on a second ``sqlite3`` connection
  (so it is committed) -- checked inside the probe, after the time is taken;
* open: the reader screen is current and ``ArticleView.render_line`` has
  drawn at least one line of text (the class is wrapped in this process only);
* PgDn: the view's scroll offset has changed.

Between keys the worker sleeps 50 ms, so every key starts from an idle app
(a person does not type faster than that, and Textual paints at most 60
times a second).  Nothing in store/ or tui/ is changed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import time

from textual import events
from textual._compositor import CompositorUpdate

from store.db import connect
from tui.app import PressmarkApp
from tui.screens.reader import ReaderScreen
from tui.widgets.article_list import ArticleList
from tui.widgets.article_view import ArticleView

SIZE = (160, 45)
GAP = 0.05
TIMEOUT = 10.0

_text_drawn = False
_original_render_line = ArticleView.render_line


def _render_line(self, y: int):
    global _text_drawn
    strip = _original_render_line(self, y)
    if not _text_drawn and self._lines and y + int(self.scroll_offset.y) < len(self._lines):
        _text_drawn = True
    return strip


ArticleView.render_line = _render_line


class PaintProbe:
    def __init__(self, app: PressmarkApp):
        self.app = app
        self.waiters: list[tuple] = []
        self.paints = 0
        original = app._display

        def display(screen, renderable):
            original(screen, renderable)
            if renderable is None:
                return
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)  # what a real terminal would be sent
            t = time.perf_counter()
            self.paints += 1
            for waiter in list(self.waiters):
                condition, future = waiter
                if not future.done() and condition():
                    future.set_result(t)
                    self.waiters.remove(waiter)

        app._display = display

    async def key_until(self, key: str, condition, timeout: float = TIMEOUT) -> float | None:
        """Seconds from posting ``key`` to the first paint after which ``condition()`` holds."""
        future = asyncio.get_running_loop().create_future()
        self.waiters.append((condition, future))
        char = key if len(key) == 1 else ("\r" if key == "enter" else None)
        event = events.Key(key, char)
        event.set_sender(self.app)
        t0 = time.perf_counter()
        self.app.post_message(event)
        try:
            return await asyncio.wait_for(future, timeout) - t0
        except asyncio.TimeoutError:
            return None
        finally:
            self.waiters = [w for w in self.waiters if w[1] is not future]


async def _until(condition, timeout: float = 120.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError("the app never reached the expected state")
        await asyncio.sleep(0.02)


async def _settle() -> None:
    await asyncio.sleep(GAP)


async def _select_article(app, probe: PaintProbe, article_id: int) -> float | None:
    """From the library, put the cursor on the article and press Enter; return time to the reader's first text."""
    global _text_drawn
    await _until(lambda: not isinstance(app.screen, ReaderScreen) and app.screen.query(ArticleList)
                 and any(a.id == article_id for a in app.screen.query_one(ArticleList).articles))  # past the first page
    table = app.screen.query_one(ArticleList)
    table.cursor = [a.id for a in table.articles].index(article_id)
    await asyncio.sleep(0.3)
    _text_drawn = False
    return await probe.key_until("enter", lambda: isinstance(app.screen, ReaderScreen) and _text_drawn,
                                 timeout=60.0)


async def _tag_presses(app, probe: PaintProbe, check: sqlite3.Connection, article_id: int, annotator: str,
                       presses: int) -> list[float | None]:
    view = app.screen.query_one(ArticleView)
    tag = app.codebook[0]
    samples = []

    def state(n: int) -> bool:
        return check.execute("SELECT 1 FROM annotations WHERE article_id = ? AND sentence = ? AND tag = ?"
                             " AND annotator = ? AND status = 'ok'", (article_id, n, tag.name, annotator)).fetchone() is not None

    while len(samples) < presses:
        n = view.cursor
        for _ in range(2):  # on, then off again: the database ends as it started
            want = not state(n)
            samples.append(await probe.key_until(tag.key, lambda n=n, want=want: state(n) == want))
            await _settle()
        await probe.key_until("j", lambda: True, timeout=1.0)  # next sentence (not timed)
        await _settle()
        if view.cursor == n:  # the last sentence: start again at the top
            await probe.key_until("g", lambda: True, timeout=1.0)
            await _settle()
    return samples[:presses]


async def _back_to_library(app, probe: PaintProbe) -> None:
    await probe.key_until("escape", lambda: not isinstance(app.screen, ReaderScreen), timeout=30.0)
    await asyncio.sleep(0.2)


async def session(db_path: str, annotator: str, article: int, presses: int, big: int | None, opens: int,
                  pages: int, big_presses: int) -> dict:
    db = connect(db_path)
    check = sqlite3.connect(db_path, isolation_level=None)
    result: dict = {}
    app = PressmarkApp(db, annotator=annotator, db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        probe = PaintProbe(app)
        t = time.perf_counter()
        await _until(lambda: app.screen.query(ArticleList) and app.screen.query_one(ArticleList).articles)
        result["library_ready_s"] = time.perf_counter() - t
        # tag keypresses in an ordinary article
        result["open_article_s"] = await _select_article(app, probe, article)
        await asyncio.sleep(0.3)
        result["tag"] = await _tag_presses(app, probe, check, article, annotator, presses)
        await _back_to_library(app, probe)
        if big is not None:
            opened = []
            for _ in range(opens):
                check.execute("DELETE FROM positions WHERE article_id = ? AND annotator = ?", (big, annotator))
                opened.append(await _select_article(app, probe, big))
                await asyncio.sleep(0.3)
                await _back_to_library(app, probe)
            result["open_big"] = opened
            check.execute("DELETE FROM positions WHERE article_id = ? AND annotator = ?", (big, annotator))
            await _select_article(app, probe, big)
            await asyncio.sleep(0.3)
            view = app.screen.query_one(ArticleView)
            result["big_sentences"] = view.count
            result["big_lines"] = len(view._lines)
            pgdn = []
            for _ in range(pages):
                y0 = int(view.scroll_offset.y)
                if y0 >= view.max_scroll_y:
                    break
                pgdn.append(await probe.key_until("pagedown", lambda y0=y0: int(view.scroll_offset.y) != y0))
                await _settle()
            result["pgdn"] = pgdn
            result["tag_big"] = await _tag_presses(app, probe, check, big, annotator, big_presses)
            await _back_to_library(app, probe)
        await pilot.pause()
    check.close()
    db.conn.close()
    result["paints"] = probe.paints
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--annotator", required=True)
    ap.add_argument("--article", type=int, required=True)
    ap.add_argument("--presses", type=int, default=200)
    ap.add_argument("--big", type=int)
    ap.add_argument("--opens", type=int, default=5)
    ap.add_argument("--pages", type=int, default=150)
    ap.add_argument("--big-presses", type=int, default=20)
    a = ap.parse_args(argv)
    result = asyncio.run(session(a.db, a.annotator, a.article, a.presses, a.big, a.opens, a.pages, a.big_presses))
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
