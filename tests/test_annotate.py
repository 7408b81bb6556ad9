"""store.annotate: tag/untag/toggle/clear/note, and undo/redo through the event log."""
from __future__ import annotations

import json

import pytest

from store.anchor import ANCHOR_CONTEXT
from store.annotate import clear_tags, copy_tags, redo, set_note, set_tag, toggle_tag, undo
from store.db import StoreError, connect
from store.queries import article_view
from store.sync import sync

CODEBOOK = ("finding", "response", "commitment")


def count(db, table: str) -> int:
    return db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def article_text(db, article_id: int) -> str:
    return db.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]


@pytest.fixture
def real(db, article_ids, sentences, real_article):
    """(article id, its sentences) for each real article in turn."""
    aid = article_ids[real_article]
    rows = sentences(aid)
    assert len(rows) >= 3, "a real article should have a few sentences"
    return aid, rows


# --------------------------------------------------------------------------- round trips


def test_tag_and_untag_round_trip(db, real, annotation_rows):
    aid, rows = real
    text = article_text(db, aid)
    for n, start, end, sentence in (rows[len(rows) // 2], rows[-1], rows[0]):
        action = set_tag(db, aid, n, "finding", "alice")
        assert (action.label, action.article_id, action.sentence) == ("tag finding", aid, n)
        [row] = [r for r in annotation_rows() if r["sentence"] == n]
        assert (row["tag"], row["note"], row["annotator"], row["status"]) == ("finding", None, "alice", "ok")
        assert (row["start"], row["end"], row["exact"]) == (start, end, sentence)
        assert text[row["start"]:row["end"]] == row["exact"]
        assert row["prefix"] == text[max(0, start - ANCHOR_CONTEXT):start]
        assert row["suffix"] == text[end:end + ANCHOR_CONTEXT]
        assert row["created_at"] == row["updated_at"]
        assert article_view(db, aid, "alice").tags[n] == {"finding"}

        actions = count(db, "actions")
        assert set_tag(db, aid, n, "finding", "alice") is None  # already tagged: no change, no action
        assert count(db, "actions") == actions

        assert set_tag(db, aid, n, "finding", "alice", on=False).label == "untag finding"
        assert annotation_rows() == []
        assert set_tag(db, aid, n, "finding", "alice", on=False) is None
        assert count(db, "actions") == actions + 1


def test_toggle(db, real, annotation_rows):
    aid, rows = real
    n = rows[1][0]
    on = toggle_tag(db, aid, n, "response", "alice")
    assert on.label == "tag response"
    assert [(r["sentence"], r["tag"]) for r in annotation_rows()] == [(n, "response")]
    off = toggle_tag(db, aid, n, "response", "alice")
    assert off.label == "untag response" and off.id == on.id + 1
    assert annotation_rows() == []
    # Toggling is per annotator: bob's toggle adds his own tag beside alice's.
    toggle_tag(db, aid, n, "response", "alice")
    toggle_tag(db, aid, n, "response", "bob")
    assert sorted(r["annotator"] for r in annotation_rows()) == ["alice", "bob"]


def test_several_tags_on_one_sentence_and_clear(db, real, annotation_rows):
    aid, rows = real
    n = rows[-1][0]
    for tag in CODEBOOK:
        set_tag(db, aid, n, tag, "alice")
    set_note(db, aid, n, "keeps its note", "alice")
    set_tag(db, aid, n, "finding", "bob")
    view = article_view(db, aid, "alice")
    assert view.tags == {n: set(CODEBOOK)}
    assert view.notes == {n: "keeps its note"}

    actions = count(db, "actions")
    done = clear_tags(db, aid, n, "alice")
    assert done.label == "clear tags"
    assert count(db, "actions") == actions + 1
    left = [(r["annotator"], r["tag"], r["note"]) for r in annotation_rows()]
    assert sorted(left, key=str) == sorted([("alice", None, "keeps its note"), ("bob", "finding", None)], key=str)
    assert clear_tags(db, aid, n, "alice") is None  # nothing left to clear
    assert count(db, "actions") == actions + 1


def test_note_only_update_and_removal(db, real, annotation_rows):
    aid, rows = real
    n = rows[0][0]
    first = set_note(db, aid, n, "  first thought\nsecond line  ", "alice")
    assert first.label == "note"
    [row] = annotation_rows()
    assert (row["tag"], row["note"]) == (None, "first thought\nsecond line")  # trimmed, inner newline kept
    assert article_view(db, aid, "alice").notes == {n: "first thought\nsecond line"}
    assert article_view(db, aid, "alice").tags == {}
    assert set_note(db, aid, n, "first thought\nsecond line", "alice") is None  # unchanged

    set_note(db, aid, n, "revised", "alice")
    [updated] = annotation_rows()
    assert updated["id"] == row["id"] and updated["note"] == "revised"
    assert updated["created_at"] == row["created_at"]
    assert updated["updated_at"] >= row["updated_at"]

    assert set_note(db, aid, n, "   ", "alice").label == "remove note"
    assert annotation_rows() == []
    assert set_note(db, aid, n, None, "alice") is None
    assert set_note(db, aid, n, "", "alice") is None


def test_note_is_cleaned_of_terminal_controls(db, real, annotation_rows):
    aid, rows = real
    set_note(db, aid, 1, "\x1b[31mred\x1b[0m alert\x07 \u202eevil", "alice")
    [row] = annotation_rows()
    assert row["note"] == "red alert evil"
    assert set_note(db, aid, 1, "\x1b[2J", "alice").label == "remove note"  # nothing visible left
    assert annotation_rows() == []


def test_unknown_tag_lists_the_codebook_and_writes_nothing(db, real):
    aid, rows = real
    for call in (lambda: set_tag(db, aid, 1, "findings", "alice"),
                 lambda: set_tag(db, aid, 1, "findings", "alice", on=False),
                 lambda: toggle_tag(db, aid, 1, "findings", "alice")):
        with pytest.raises(StoreError) as info:
            call()
        message = str(info.value)
        assert "findings" in message
        assert all(name in message for name in CODEBOOK)
    assert count(db, "annotations") == count(db, "actions") == count(db, "events") == 0
    assert not db.conn.in_transaction


def test_sentence_out_of_range(db, real):
    aid, rows = real
    for n in (0, len(rows) + 1):
        with pytest.raises(StoreError, match=f"no sentence {n}"):
            set_tag(db, aid, n, "finding", "alice")
        with pytest.raises(StoreError):
            set_note(db, aid, n, "x", "alice")
    assert count(db, "annotations") == count(db, "actions") == 0
    assert not db.conn.in_transaction


# --------------------------------------------------------------------------- undo / redo


def test_undo_restores_exactly_and_redo_reapplies(db, real, annotation_rows):
    aid, rows = real
    a, b = rows[0][0], rows[-1][0]
    snapshots = [annotation_rows()]
    for step in (lambda: set_tag(db, aid, a, "finding", "alice"),
                 lambda: set_note(db, aid, a, "original", "alice"),
                 lambda: set_tag(db, aid, b, "response", "alice"),
                 lambda: set_note(db, aid, a, "edited", "alice"),
                 lambda: set_tag(db, aid, a, "finding", "alice", on=False),
                 lambda: set_note(db, aid, a, None, "alice")):
        assert step() is not None
        snapshots.append(annotation_rows())
    for expected in reversed(snapshots[:-1]):
        assert undo(db, "alice") is not None
        assert annotation_rows() == expected  # ids, anchors and timestamps included
    assert undo(db, "alice") is None
    for expected in snapshots[1:]:
        assert redo(db, "alice") is not None
        assert annotation_rows() == expected
    assert redo(db, "alice") is None


def test_undo_reports_what_it_undid(db, real):
    aid, rows = real
    n = rows[1][0]
    set_tag(db, aid, n, "commitment", "alice")
    undone = undo(db, "alice")
    assert (undone.label, undone.article_id, undone.sentence) == ("tag commitment", aid, n)
    redone = redo(db, "alice")
    assert (redone.id, redone.label, redone.article_id, redone.sentence) == (undone.id, "tag commitment", aid, n)


def test_new_action_after_undo_ends_the_redo_chain(db, real, annotation_rows):
    aid, rows = real
    set_tag(db, aid, 1, "finding", "alice")
    set_tag(db, aid, 2, "finding", "alice")
    undo(db, "alice")
    set_tag(db, aid, 3, "response", "alice")
    state = annotation_rows()
    assert redo(db, "alice") is None
    assert annotation_rows() == state
    assert sorted((r["sentence"], r["tag"]) for r in state) == [(1, "finding"), (3, "response")]


def test_abandoned_branch_is_never_redone(db, real, annotation_rows):
    aid, rows = real
    set_tag(db, aid, 1, "finding", "alice")       # 1
    set_tag(db, aid, 2, "finding", "alice")       # 2
    undo(db, "alice")                             # undo 2
    set_tag(db, aid, 3, "finding", "alice")       # 3: action 2 can never come back
    history = [annotation_rows()]
    undo(db, "alice")
    history.append(annotation_rows())
    undo(db, "alice")
    assert annotation_rows() == []
    assert redo(db, "alice").label == "tag finding"
    assert annotation_rows() == history[1]
    redo(db, "alice")
    assert annotation_rows() == history[0]  # actually gets sentence 2 (from the abandoned action) instead
    assert redo(db, "alice") is None


def test_undo_of_clear_restores_every_tag_at_once(db, real, annotation_rows):
    aid, rows = real
    n = rows[-1][0]
    for tag in CODEBOOK:
        set_tag(db, aid, n, tag, "alice")
    tagged = annotation_rows()
    clear_tags(db, aid, n, "alice")
    assert annotation_rows() == []
    assert undo(db, "alice").label == "clear tags"
    assert annotation_rows() == tagged
    assert redo(db, "alice").label == "clear tags"
    assert annotation_rows() == []
    undo(db, "alice")
    assert annotation_rows() == tagged


def test_undo_is_per_annotator(db, real, annotation_rows):
    aid, rows = real
    n = rows[1][0]
    set_tag(db, aid, n, "finding", "alice")
    set_tag(db, aid, n, "finding", "bob")       # same sentence, same tag
    set_note(db, aid, n, "alice's note", "alice")
    set_tag(db, aid, n, "response", "bob")
    alice = annotation_rows("alice")
    bob_before = annotation_rows("bob")

    assert undo(db, "bob").label == "tag response"
    assert annotation_rows("alice") == alice
    assert undo(db, "bob").label == "tag finding"
    assert annotation_rows("bob") == [] and annotation_rows("alice") == alice
    assert undo(db, "bob") is None
    assert annotation_rows("alice") == alice
    # Bob's redo does not touch alice either, and alice's undo stack is intact.
    redo(db, "bob")
    redo(db, "bob")
    assert annotation_rows("bob") == bob_before
    assert undo(db, "alice").label == "note"
    assert annotation_rows("bob") == bob_before


def test_undo_never_deletes_another_annotators_row(db, real, annotation_rows):
    """An annotation id freed by one annotator must not be reused for someone else's row:
    the event log addresses rows by id, so alice's undo would delete bob's tag."""
    aid, rows = real
    set_tag(db, aid, 1, "finding", "alice")
    set_tag(db, aid, 1, "finding", "alice", on=False)   # alice's row is deleted
    set_tag(db, aid, 2, "response", "bob")              # bob's new row
    bob = annotation_rows("bob")
    assert undo(db, "alice").label == "untag finding"   # alice gets her tag back...
    assert annotation_rows("bob") == bob                # ...and bob keeps his
    assert [(r["sentence"], r["tag"]) for r in annotation_rows("alice")] == [(1, "finding")]
    assert undo(db, "alice").label == "tag finding"
    assert annotation_rows("bob") == bob


def test_annotation_ids_are_never_reused_by_the_same_annotator(db, real, annotation_rows):
    aid, rows = real
    set_tag(db, aid, 1, "finding", "alice")
    first = annotation_rows()[0]["id"]
    set_tag(db, aid, 1, "finding", "alice", on=False)
    set_tag(db, aid, 2, "finding", "alice")
    assert annotation_rows()[0]["id"] != first


def test_undo_and_redo_survive_reopening(db, db_path, real, annotation_rows):
    aid, rows = real
    n = rows[-1][0]
    set_tag(db, aid, n, "finding", "alice")
    set_note(db, aid, n, "persisted", "alice")
    full = annotation_rows()
    db.conn.close()

    second = connect(db_path)
    try:
        assert undo(second, "alice").label == "note"
        assert undo(second, "alice").label == "tag finding"
        assert second.conn.execute("SELECT count(*) FROM annotations").fetchone()[0] == 0
    finally:
        second.conn.close()

    third = connect(db_path)
    try:
        assert redo(third, "alice").label == "tag finding"
        assert redo(third, "alice").label == "note"
        cur = third.conn.execute("SELECT * FROM annotations ORDER BY id")
        cols = [d[0] for d in cur.description]
        assert [dict(zip(cols, r)) for r in cur] == full
    finally:
        third.conn.close()


def test_every_action_is_committed_at_once(db, db_path, real):
    aid, rows = real
    n = rows[0][0]
    other = connect(db_path)
    try:
        def seen():
            return sorted(other.conn.execute(
                "SELECT sentence, ifnull(tag, ''), ifnull(note, '') FROM annotations").fetchall())

        steps = [
            (lambda: set_tag(db, aid, n, "finding", "alice"), [(n, "finding", "")]),
            (lambda: set_tag(db, aid, n, "response", "alice"), [(n, "finding", ""), (n, "response", "")]),
            (lambda: set_note(db, aid, n, "n1", "alice"), [(n, "", "n1"), (n, "finding", ""), (n, "response", "")]),
            (lambda: clear_tags(db, aid, n, "alice"), [(n, "", "n1")]),
            (lambda: undo(db, "alice"), [(n, "", "n1"), (n, "finding", ""), (n, "response", "")]),
            (lambda: redo(db, "alice"), [(n, "", "n1")]),
            (lambda: toggle_tag(db, aid, n, "commitment", "alice"), [(n, "", "n1"), (n, "commitment", "")]),
            (lambda: set_note(db, aid, n, None, "alice"), [(n, "commitment", "")]),
        ]
        for step, expected in steps:
            step()
            assert not db.conn.in_transaction
            assert seen() == expected
        assert other.conn.execute("SELECT count(*) FROM actions").fetchone()[0] == 6  # undo/redo add none
    finally:
        other.conn.close()


def test_failed_action_leaves_no_trace_and_no_open_transaction(db, real, annotation_rows):
    aid, rows = real
    set_tag(db, aid, 1, "finding", "alice")
    before = (annotation_rows(), count(db, "actions"), count(db, "events"))
    with pytest.raises(StoreError):
        set_tag(db, aid, len(rows) + 5, "finding", "alice")
    assert not db.conn.in_transaction
    assert (annotation_rows(), count(db, "actions"), count(db, "events")) == before


# --------------------------------------------------------------------------- the event log


def _log(db) -> list[tuple[int, str, str, list[tuple]]]:
    out = []
    for action_id, annotator, label in db.conn.execute("SELECT id, annotator, label FROM actions ORDER BY id"):
        events = [(ann, json.loads(b) if b else None, json.loads(a) if a else None)
                  for ann, b, a in db.conn.execute(
                      "SELECT annotation_id, before, after FROM events WHERE action_id = ? ORDER BY id",
                      (action_id,))]
        out.append((action_id, annotator, label, events))
    return out


def test_event_log_one_action_per_command_with_images(db, real, annotation_rows):
    aid, rows = real
    n = rows[1][0]
    set_tag(db, aid, n, "finding", "alice")
    [tag_row] = annotation_rows()
    set_tag(db, aid, n, "response", "alice")
    set_note(db, aid, n, "v1", "alice")
    note_v1 = [r for r in annotation_rows() if r["tag"] is None][0]
    set_note(db, aid, n, "v2", "alice")
    note_v2 = [r for r in annotation_rows() if r["tag"] is None][0]
    tags_before_clear = [r for r in annotation_rows() if r["tag"] is not None]
    clear_tags(db, aid, n, "alice")
    set_tag(db, aid, n, "finding", "alice")  # tagged again after the clear
    set_tag(db, aid, n, "finding", "alice")  # no-op: no action

    log = _log(db)
    assert [label for _, _, label, _ in log] == [
        "tag finding", "tag response", "note", "note", "clear tags", "tag finding"]
    assert all(annotator == "alice" for _, annotator, _, _ in log)

    _, _, _, [(ann, before, after)] = log[0]
    assert before is None and ann == tag_row["id"]
    assert {**dict.fromkeys(tag_row), **after} == tag_row  # an insert image may leave out NULL columns
    _, _, _, [(ann, before, after)] = log[3]
    assert (before, after) == (note_v1, note_v2)
    _, _, _, events = log[4]
    assert [e[2] for e in events] == [None, None]
    assert sorted((e[1] for e in events), key=lambda r: r["id"]) == tags_before_clear
    assert all(e[0] == e[1]["id"] for e in events)


def test_undo_marks_the_action_and_redo_clears_the_mark(db, real):
    aid, rows = real
    set_tag(db, aid, 1, "finding", "alice")
    undone = undo(db, "alice")
    assert db.conn.execute("SELECT undone_at FROM actions WHERE id = ?", (undone.id,)).fetchone()[0]
    redo(db, "alice")
    assert db.conn.execute("SELECT undone_at FROM actions WHERE id = ?", (undone.id,)).fetchone()[0] is None
    assert count(db, "actions") == 1  # undo and redo are not new actions


def test_undo_after_the_article_changed_lands_on_the_right_sentence(db, corpus, article_ids, real_article):
    aid = article_ids[real_article]
    text = article_text(db, aid)
    set_tag(db, aid, 2, "finding", "alice")
    quote = db.conn.execute("SELECT exact FROM annotations").fetchone()[0]
    set_tag(db, aid, 2, "finding", "alice", on=False)
    path = corpus / real_article
    path.write_text("A brand new opening paragraph was added.\n\n" + path.read_text(encoding="utf-8"),
                    encoding="utf-8")
    sync(db, corpus)
    new_text = article_text(db, aid)
    assert new_text != text
    undo(db, "alice")
    start, end, exact, sentence = db.conn.execute(
        'SELECT start, "end", exact, sentence FROM annotations').fetchone()
    assert new_text[start:end] == exact == quote
    stored = db.conn.execute("SELECT text FROM sentences WHERE article_id = ? AND n = ?", (aid, sentence)).fetchone()
    assert stored[0] == quote


# --------------------------------------------------------------------------- copying tags


def test_copy_tags_to_aligned_sentences_is_one_undoable_action(db, article_ids, annotation_rows):
    source, target = sorted(article_ids.values())
    set_tag(db, source, 3, "finding", "ann")
    set_tag(db, source, 3, "response", "ann")
    set_tag(db, target, 5, "finding", "ann")  # already there: kept, not duplicated
    set_tag(db, source, 3, "commitment", "other")  # someone else's tag is not copied
    actions_before = count(db, "actions")

    action = copy_tags(db, source, 3, [(target, 5), (target, 6)], "ann")

    assert action is not None and action.article_id == target
    assert count(db, "actions") == actions_before + 1
    copied = {(r["sentence"], r["tag"]) for r in annotation_rows("ann") if r["article_id"] == target}
    assert copied == {(5, "finding"), (5, "response"), (6, "finding"), (6, "response")}
    target_text = article_text(db, target)
    for r in (r for r in annotation_rows("ann") if r["article_id"] == target):
        assert target_text[r["start"]:r["end"]] == r["exact"]

    undo(db, "ann")
    left = {(r["sentence"], r["tag"]) for r in annotation_rows("ann") if r["article_id"] == target}
    assert left == {(5, "finding")}
    assert copy_tags(db, source, 4, [(target, 5)], "ann") is None  # nothing to copy


# --------------------------------------------------------------------------- progress counters


def test_progress_counters_match_the_annotations_after_any_mix_of_actions(db, article_ids, corpus):
    """The trigger-kept `progress` table (the library's counts) never drifts from the annotations."""
    import random

    from store.annotate import clear_tags
    from store.sync import sync

    rng = random.Random(7)
    ids = sorted(article_ids.values())
    for _ in range(300):
        aid, n, who = rng.choice(ids), rng.randint(1, 12), rng.choice(["ann", "bea"])
        step = rng.random()
        if step < 0.5:
            toggle_tag(db, aid, n, rng.choice(CODEBOOK), who)
        elif step < 0.6:
            clear_tags(db, aid, n, who)
        elif step < 0.8:
            undo(db, who)
        else:
            redo(db, who)
    # a changed file re-anchors rows (status and sentence updates go through the triggers too)
    path = corpus / sorted(article_ids)[0]
    path.write_text("A new first paragraph pushes everything down.\n\n" + path.read_text(encoding="utf-8"),
                    encoding="utf-8")
    sync(db, corpus)

    def direct():
        rows = db.conn.execute(
            """SELECT article_id, annotator, tag, count(*) FROM annotations WHERE status = 'ok' AND tag IS NOT NULL
               GROUP BY 1, 2, 3
               UNION ALL
               SELECT article_id, annotator, '', count(DISTINCT sentence) FROM annotations
               WHERE status = 'ok' AND tag IS NOT NULL GROUP BY 1, 2""").fetchall()
        return sorted(rows)

    kept = sorted(db.conn.execute("SELECT * FROM progress WHERE sentences != 0").fetchall())
    assert kept == direct()
    assert count(db, "annotations") > 0
