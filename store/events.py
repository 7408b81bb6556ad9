"""The event log: every change to an annotation row is recorded, inside its transaction, as part of one action.

A :class:`Recorder` is one user action (one row in ``actions``, the undo unit); each row it inserts, deletes
or updates gets an ``events`` row with JSON images of the row before and after, which undo and redo
(``store.annotate``) replay. Tagging, codebook changes, merges, imports and accepted suggestions all write
through it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from store.db import Database, now
from store.names import check_annotator

__all__ = ["COLUMNS", "SELECT", "Recorder", "annotation_row", "restore_suggestion"]

COLUMNS = ("id", "article_id", "sentence", "start", "end", "exact", "prefix", "suffix",
            "tag", "note", "annotator", "created_at", "updated_at", "status")
SELECT = "SELECT " + ", ".join(f'"{c}"' for c in COLUMNS) + " FROM annotations"


def annotation_row(db: Database, where: str, params: Iterable) -> dict | None:
    """The first annotation row matching ``where``, as a dict of ``COLUMNS``."""
    row = db.conn.execute(f"{SELECT} WHERE {where}", tuple(params)).fetchone()
    return dict(zip(COLUMNS, row)) if row else None


class Recorder:
    """Applies row changes inside one transaction and logs them as one action."""

    def __init__(self, db: Database, annotator: str, label: str):
        check_annotator(annotator)  # every action that writes is recorded under a name that can be shown
        self.db, self.annotator, self.label = db, annotator, label
        self.action_id: int | None = None

    def _log(self, annotation_id: int, before: dict | None, after: dict | None) -> None:
        conn = self.db.conn
        if self.action_id is None:
            # A new action ends the redo chain: what was undone before it can no longer be redone.
            conn.execute("UPDATE actions SET discarded_at = ? WHERE annotator = ? AND undone_at IS NOT NULL"
                         " AND discarded_at IS NULL", (now(), self.annotator))
            self.action_id = conn.execute(
                "INSERT INTO actions (annotator, label, at) VALUES (?, ?, ?)",
                (self.annotator, self.label, now()),
            ).lastrowid
        conn.execute(
            "INSERT INTO events (action_id, annotation_id, before, after) VALUES (?, ?, ?, ?)",
            (self.action_id, annotation_id,
             json.dumps(before) if before else None, json.dumps(after) if after else None),
        )

    def insert(self, row: dict) -> None:
        cols = [c for c in COLUMNS if c in row]
        cur = self.db.conn.execute(
            f"INSERT INTO annotations ({', '.join(repr(c) for c in cols)}) VALUES ({', '.join('?' * len(cols))})",
            [row[c] for c in cols],
        )
        self._log(cur.lastrowid, None, {**row, "id": cur.lastrowid})

    def delete(self, row: dict) -> None:
        self.db.conn.execute("DELETE FROM annotations WHERE id = ?", (row["id"],))
        self._log(row["id"], row, None)

    def update(self, row: dict, **changes) -> None:
        after = {**row, **changes}
        sets = ", ".join(f'"{c}" = ?' for c in changes)
        self.db.conn.execute(f"UPDATE annotations SET {sets} WHERE id = ?", [*changes.values(), row["id"]])
        self._log(row["id"], row, after)

    def suggestion(self, image: dict, status: str) -> None:
        """Set a suggestion's status (dismissed or open again), logged so that undo and redo replay it too. Its
        event has annotation id 0 (no annotation's) and images that say ``suggestion``: see restore_suggestion."""
        before = {**image, "suggestion": True}
        restore_suggestion(self.db, {**before, "status": status})
        self._log(0, before, {**before, "status": status})


def restore_suggestion(db: Database, image: dict) -> None:
    """Give the suggestion ``image`` names its status again. It is found by sentence text and tag, as dismissals
    are kept (store.suggest): suggestions are stored afresh, with new ids, whenever they are recomputed. A
    dismissal kept after its sentence went away (sentence 0) has nothing left to reopen and goes."""
    key = (image["article_id"], image["tag"], image["exact"])
    if image["status"] == "open":
        db.conn.execute("DELETE FROM suggestions WHERE article_id = ? AND tag = ? AND exact = ? AND sentence = 0", key)
    db.conn.execute("UPDATE suggestions SET status = ?, updated_at = ? WHERE article_id = ? AND tag = ? AND exact = ?",
                    (image["status"], now(), *key))
