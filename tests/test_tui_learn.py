"""Pilot tests: the reader learns from the coder's tags when they pause, in a worker that never holds up a key,
and ``pressmark suggest`` gives the same suggestions (issue 16)."""
from __future__ import annotations

import json
import subprocess
import sys
import threading

from tui_helpers import (  # noqa: F401 (fixtures are used by name)
    ME,
    WAIT_BOUND_S,
    ids,
    library_ready,
    open_reader,
    quicker_idle_wait,
    status,
    suggesting_app,
    sync_test,
    tag_rows,
    wait_for,
)

from store import learn
from tui.widgets.article_view import ArticleView

RELEASE_AWARE, STORY_AWARE = 15, 10  # "We were aware of all the issues raised by Ofsted." in each article


def shown(view: ArticleView) -> dict[int, dict[str, str]]:
    return {n: {s.tag: s.reason for s in items} for n, items in view.article.suggestions.items()}


async def back_and_open(pilot, row: int) -> ArticleView:
    await pilot.press("escape")
    await pilot.app.workers.wait_for_complete()
    view = await open_reader(pilot, row)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return view


@sync_test
async def test_the_reader_learns_from_tags_when_the_coder_pauses(suggesting_app, db, ids):
    app = suggesting_app
    async with app.run_test(size=(140, 40)) as pilot:
        await open_reader(pilot, 0)
        await app.workers.wait_for_complete()
        app.screen.query_one(ArticleView).cursor = RELEASE_AWARE
        await pilot.press("c")  # this coder calls "We were aware of all the issues…" a commitment
        await pilot.pause()
        story = await back_and_open(pilot, 1)
        before = shown(story)
        assert "commitment" not in before.get(STORY_AWARE, {})  # nothing learned before a pause
        app.user_paused()
        await app.workers.wait_for_complete()
        await pilot.pause()
        after = shown(story)
        reason = f"learned from your tags: the words of sentence {RELEASE_AWARE} of 000_946a8aef52dcef49.txt"
        assert after[STORY_AWARE]["commitment"] == f"{reason} — commitment"
        story.cursor = STORY_AWARE
        await pilot.pause()
        assert "learned from your tags" in status(app.screen)
        app.user_paused()  # nothing changed since: nothing to learn, the same suggestions
        await app.workers.wait_for_complete()
        assert shown(story) == after


@sync_test
async def test_a_key_pressed_while_the_model_trains_is_handled_at_once(suggesting_app, db, ids, monkeypatch):
    app = suggesting_app
    entered, gate = threading.Event(), threading.Event()
    real = learn.train

    def held(*args, **kwargs):  # the worker stops here until the test lets it go on
        entered.set()
        assert gate.wait(WAIT_BOUND_S)
        return real(*args, **kwargs)

    monkeypatch.setattr(learn, "train", held)
    async with app.run_test(size=(140, 40)) as pilot:
        view = await open_reader(pilot, 0)
        await app.workers.wait_for_complete()
        before = shown(view)
        await pilot.press("c")  # sentence 1
        app.user_paused()  # the coder pauses: training starts in a worker and is held there
        await wait_for(pilot, entered.is_set)
        await pilot.press("j", "f")  # handled while training is held
        assert (ids[0], 2, "finding", ME) in tag_rows(db) and "Saved: sentence 2 tagged finding" in status(app.screen)
        gate.set()
        await app.workers.wait_for_complete()  # the training saw the keys and stopped: nothing learned yet
        assert {n: s for n, s in shown(view).items() if n > 2} == {n: s for n, s in before.items() if n > 2}
        app.user_paused()  # the next pause learns from both tags
        await app.workers.wait_for_complete()
        await pilot.pause()
        model = learn.model_for(app.db, ME, *model_setup(app.db), train_now=False)
        assert model is not None and {e.sentence.text for e in model.examples if e.positive} == {
            view.article.sentence_text(1), view.article.sentence_text(2)}


def model_setup(db):
    from store.cues import compile_cues, load_cues
    from store.suggest import _tag_names

    return compile_cues(load_cues(db)), _tag_names(db)


@sync_test
async def test_pressmark_suggest_gives_the_readers_suggestions(suggesting_app, db, db_path, ids, tmp_path):
    app = suggesting_app
    async with app.run_test(size=(140, 40)) as pilot:
        view = await open_reader(pilot, 0)
        await app.workers.wait_for_complete()
        for n, key in ((RELEASE_AWARE, "c"), (3, "f"), (4, "r")):
            view.cursor = n
            await pilot.press(key)
        await pilot.press("d")  # and a dismissal
        story = await back_and_open(pilot, 1)
        app.user_paused()
        await app.workers.wait_for_complete()
        await pilot.pause()
        reader = {(n, tag, reason) for n, tags in shown(story).items() for tag, reason in tags.items()}
    assert any(reason.startswith("learned") for _, _, reason in reader)
    assert cli_suggestions(db_path, "004", tmp_path) == reader


def cli_suggestions(db_path, article: str, cwd) -> set[tuple[int, str, str]]:
    """`pressmark suggest ARTICLE --format json` in a process of its own (nothing kept in memory)."""
    cli = subprocess.run([sys.executable, "-c", "from tui.cli import main; main()", "--db", str(db_path),
                          "--annotator", ME, "suggest", article, "--format", "json"],
                         cwd=cwd, capture_output=True, text=True, timeout=WAIT_BOUND_S, check=False)
    assert cli.returncode == 0, cli.stderr
    return {(r["n"], r["tag"], r["reason"]) for r in json.loads(cli.stdout)}


@sync_test
async def test_a_pause_after_the_screens_are_gone_does_nothing(suggesting_app):
    app = suggesting_app
    async with app.run_test(size=(140, 40)) as pilot:
        await open_reader(pilot, 0)
    app.user_paused()  # the pause timer can fire while the app ends: no screen to ask, no error
