"""Annotation actions: tag, untag, clear, note, and undo/redo through the event log (which replays dismissing
a suggestion too).

Each public function is one user action: one committed transaction, one row in
``actions`` and an ``events`` row (JSON before/after image) per annotation row
it touched. Undo and redo replay those images, so they work across screens,
processes and restarts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from store.anchor import ANCHOR_CONTEXT, anchor_row
from store.cleaning import clean
from store.db import Database, StoreError, now, write
from store.events import COLUMNS, Recorder, annotation_row, restore_suggestion
from store.sentences import span


@dataclass(frozen=True, slots=True)
class Action:
    """A committed user action, as reported back to the UI."""

    id: int
    label: str
    article_id: int | None
    sentence: int | None


def _anchor(db: Database, article_id: int, n: int) -> dict:
    """The sentence's offsets, text and surrounding context, read without loading the article."""
    offsets = span(db, article_id, n)
    if offsets is None:
        raise StoreError(f"article {article_id} has no sentence {n}")
    start, end = offsets
    # One substr (it counts characters from the start of the text) for the context and the sentence.
    lo = max(start - ANCHOR_CONTEXT, 0)
    around = db.conn.execute("SELECT substr(text, ?, ?) FROM articles WHERE id = ?",
                             (lo + 1, end + ANCHOR_CONTEXT - lo, article_id)).fetchone()[0]
    prefix, exact, suffix = around[:start - lo], around[start - lo:end - lo], around[end - lo:]
    return {"article_id": article_id, "sentence": n, "start": start, "end": end,
            "exact": exact, "prefix": prefix, "suffix": suffix}


def check_known_tag(db: Database, tag: str) -> None:
    """Refuse a tag the codebook does not have, naming those it has."""
    if db.conn.execute("SELECT 1 FROM tags WHERE name = ?", (tag,)).fetchone() is None:
        names = ", ".join(r[0] for r in db.conn.execute("SELECT name FROM tags ORDER BY position"))
        raise StoreError(f"unknown tag {tag!r} (the codebook has: {names})")


def new_row(db: Database, article_id: int, n: int, annotator: str, **fields) -> dict:
    """A new annotation row on sentence ``n``, anchored to its text, for a ``Recorder`` to insert."""
    stamp = now()
    return {**_anchor(db, article_id, n), "annotator": annotator,
            "created_at": stamp, "updated_at": stamp, "status": "ok", **fields}


def tag_row(db: Database, article_id: int, n: int, tag: str, annotator: str) -> dict | None:
    """The annotator's row of ``tag`` on sentence ``n``, if any."""
    return annotation_row(db, "article_id = ? AND sentence = ? AND tag = ? AND annotator = ? AND status = 'ok'",
                          (article_id, n, tag, annotator))


def set_tag(db: Database, article_id: int, n: int, tag: str, annotator: str, on: bool = True) -> Action | None:
    """Add (``on``) or remove a tag on sentence ``n``; None when nothing changed."""
    with write(db):
        check_known_tag(db, tag)
        existing = tag_row(db, article_id, n, tag, annotator)
        if bool(existing) == on:
            return None
        rec = Recorder(db, annotator, f"{'tag' if on else 'untag'} {tag}")
        if on:
            rec.insert(new_row(db, article_id, n, annotator, tag=tag))
        else:
            rec.delete(existing)
    return Action(rec.action_id, rec.label, article_id, n)


def toggle_tag(db: Database, article_id: int, n: int, tag: str, annotator: str) -> Action:
    """Flip a tag on sentence ``n`` (the reader's f/r/c keys)."""
    with write(db):
        on = tag_row(db, article_id, n, tag, annotator) is None
        return set_tag(db, article_id, n, tag, annotator, on)


def copy_tags(db: Database, article_id: int, n: int, targets: Iterable[tuple[int, int]],
              annotator: str) -> Action | None:
    """Give each (article, sentence) in ``targets`` the tags ``annotator`` has on sentence ``n``.

    One undoable action (the compare screen's ``p`` on an aligned pair); tags
    already present are left alone, so nothing is removed. None when nothing changed.
    """
    with write(db):
        tags = [t for (t,) in db.conn.execute(
            "SELECT tag FROM annotations WHERE article_id = ? AND sentence = ? AND annotator = ?"
            " AND tag IS NOT NULL AND status = 'ok' ORDER BY id", (article_id, n, annotator))]
        rec = Recorder(db, annotator, f"copy {', '.join(tags)}")
        first = None
        for target_article, target_n in targets:
            for tag in tags:
                if tag_row(db, target_article, target_n, tag, annotator) is None:
                    rec.insert(new_row(db, target_article, target_n, annotator, tag=tag))
                    first = first or (target_article, target_n)
        if first is None:
            return None
    return Action(rec.action_id, rec.label, *first)


def clear_tags(db: Database, article_id: int, n: int, annotator: str) -> Action | None:
    """Remove every tag of ``annotator`` on sentence ``n`` as one undoable action."""
    with write(db):
        rows = [annotation_row(db, "id = ?", (i,)) for (i,) in db.conn.execute(
            "SELECT id FROM annotations WHERE article_id = ? AND sentence = ? AND annotator = ?"
            " AND tag IS NOT NULL AND status = 'ok'", (article_id, n, annotator))]
        if not rows:
            return None
        rec = Recorder(db, annotator, "clear tags")
        for row in rows:
            rec.delete(row)
    return Action(rec.action_id, rec.label, article_id, n)


def set_note(db: Database, article_id: int, n: int, note: str | None, annotator: str) -> Action | None:
    """Set, change or (with an empty/None note) remove the note on sentence ``n``."""
    note = clean(note or "") or None  # notes are untrusted text too: no control sequences
    with write(db):
        existing = annotation_row(
            db, "article_id = ? AND sentence = ? AND annotator = ? AND tag IS NULL AND status = 'ok'",
            (article_id, n, annotator))
        if (existing["note"] if existing else None) == note:
            return None
        rec = Recorder(db, annotator, "note" if note else "remove note")
        if existing is None:
            rec.insert(new_row(db, article_id, n, annotator, note=note))
        elif note is None:
            rec.delete(existing)
        else:
            rec.update(existing, note=note, updated_at=now())
    return Action(rec.action_id, rec.label, article_id, n)


def _restore(db: Database, annotation_id: int, image: str | None) -> None:
    db.conn.execute("DELETE FROM annotations WHERE id = ?", (annotation_id,))
    if image is not None:
        row = {**json.loads(image), "status": "orphan"}  # until anchor_row has placed it
        db.conn.execute(
            f"INSERT INTO annotations ({', '.join(repr(c) for c in COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            [row.get(c) for c in COLUMNS],
        )
        # The article may have changed since the image was taken: place the row again by its quote.
        anchor_row(db, annotation_id)


def _replay(db: Database, action_id: int, forward: bool) -> Action:
    events = db.conn.execute(
        f"SELECT annotation_id, before, after FROM events WHERE action_id = ? ORDER BY id {'' if forward else 'DESC'}",
        (action_id,),
    ).fetchall()
    first = None
    for annotation_id, before, after in events:
        image = after if forward else before
        if annotation_id == 0:  # a suggestion dismissed or reopened (Recorder.suggestion)
            restore_suggestion(db, json.loads(image))
        else:
            _restore(db, annotation_id, image)
        first = first or json.loads(before or after)
    db.conn.execute("UPDATE actions SET undone_at = ? WHERE id = ?", (None if forward else now(), action_id))
    label = db.conn.execute("SELECT label FROM actions WHERE id = ?", (action_id,)).fetchone()[0]
    where = (annotation_row(db, "id = ?", (first.get("id"),)) or first) if first else None  # where it was re-anchored to
    return Action(action_id, label, where and where["article_id"], where and where["sentence"])


def undo(db: Database, annotator: str) -> Action | None:
    """Undo ``annotator``'s most recent action that is still done."""
    with write(db):
        row = db.conn.execute(
            "SELECT max(id) FROM actions WHERE annotator = ? AND undone_at IS NULL", (annotator,)
        ).fetchone()
        return _replay(db, row[0], forward=False) if row[0] else None


def redo(db: Database, annotator: str) -> Action | None:
    """Redo the earliest action still on the redo chain (a new action discards the chain)."""
    with write(db):
        row = db.conn.execute(
            """
            SELECT min(id) FROM actions WHERE annotator = ? AND undone_at IS NOT NULL AND discarded_at IS NULL
            """,
            (annotator,),
        ).fetchone()
        return _replay(db, row[0], forward=True) if row[0] else None
