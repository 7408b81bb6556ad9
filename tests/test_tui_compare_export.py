"""Pilot tests of side by side and the export modal, with real keys and clicks.

Every test drives ``PressmarkApp`` with ``App.run_test`` and a ``Pilot``, then checks
what a user would care about: the rows in the database, the CSV on disk, and the
text actually rendered on screen. Nothing depends on how many sentences the real
articles have (the segmenter changes): expectations are derived from the view.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from textual.widgets import Button, Input, Select, Static
from tui_helpers import (  # noqa: F401 (fixtures are used by name)
    FORMULA_STARTS,
    ME,
    SIZE,
    app,
    gutter,
    ids,
    library,
    library_ready,
    library_row,
    note_rows,
    open_reader,
    quicker_idle_wait,
    screen_text,
    sentence_rows,
    status,
    sync_test,
    tag_rows,
    type_text,
    wait_for,
)

from store import annotate
from tui.screens.compare import CompareScreen
from tui.screens.export import ExportScreen
from tui.screens.library import LibraryScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.article_view import ArticleView


# --------------------------------------------------------------------------- 6. compare
@sync_test
async def test_compare_marks_panes_cursors_and_tagging(app, db, ids):
    async with app.run_test(size=(120, 30)) as pilot:
        await library_ready(pilot)
        lst = library(app)
        assert not library_row(app, ids[0]).startswith("●")
        await pilot.press("space")
        await pilot.pause()
        assert library_row(app, ids[0]).startswith("●")
        assert "1 marked" in screen_text(app)
        assert lst.cursor == 1  # space moves on, ready to mark the next one
        await pilot.press("space")
        await pilot.pause()
        assert library_row(app, ids[1]).startswith("●")
        assert "2 marked" in screen_text(app)
        assert screen_text(app).count("●") == 2
        # space again unmarks, and again marks
        await pilot.press("k", "space")
        await pilot.pause()
        assert not library_row(app, ids[0]).startswith("●")
        assert "1 marked" in screen_text(app)
        await pilot.press("k", "space")
        await pilot.pause()
        assert library_row(app, ids[0]).startswith("●")

        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        left, right = screen.query_one("#view-left", ArticleView), screen.query_one("#view-right", ArticleView)
        assert {left.article.id, right.article.id} == set(ids)
        assert not screen.query_one("#panes").has_class("-stacked")
        assert left.region.y == right.region.y and left.region.right <= right.region.x  # side by side
        assert screen.focused is left
        assert "Left pane · Sentence 1 of" in status(screen)

        await pilot.press("j", "j", "f")
        await pilot.pause()
        assert tag_rows(db) == [(left.article.id, 3, "finding", ME)]
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is right
        assert "Right pane · Sentence 1 of" in status(screen)
        await pilot.press("j", "r", "C")
        await pilot.pause()
        assert (left.cursor, right.cursor) == (3, 3)
        assert tag_rows(db, right.article.id) == [(right.article.id, 2, "commitment", ME),
                                                  (right.article.id, 2, "response", ME)]
        assert tag_rows(db, left.article.id) == [(left.article.id, 3, "finding", ME)]
        assert gutter(right, 2) == " RC " and gutter(left, 3) == "F   "
        await pilot.press("G")
        assert right.cursor == right.count and left.cursor == 3
        await pilot.press("tab", "k")
        assert left.cursor == 2 and right.cursor == right.count
        # undo from the left pane undoes the right pane's last change, and the right pane shows it
        await pilot.press("u")
        await pilot.pause()
        assert tag_rows(db, right.article.id) == [(right.article.id, 2, "response", ME)]
        assert right.article.tags == {2: {"response"}}
        assert left.cursor == 2  # the active pane did not move
        await pilot.press("tab", "g")
        await pilot.pause()
        assert gutter(right, 2) == " R  "
        await pilot.press("G")
        # a note in the active (right) pane goes to the right article
        await pilot.press("n")
        await type_text(pilot, "rn")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert note_rows(db) == [(right.article.id, right.count, "rn", ME)]
        assert right.article.notes == {right.count: "rn"} and not left.article.notes
        # search works on the active pane only
        word = min((w for w in right.article.sentence_text(2).split() if w.isalpha() and len(w) >= 4), key=len)
        await pilot.press("slash")
        await type_text(pilot, word)
        await pilot.press("enter")
        await pilot.pause()
        assert right.matches and not left.matches and screen.focused is right
        assert 2 in right.match_sentences()
        await pilot.press("full_stop")
        assert right.cursor in right.match_sentences() and left.cursor == 2
        await pilot.press("G")
        # both cursors are remembered
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        view = await open_reader(pilot, row=ids.index(right.article.id))
        assert view.cursor == right.count


@sync_test
async def test_compare_search_in_right_pane_jumps_to_first_match(app, ids):
    async with app.run_test(size=(120, 30)) as pilot:
        await library_ready(pilot)
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        left, right = screen.query_one("#view-left", ArticleView), screen.query_one("#view-right", ArticleView)
        first = right.article.sentence_text(1).lower()
        word = min((w for w in right.article.sentence_text(2).split()
                    if w.isalpha() and len(w) >= 4 and w.lower() not in first), key=len)
        await pilot.press("tab", "slash")
        await type_text(pilot, word)
        await pilot.press("enter")
        await pilot.pause()
        assert right.match_sentences() and right.match_sentences()[0] > 1
        assert left.cursor == 1
        assert right.cursor == right.match_sentences()[0]


@pytest.mark.parametrize("width, stacked", [(99, True), (100, False)])
@sync_test
async def test_compare_layout_by_width(app, ids, width, stacked):
    async with app.run_test(size=(width, 30)) as pilot:
        await library_ready(pilot)
        await pilot.press("s")  # nothing marked: the highlighted article and the next
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen) and screen.ids == (ids[0], ids[1])
        left, right = screen.query_one("#view-left", ArticleView), screen.query_one("#view-right", ArticleView)
        assert screen.query_one("#panes").has_class("-stacked") is stacked
        if stacked:
            assert left.region.x == right.region.x and left.region.bottom <= right.region.y
            assert left.region.height >= 3 and right.region.height >= 3
            assert "Top pane" in status(screen)
        else:
            assert left.region.y == right.region.y and left.region.right <= right.region.x
            assert left.region.width >= 40 and right.region.width >= 40
            assert "Left pane" in status(screen)
        # resizing across the threshold switches layouts
        await pilot.resize_terminal(140 if stacked else 80, 30)
        await pilot.pause()
        assert screen.query_one("#panes").has_class("-stacked") is not stacked
        assert (left.region.y == right.region.y) is stacked
        # both panes still render their articles
        text = screen_text(app)
        assert left.article.sentence_text(1)[:15] in text and right.article.sentence_text(1)[:15] in text

# --------------------------------------------------------------------------- 7. export
def _neutral(value) -> str:
    if value is None:
        return ""
    value = str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def expected_csv(db, article_id: int | None = None, tag: str | None = None) -> list[list[str]]:
    """Independently built from the annotations table: one row per (sentence, tag, annotator),
    each carrying that annotator's note on the sentence, plus note-only rows."""
    rows = db.conn.execute(
        'SELECT a.article_id, ar.file, ar.title, a.sentence, a.start, a."end", a.tag, a.exact, a.note,'
        " a.annotator, a.created_at, a.updated_at, a.status"
        " FROM annotations a JOIN articles ar ON ar.id = a.article_id").fetchall()
    from store.derived.speakers import sentence_speakers  # the attribution, made now if it was not yet

    speakers = {(aid, n): sp.name for aid in {r[0] for r in rows} for n, sp in sentence_speakers(db, aid).items()}
    notes = {(r[0], r[3], r[9], r[12]): r[8] for r in rows if r[6] is None}
    tagged = {(r[0], r[3], r[9], r[12]) for r in rows if r[6] is not None}
    out = []
    for (aid, file, title, n, start, end, t, exact, note, who, created, updated, status_) in rows:
        key = (aid, n, who, status_)
        if t is None and key in tagged:
            continue
        if article_id is not None and aid != article_id:
            continue
        if tag is not None and t != tag:
            continue
        out.append((aid, status_, n, who, t or "", [
            file, title, n, start, end, t, speakers.get((aid, n)) if status_ == "ok" else None, exact,
            notes.get(key) if t else note, who, created, updated, status_]))
    out.sort(key=lambda r: r[:5])
    return [[_neutral(v) for v in r[5]] for r in out]


OLD_COLUMNS = 13  # what expected_csv builds: the columns before issue 18's, which come first


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows, cut to their first ``OLD_COLUMNS``; the rows are checked to come grouped by article,
    sentences ascending."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r[:OLD_COLUMNS] for r in csv.reader(f)]
    header, body = rows[0], rows[1:]
    files = [r[0] for r in body]
    assert files == sorted(files, key=files.index), "rows of one article must be together"
    for file in set(files):
        numbers = [int(r[2]) for r in body if r[0] == file]
        assert numbers == sorted(numbers), "sentences in reading order"
    return header, body


async def _export(pilot, path: Path | str, *, scope: str | None = None, tag: str | None = None,
                  by_typing: bool = False) -> str:
    """Open the export modal (e) unless it is open, set the path (and filters), press Export and wait.
    Returns what it said: on success the status line of the screen below (the modal closes), on failure
    the modal's result line (it stays open)."""
    app = pilot.app
    if not isinstance(app.screen, ExportScreen):
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
    screen = app.screen
    path_input = screen.query_one("#path", Input)
    if by_typing:
        assert screen.focused is path_input
        await pilot.press("end", "ctrl+u")
        await type_text(pilot, str(path))
    else:
        path_input.value = str(path)
    if scope is not None:
        screen.query_one("#scope", Select).value = scope
    if tag is not None:
        screen.query_one("#tag", Select).value = tag
    result = screen.query_one("#result", Static)
    result.update("")  # so that this export's result can be told from the last one's
    await pilot.pause()
    if by_typing:
        await pilot.press("enter")  # Enter in the path box exports too
    else:
        # a Button ignores clicks while it still shows the last press (-active, 0.2 s)
        button = screen.query_one("#export", Button)
        await wait_for(pilot, lambda: not button.has_class("-active"))
        await pilot.click("#export")
    await wait_for(pilot, lambda: app.screen is not screen or str(result.content) not in ("", "Exporting…"))
    await app.workers.wait_for_complete()
    await pilot.pause()
    if app.screen is screen:
        assert not screen.query_one("#export", Button).disabled
        return str(result.content)
    return status(app.screen)


async def _tag_some(pilot, db) -> None:
    """Tags and notes in both articles, through the keys."""
    await open_reader(pilot, row=0)
    await pilot.press("f", "j", "r", "c", "n")
    await type_text(pilot, 'a, "q"')
    await pilot.press("ctrl+s", "j", "j", "n")
    await type_text(pilot, "=n")
    await pilot.press("ctrl+s", "j", "C")
    await pilot.pause()
    await pilot.press("q")
    await open_reader(pilot, row=1)
    await pilot.press("j", "f", "n")
    await type_text(pilot, "s2")
    await pilot.press("ctrl+s", "q")
    await pilot.pause()


@sync_test
async def test_export_modal_writes_csv_matching_database(app, db, ids, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative path typed into the box is relative to where pressmark runs
    async with app.run_test(size=(110, 40)) as pilot:
        await _tag_some(pilot, db)
        assert len(tag_rows(db)) == 5 and len(note_rows(db)) == 3
        await open_reader(pilot, row=0)
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert screen.query_one("#scope", Select).value == "article"  # from a reader: this article
        assert "This article" in screen_text(app)

        # this article, path typed into the box
        out = tmp_path / "out" / "this.csv"
        out.parent.mkdir()
        result = await _export(pilot, "out/this.csv", by_typing=True)
        header, rows = read_csv(out)
        assert header == ["article", "title", "sentence", "start", "end", "tag", "speaker", "text", "note",
                          "annotator", "created_at", "updated_at", "status"]
        assert sorted(rows) == sorted(expected_csv(db, article_id=ids[0]))
        assert len(rows) == 5  # f, r, c on 1-2, the note-only sentence, C
        by_kind = {(r[2], r[5]): r for r in rows}
        assert by_kind[("2", "response")][8] == by_kind[("2", "commitment")][8] == 'a, "q"'
        assert by_kind[("1", "finding")][8] == ""
        assert by_kind[("4", "")][8] == "'=n"  # a formula is neutralised
        assert "Exported: 5 rows written to" in result and str(out.resolve()) in result
        assert isinstance(app.screen, ReaderScreen)  # the dialog closed: the next key is the reader's
        assert not list(out.parent.glob(".*.tmp"))  # no temporary file left behind

        # all articles, via the Select widget's keys
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        screen = app.screen
        await pilot.click("#scope")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.query_one("#scope", Select).value == "all"
        out_all = tmp_path / "all.csv"
        await _export(pilot, out_all)
        _, rows_all = read_csv(out_all)
        assert sorted(rows_all) == sorted(expected_csv(db))
        assert {r[0] for r in rows_all} == {file for (file,) in db.conn.execute("SELECT file FROM articles")}
        assert len(rows_all) == 6

        # one tag only
        out_tag = tmp_path / "findings.csv"
        await _export(pilot, out_tag, scope="all", tag="finding")  # a new dialog: this article again by default
        _, rows_tag = read_csv(out_tag)
        assert sorted(rows_tag) == sorted(expected_csv(db, tag="finding"))
        assert {r[5] for r in rows_tag} == {"finding"} and len(rows_tag) == 2

        # an unwritable target says so, keeps the dialog open for another try, and does not crash
        result = await _export(pilot, tmp_path / "no" / "such" / "dir" / "x.csv")
        assert result.startswith("Export failed") and isinstance(app.screen, ExportScreen)
        result = await _export(pilot, tmp_path)
        assert "is a folder" in result

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)


@sync_test
async def test_export_from_library_is_all_articles(app, db, ids, tmp_path):
    # the same annotations as _tag_some, made through the store API (the keys are tested above)
    for aid, n, tag in ((ids[0], 1, "finding"), (ids[0], 2, "response"), (ids[0], 2, "commitment"),
                        (ids[0], 5, "commitment"), (ids[1], 2, "finding")):
        annotate.toggle_tag(db, aid, n, tag, ME)
    for aid, n, note in ((ids[0], 2, 'a, "q"'), (ids[0], 4, "=n"), (ids[1], 2, "s2")):
        annotate.set_note(db, aid, n, note, ME)
    async with app.run_test(size=(110, 40)) as pilot:
        await library_ready(pilot)
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert screen.query_one("#scope", Select).value == "all"
        out = tmp_path / "lib.csv"
        result = await _export(pilot, out)
        _, rows = read_csv(out)
        assert sorted(rows) == sorted(expected_csv(db)) and len(rows) == 6
        assert "Exported: 6 rows written" in result
        assert isinstance(app.screen, LibraryScreen)


@sync_test
async def test_export_modal_writes_every_format_of_the_registry(app, db, ids, tmp_path, monkeypatch):
    """The format list is the registry's; choosing one gives the file its suffix; the file is the CLI's export."""
    import io

    from store import formats

    monkeypatch.chdir(tmp_path)
    annotate.toggle_tag(db, ids[0], 1, "finding", ME)
    annotate.set_note(db, ids[1], 2, "a note", ME)
    async with app.run_test(size=(110, 40)) as pilot:
        await library_ready(pilot)
        for fmt in formats.FORMATS:
            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
            app.screen.query_one("#format", Select).value = fmt
            await pilot.pause()
            assert app.screen.query_one("#path", Input).value == formats.get(fmt).default_file
            said = await _export(pilot, formats.get(fmt).default_file)
            assert "Exported: " in said and formats.get(fmt).unit.removesuffix("s") in said
            binary = formats.get(fmt).binary
            expected = io.BytesIO() if binary else io.StringIO(newline="")
            formats.write(db, fmt, expected)
            with open(tmp_path / formats.get(fmt).default_file, **({"mode": "rb"} if binary else
                                                                   {"encoding": "utf-8", "newline": ""})) as f:
                written = f.read()
            assert written == expected.getvalue()


@sync_test
async def test_library_b_on_a_story_longer_than_its_release_opens_the_release_as_its_source(
        tmp_path, make_articles, longer_story_files):
    """The share rule of store.direction calls a short release the copy of a longer story written from it (it
    only says which text is longer): b opened the story as the release's source, "No source found: release.txt
    reuses this article". Only dates or quotation marks (Source.known_copy) turn b round."""
    from tui_helpers import make_app

    from store.db import connect
    from store.sync import sync

    path = tmp_path / "library.db"
    db = connect(path)
    sync(db, make_articles(longer_story_files))
    ids = dict(db.conn.execute("SELECT file, id FROM articles"))
    app = make_app(db, db_path=path)
    async with app.run_test(size=(160, 40)) as pilot:
        await library_ready(pilot)
        library = app.screen
        await pilot.press(*"j" * [a.id for a in library.table.articles].index(ids["story.txt"]), "b")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.alignment is not None)
        assert app.screen.ids == (ids["release.txt"], ids["story.txt"])  # the release on the left, as the source
        assert "No source found" not in status(app.screen)
        # the header gives the shares' reading, as a guess: they only say which text is longer
        assert str(app.screen.query_one("#reuse").content).startswith("Left probably reuses right (")


@sync_test
async def test_side_by_side_exports_just_its_two_articles(tmp_path, corpus, make_articles):
    """Issue 19: side by side offered the left article or all; now its two first, then either, then all."""
    from tui_helpers import make_app

    from store.db import connect
    from store.sync import sync

    (corpus / "zzz-other.txt").write_text("Another story\n\nIt has a sentence of its own.\n", encoding="utf-8")
    path = tmp_path / "three.db"
    db = connect(path)
    sync(db, corpus)
    ids = [r[0] for r in db.conn.execute("SELECT id FROM articles ORDER BY file")]
    for aid in ids:
        annotate.toggle_tag(db, aid, 1, "finding", ME)
    app = make_app(db, db_path=path)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_compare(pilot, app)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        scope = app.screen.query_one("#scope", Select)
        assert scope.value == "both"
        assert [label for label, _ in app.screen.scope_labels][1:] == [
            f"Left: {app.screen_stack[-2].query_one('#view-left', ArticleView).article.title}",
            f"Right: {app.screen_stack[-2].query_one('#view-right', ArticleView).article.title}", "All articles"]
        said = await _export(pilot, tmp_path / "two.csv")
        assert "Exported: 2 rows" in said
        _, rows = read_csv(tmp_path / "two.csv")
        assert sorted(r[0] for r in rows) == sorted(f for (f,) in db.conn.execute(
            "SELECT file FROM articles WHERE id IN (?, ?)", ids[:2]))
        said = await _export(pilot, tmp_path / "right.csv", scope="right")
        assert "Exported: 1 row written to" in said
    db.close()


# --------------------------------------------------------------------------- 6b. alignment in compare
async def open_compare(pilot, app) -> tuple[CompareScreen, ArticleView, ArticleView]:
    """Library -> side by side on the first two articles (press release left), alignment shown."""
    await library_ready(pilot)
    await pilot.press("s")
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CompareScreen) and screen.alignment is not None
    return screen, screen.query_one("#view-left", ArticleView), screen.query_one("#view-right", ArticleView)


@sync_test
async def test_compare_shows_alignment_markers_reuse_and_follows(app, db, ids):
    from store.align import alignment

    expected = alignment(db, ids[0], ids[1])
    assert expected.pairs, "the real story reuses the press release"
    async with app.run_test(size=(140, 40)) as pilot:
        screen, left, right = await open_compare(pilot, app)
        reuse = str(screen.query_one("#reuse", Static).content)
        assert f"{expected.reuse.b_from_a:.0%} of its words copied" in reuse
        assert f"{len(expected.pairs)} aligned pairs" in reuse

        pair = expected.pairs[0]
        left.cursor = pair.a
        await pilot.pause()
        # the gutter of the left sentence names its partner; the right pane highlights and shows it
        first = sentence_rows(left, pair.a)[0]
        assert f"→{pair.b}" in "".join(seg.text for seg in left.render_line(first))
        assert pair.b in right.highlighted
        assert sentence_rows(right, pair.b), "the aligned sentence was scrolled into view"
        assert f"aligned with {', '.join(map(str, expected.partners_of_a(pair.a)))}" in status(screen)
        # an unaligned sentence says so in the gutter
        if expected.unaligned_b:
            right.cursor = expected.unaligned_b[0]
            await pilot.pause()
            row = sentence_rows(right, expected.unaligned_b[0])[0]
            assert " new" in "".join(seg.text for seg in right.render_line(row))

        # = unlinks the panes: no highlight follows any more
        await pilot.press("equals_sign")
        await pilot.pause()
        assert not right.highlighted
        left.cursor = expected.pairs[-1].a
        await pilot.pause()
        assert not right.highlighted


@sync_test
async def test_p_copies_tags_to_the_aligned_sentence_as_one_undo(app, db, ids):
    async with app.run_test(size=(140, 40)) as pilot:
        screen, left, right = await open_compare(pilot, app)
        pair = screen.alignment.pairs[0]
        left.cursor = pair.a
        await pilot.pause()
        await pilot.press("f", "r", "p")
        await pilot.pause()
        targets = screen.alignment.partners_of_a(pair.a)
        expected = sorted([(ids[0], pair.a, "finding", ME), (ids[0], pair.a, "response", ME)]
                          + [(ids[1], b, t, ME) for b in targets for t in ("finding", "response")])
        assert tag_rows(db) == expected
        assert "copied" in status(screen)
        await pilot.press("u")
        await pilot.pause()
        assert tag_rows(db) == sorted([(ids[0], pair.a, "finding", ME), (ids[0], pair.a, "response", ME)])
        assert not right.article.tags, "undo is reflected in the other pane at once"


@sync_test
async def test_library_b_opens_the_best_source_side_by_side(app, ids):
    async with app.run_test(size=(140, 40)) as pilot:
        await library_ready(pilot)
        await pilot.press("j", "b")  # the news story: its source is the press release
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert screen.ids == (ids[0], ids[1])


@sync_test
async def test_library_b_on_the_press_release_does_not_open_the_story_as_its_source(app, ids):
    """Issue 19 point 4: b on the release opened the story as its "source" and the header read the reuse the
    wrong way round. The story (004) puts the release's words in quotation marks: it is the copy."""
    async with app.run_test(size=(160, 40)) as pilot:
        await library_ready(pilot)
        await pilot.press("g", "b")  # the press release
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert screen.ids == (ids[0], ids[1])  # the release on the left, as the source
        await wait_for(pilot, lambda: screen.alignment is not None)
        header = str(screen.query_one("#reuse").content)
        assert header.startswith("Right reuses left (right puts 3 of the shared passages in quotation marks)")
        assert status(screen).startswith("No source found: 004_0cb13d09fd8748af.txt reuses this article")
        await pilot.press("q")
        await pilot.pause()
        app.push_screen(CompareScreen(ids[1], ids[0]))  # the story on the left: the header says it is the copy
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.alignment is not None)
        header = str(app.screen.query_one("#reuse").content)
        assert header.startswith("Left reuses right (left puts 3 of the shared passages in quotation marks): "
                                 "54% of its words copied · 43% of the right used")
