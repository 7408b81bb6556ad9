"""Editing the codebook: the tags coders can give, with their keys, colours and descriptions.

Adding a tag or editing its key, colour or description touches no annotation.
Renaming, merging and removing tags change annotation rows, so each is one
logged action (an ``actions`` row plus an ``events`` row per annotation
changed) -- the audit trail of who changed the coding scheme and which rows it
touched. Those actions are recorded under the actor :data:`CODEBOOK_ACTOR`
(the person's name is in the label), not under the person, so a coder's undo
(the reader's ``u``) never reverts half of a codebook change: undo replays
annotation rows only, and the codebook row itself is not in the event log.
To reverse a rename, rename back; see docs/teams.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.cleaning import clean
from store.db import Database, StoreError, write
from store.events import COLUMNS, SELECT, Recorder
from store.names import TAG_NAME_MAX, check_tag_name

# Keys the reader and library already bind (store/queries.Tag.letter shows a tag's key in capitals,
# and the reader binds the capital to "toggle and move on"), so a tag key can be none of these nor
# the capital of one. The TUI imports this tuple: add a key here when the reader starts using it.
RESERVED_KEYS = ("j", "k", "g", "G", "n", "N", "x", "e", "q", "u", "p", "b", "s", "o", "O", "a", "A", "d", "S", "v",
                 "/", ".", ",", "[", "]", "{", "}", "?", "=")

CODEBOOK_ACTOR = "(codebook)"  # the actions table's annotator for codebook changes: no coder's undo reaches them

NAME_MAX = TAG_NAME_MAX
_KEY_RE = re.compile(r"[a-z0-9]")
_COLOUR_RE = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
# Colours for new tags when none is given: distinct from the defaults and from each other.
PALETTE = ("#e01b24", "#9141ac", "#c64600", "#1c71d8", "#26a269", "#865e3c", "#f66151", "#613583",
           "#99c1f1", "#8ff0a4", "#f9f06b", "#dc8add", "#ffbe6f", "#cdab8f", "#5e5c64")


@dataclass(frozen=True, slots=True)
class CodebookEntry:
    """One tag of the codebook with how many annotation rows use it."""

    name: str
    key: str
    colour: str
    description: str
    position: int
    annotations: int  # rows with this tag, any annotator, placed or orphaned
    sentences: int  # distinct sentences carrying it (placed rows only)


def codebook(db: Database) -> list[CodebookEntry]:
    """The codebook in display order, with usage counts."""
    used = {tag: (rows, sentences) for tag, rows, sentences in db.conn.execute(
        """SELECT tag, count(*), count(DISTINCT CASE WHEN status = 'ok' THEN article_id || ':' || sentence END)
           FROM annotations WHERE tag IS NOT NULL GROUP BY tag""")}
    return [CodebookEntry(name, key, colour, description, position, *used.get(name, (0, 0)))
            for name, key, colour, description, position in db.conn.execute(
                "SELECT name, key, colour, description, position FROM tags ORDER BY position, name")]


# --------------------------------------------------------------------------- validation


def check_name(db: Database, name: str, *, new: bool = True) -> str:
    """``name`` as it will be stored; raises StoreError if it is unusable (see store.names) or, when
    ``new``, taken. Every way a tag enters (tags add and rename, merge, import) comes here."""
    check_tag_name(name or "")
    if new:
        row = db.conn.execute("SELECT name FROM tags WHERE lower(name) = lower(?)", (name,)).fetchone()
        if row:
            raise StoreError(f"the codebook already has a tag {row[0]!r}")
    return name


def check_key(db: Database, key: str, *, tag: str | None = None) -> str:
    """Validate a tag key (``tag`` is the tag being edited, whose own key is not a clash).

    One lower-case ASCII letter or digit: the reader binds the key to toggle the
    tag and its capital to toggle and move on, so neither may be a key the
    reader already uses (:data:`RESERVED_KEYS`) or another tag's key.
    """
    if key is None or len(key) != 1:
        raise StoreError(f"{key!r}: a tag key is one character")
    if {key, key.lower(), key.upper()} & set(RESERVED_KEYS):
        raise StoreError(f"{key!r}: the reader already uses {key.lower()!r} or {key.upper()!r} "
                         f"(reserved: {' '.join(RESERVED_KEYS)})")
    if key.isalpha() and key.isascii() and key.isupper():
        raise StoreError(f"{key!r}: keys are lower case ({key.lower()!r}); the capital tags and moves on")
    if not _KEY_RE.fullmatch(key):
        raise StoreError(f"{key!r}: a tag key is a letter a-z or a digit 0-9")
    row = db.conn.execute("SELECT name FROM tags WHERE lower(key) = ? AND name IS NOT ?", (key, tag)).fetchone()
    if row:
        raise StoreError(f"{key!r}: already the key of {row[0]!r}")
    return key


def check_colour(colour: str) -> str:
    if not _COLOUR_RE.fullmatch(colour or ""):
        raise StoreError(f"{colour!r}: give a colour as #rrggbb (or #rgb)")
    return colour.lower()


def _tag(db: Database, name: str) -> tuple:
    row = db.conn.execute("SELECT name, key, colour, description, position FROM tags WHERE name = ?",
                          (name,)).fetchone()
    if row is None:
        names = ", ".join(r[0] for r in db.conn.execute("SELECT name FROM tags ORDER BY position, name"))
        raise StoreError(f"unknown tag {name!r} (the codebook has: {names})")  # the words of store.annotate's
    return row


def free_key(db: Database, preferred: str | None = None) -> str | None:
    """A key no tag and no reader command uses: ``preferred`` (or the name's letters) first."""
    candidates = list(preferred or "") + list("abcdefghijklmnopqrstuvwxyz0123456789")
    for key in candidates:
        try:
            return check_key(db, key.lower())
        except StoreError:
            continue
    return None


def _free_colour(db: Database) -> str:
    used = {c.lower() for (c,) in db.conn.execute("SELECT colour FROM tags")}
    return next((c for c in PALETTE if c not in used), PALETTE[len(used) % len(PALETTE)])


# --------------------------------------------------------------------------- changes without annotations


def add_tag(db: Database, name: str, key: str, colour: str | None = None, description: str = "") -> CodebookEntry:
    """Add a tag at the end of the codebook."""
    with write(db):
        check_name(db, name)
        check_key(db, key)
        colour = check_colour(colour) if colour else _free_colour(db)
        description = " ".join(clean(description or "").split())
        position = db.conn.execute("SELECT ifnull(max(position), -1) + 1 FROM tags").fetchone()[0]
        db.conn.execute("INSERT INTO tags (name, key, colour, description, position) VALUES (?, ?, ?, ?, ?)",
                        (name, key, colour, description, position))
    return CodebookEntry(name, key, colour, description, position, 0, 0)


def edit_tag(db: Database, name: str, *, key: str | None = None, colour: str | None = None,
             description: str | None = None) -> CodebookEntry:
    """Change a tag's key, colour or description (not its name: see :func:`rename_tag`)."""
    with write(db):
        _tag(db, name)
        changes = {}
        if key is not None:
            changes["key"] = check_key(db, key, tag=name)
        if colour is not None:
            changes["colour"] = check_colour(colour)
        if description is not None:
            changes["description"] = " ".join(clean(description).split())
        if changes:
            db.conn.execute(f"UPDATE tags SET {', '.join(f'{c} = ?' for c in changes)} WHERE name = ?",
                            [*changes.values(), name])
    return next(e for e in codebook(db) if e.name == name)


def add_missing_tag(db: Database, name: str, *, key: str | None = None, colour: str | None = None,
                    description: str = "") -> str | None:
    """Make sure ``name`` is in the codebook (for merge and import); returns the key given when added.

    The tag keeps ``key`` when that is free and allowed, else it gets the first
    free one. An unusable name, or no free key left, raises StoreError.
    """
    with write(db):
        if db.conn.execute("SELECT 1 FROM tags WHERE name = ?", (name,)).fetchone():
            return None
        check_name(db, name)
        chosen = free_key(db, (key or "") + name.lower())
        if chosen is None:
            raise StoreError(f"cannot add tag {name!r}: no free key is left in the codebook")
        try:
            colour = check_colour(colour) if colour else _free_colour(db)
        except StoreError:
            colour = _free_colour(db)
        add_tag(db, name, chosen, colour, description)
        return chosen


# --------------------------------------------------------------------------- changes to annotations


def _rows_with_tag(db: Database, tag: str) -> list[dict]:
    return [dict(zip(COLUMNS, r)) for r in db.conn.execute(f"{SELECT} WHERE tag = ? ORDER BY id", (tag,))]


def _recorder(db: Database, label: str, by: str) -> Recorder:
    return Recorder(db, CODEBOOK_ACTOR, f"{label} (by {by})")


def rename_tag(db: Database, old: str, new: str, by: str) -> int:
    """Rename tag ``old`` to ``new`` everywhere; returns how many annotation rows changed."""
    with write(db):
        _tag(db, old)
        if new.lower() == old.lower() and new != old:
            check_name(db, new, new=False)
        else:
            check_name(db, new)
        db.conn.execute("UPDATE tags SET name = ? WHERE name = ?", (new, old))
        rec = _recorder(db, f"rename tag {old} to {new}", by)
        rows = _rows_with_tag(db, old)
        for row in rows:
            rec.update(row, tag=new)
    return len(rows)


def _move(db: Database, rec: Recorder, source: str, target: str) -> tuple[int, int]:
    """Give ``source``'s rows the tag ``target``; a row that would duplicate one is deleted.

    Returns (moved, collapsed).
    """
    moved = collapsed = 0
    for row in _rows_with_tag(db, source):
        duplicate = row["status"] == "ok" and db.conn.execute(
            "SELECT 1 FROM annotations WHERE article_id = ? AND sentence = ? AND annotator = ? AND tag = ?"
            " AND status = 'ok'", (row["article_id"], row["sentence"], row["annotator"], target)).fetchone()
        if duplicate:
            rec.delete(row)
            collapsed += 1
        else:
            rec.update(row, tag=target)
            moved += 1
    return moved, collapsed


@dataclass(frozen=True, slots=True)
class TagChange:
    moved: int = 0  # rows that now carry the other tag
    collapsed: int = 0  # rows deleted because the annotator already had the other tag there
    deleted: int = 0  # rows deleted with the tag


def merge_tags(db: Database, source: str, target: str, by: str) -> TagChange:
    """Fold tag ``source`` into ``target``: its annotations become ``target`` and it leaves the codebook."""
    if source == target:
        raise StoreError("cannot merge a tag into itself")
    with write(db):
        _tag(db, source)
        _tag(db, target)
        moved, collapsed = _move(db, _recorder(db, f"merge tag {source} into {target}", by), source, target)
        db.conn.execute("DELETE FROM tags WHERE name = ?", (source,))
    return TagChange(moved, collapsed)


def usage(db: Database, name: str) -> int:
    """How many annotation rows (placed or orphaned, any annotator) carry tag ``name``."""
    return db.conn.execute("SELECT count(*) FROM annotations WHERE tag = ?", (name,)).fetchone()[0]


def remove_tag(db: Database, name: str, by: str, *, to: str | None = None, delete: bool = False) -> TagChange:
    """Take ``name`` out of the codebook.

    Refused while annotations use it, unless ``to`` names the tag they move to
    (as :func:`merge_tags`) or ``delete`` is set (they are deleted, logged). The
    last tag cannot be removed.
    """
    with write(db):
        _tag(db, name)
        if db.conn.execute("SELECT count(*) FROM tags").fetchone()[0] <= 1:
            raise StoreError(f"{name!r} is the only tag; add another before removing it")
        if to is not None:
            change = merge_tags(db, name, to, by)
            return change
        used = usage(db, name)
        if used and not delete:
            raise StoreError(f"{used} annotation(s) use {name!r}; move them to another tag or delete them "
                             "(tags remove --force --to TAG, or --force to delete)")
        rec = _recorder(db, f"remove tag {name}", by)
        rows = _rows_with_tag(db, name)
        for row in rows:
            rec.delete(row)
        db.conn.execute("DELETE FROM tags WHERE name = ?", (name,))
    return TagChange(deleted=len(rows))

