"""store.codebook and `pressmark tags`: listing, adding with key validation, editing, renaming,
merging and removing tags, and the logged actions that changing annotations leaves."""
from __future__ import annotations

import json

import pytest
from conftest import REAL_ARTICLES

from store.annotate import set_note, set_tag, undo
from store.codebook import (
    CODEBOOK_ACTOR,
    RESERVED_KEYS,
    add_tag,
    check_key,
    codebook,
    edit_tag,
    free_key,
    merge_tags,
    remove_tag,
    rename_tag,
)
from store.db import DEFAULT_TAGS, StoreError, connect
from store.queries import tags

A = REAL_ARTICLES[0]


def aid(db) -> int:
    return db.conn.execute("SELECT id FROM articles WHERE file = ?", (A,)).fetchone()[0]


def tag_rows(db) -> list[tuple]:
    return sorted(db.conn.execute("SELECT sentence, annotator, tag, status FROM annotations WHERE tag IS NOT NULL"))


def test_three_default_tags(tmp_path):
    db = connect(tmp_path / "new.db")
    assert [(e.name, e.key, e.annotations) for e in codebook(db)] == [(n, k, 0) for n, k, _c, _d in DEFAULT_TAGS]
    assert [t.name for t in tags(db)] == ["finding", "response", "commitment"]


def test_reserved_keys_cover_every_key_the_tui_binds():
    """Drift guard: a one-character key bound by the app, library, reader or compare screen is reserved."""
    from textual.keys import key_to_character

    from tui.app import PressmarkApp
    from tui.screens.annotating import AnnotatingScreen
    from tui.screens.compare import CompareScreen
    from tui.screens.library import LibraryScreen

    bound = set()
    for owner in (PressmarkApp, AnnotatingScreen, CompareScreen, LibraryScreen):
        for binding in owner.BINDINGS:
            for key in binding.key.split(","):
                char = key if len(key) == 1 else key_to_character(key)
                if char is None and binding.key_display and len(binding.key_display) == 1:
                    char = binding.key_display
                if char is not None and char.isprintable() and not char.isspace():
                    bound.add(char)
    assert bound <= set(RESERVED_KEYS), sorted(bound - set(RESERVED_KEYS))


@pytest.mark.parametrize("key,problem", [
    ("j", "already uses"), ("x", "already uses"), ("/", "already uses"), ("?", "already uses"),
    ("J", "already uses"), ("F", "lower case"), ("f", "already the key of 'finding'"), ("ab", "one character"),
    ("", "one character"), (" ", "a letter a-z or a digit"), ("é", "a letter a-z or a digit"),
])
def test_bad_keys_are_refused(db, key, problem):
    with pytest.raises(StoreError, match=problem):
        add_tag(db, "background", key)
    assert "background" not in {t.name for t in tags(db)}


def test_every_reserved_letter_and_its_capital_is_refused(db):
    for key in RESERVED_KEYS:
        with pytest.raises(StoreError):
            check_key(db, key.lower())


def test_add_and_edit(db):
    entry = add_tag(db, "background", "h", "#123ABC", "Context the story gives.")
    assert (entry.key, entry.colour, entry.position) == ("h", "#123abc", 3)
    assert [t.name for t in tags(db)][-1] == "background"
    with pytest.raises(StoreError, match="already has a tag"):
        add_tag(db, "Background", "i")
    with pytest.raises(StoreError, match="#rrggbb"):
        add_tag(db, "other", "i", "red")
    with pytest.raises(StoreError, match="spaces"):
        add_tag(db, " padded", "i")
    auto = add_tag(db, "other", "i")
    assert auto.colour.startswith("#") and auto.colour not in {"#e5a50a", "#3584e4", "#2ec27e", "#123abc"}
    edited = edit_tag(db, "background", key="y", description="Changed.")
    assert (edited.key, edited.description) == ("y", "Changed.")
    assert edit_tag(db, "background", key="y").key == "y"  # its own key is no clash
    with pytest.raises(StoreError, match="already the key"):
        edit_tag(db, "background", key="f")
    with pytest.raises(StoreError, match="unknown tag 'nope'"):
        edit_tag(db, "nope", key="z")


def test_free_key_skips_reserved_and_used(db):
    assert free_key(db, "budget") == "t"  # b, u, d, g and e are reserved, t is free
    assert free_key(db, "finding") == "i"  # f is taken, i is next in the name


def test_rename_changes_every_annotation_and_is_logged_not_undone_by_a_coder(db):
    set_tag(db, aid(db), 1, "finding", "alice")
    set_tag(db, aid(db), 2, "finding", "bob")
    assert rename_tag(db, "finding", "result", by="alice") == 2
    assert {t for _, _, t, _ in tag_rows(db)} == {"result"}
    assert [t.name for t in tags(db)][0] == "result"
    actor, label = db.conn.execute("SELECT annotator, label FROM actions ORDER BY id DESC LIMIT 1").fetchone()
    assert (actor, label) == (CODEBOOK_ACTOR, "rename tag finding to result (by alice)")
    assert db.conn.execute("SELECT count(*) FROM events e JOIN actions a ON a.id = e.action_id"
                           " WHERE a.annotator = ?", (CODEBOOK_ACTOR,)).fetchone()[0] == 2
    undone = undo(db, "alice")  # alice's own last action (her tag), not the rename
    assert undone.label == "tag finding"
    assert tag_rows(db) == [(2, "bob", "result", "ok")]
    with pytest.raises(StoreError, match="already has"):
        rename_tag(db, "result", "response", by="alice")
    assert rename_tag(db, "result", "Result", by="alice") == 1  # a change of case is allowed


def test_merge_collapses_duplicates(db):
    article = aid(db)
    set_tag(db, article, 1, "finding", "alice")
    set_tag(db, article, 1, "response", "alice")  # alice has both: they collapse into one response
    set_tag(db, article, 2, "finding", "alice")
    set_tag(db, article, 1, "finding", "bob")
    change = merge_tags(db, "finding", "response", by="carol")
    assert (change.moved, change.collapsed) == (2, 1)
    assert tag_rows(db) == [(1, "alice", "response", "ok"), (1, "bob", "response", "ok"),
                            (2, "alice", "response", "ok")]
    assert "finding" not in {t.name for t in tags(db)}
    with pytest.raises(StoreError, match="itself"):
        merge_tags(db, "response", "response", by="carol")


def test_remove(db):
    article = aid(db)
    set_tag(db, article, 1, "commitment", "alice")
    set_tag(db, article, 2, "commitment", "bob")
    set_note(db, article, 2, "kept", "bob")
    with pytest.raises(StoreError, match="2 annotation"):
        remove_tag(db, "commitment", by="alice")
    assert remove_tag(db, "commitment", by="alice", delete=True).deleted == 2
    assert tag_rows(db) == [] and db.conn.execute("SELECT note FROM annotations").fetchall() == [("kept",)]
    label = db.conn.execute("SELECT label FROM actions ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert label == "remove tag commitment (by alice)"
    assert remove_tag(db, "response", by="alice").deleted == 0  # unused: no question asked
    with pytest.raises(StoreError, match="only tag"):
        remove_tag(db, "finding", by="alice")


def test_remove_moving_to_another_tag(db):
    set_tag(db, aid(db), 1, "commitment", "alice")
    change = remove_tag(db, "commitment", by="alice", to="finding")
    assert change.moved == 1 and tag_rows(db) == [(1, "alice", "finding", "ok")]


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli(run_cli, corpus):
    assert run_cli("sync", corpus).code == 0
    assert run_cli("--annotator", "alice", "tag", A, 1, "commitment").code == 0
    assert run_cli("--annotator", "bob", "tag", A, 2, "commitment").code == 0
    return run_cli


def test_cli_tags_list_and_add(cli):
    result = cli("tags")
    assert result.code == 0 and result.out.splitlines()[0].split()[:3] == ["tag", "key", "colour"]
    assert "commitment  c" in result.out
    result = cli("tags", "add", "background", "--key", "h", "--description", "Context.")
    assert result.code == 0 and "added background (key h" in result.out
    data = json.loads(cli("tags", "--format", "json").out)
    assert [(t["name"], t["key"], t["annotations"]) for t in data][-2:] == [("commitment", "c", 2),
                                                                             ("background", "h", 0)]
    result = cli("tags", "add", "other", "--key", "j")
    assert result.code == 1 and "already uses" in result.err and "Traceback" not in result.err
    assert cli("tags", "add", "other").code == 2  # --key is required
    result = cli("tags", "edit", "background", "--colour", "#00ff00")
    assert result.code == 0 and "#00ff00" in result.out


def test_cli_rename_and_merge(cli):
    result = cli("--annotator", "carol", "tags", "rename", "commitment", "promise")
    assert result.code == 0 and "(2 annotation(s))" in result.out
    result = cli("tags", "merge", "promise", "finding")
    assert result.code == 0 and "2 moved" in result.out
    assert [t["name"] for t in json.loads(cli("tags", "--format", "json").out)] == ["finding", "response"]


def test_cli_remove_refused_then_forced(cli, tmp_path):
    result = cli("tags", "remove", "commitment")
    assert result.code == 1 and "2 annotation(s) use 'commitment'" in result.err
    assert cli("tags", "remove", "commitment", "--to", "finding").code == 2  # --to needs --force
    result = cli("tags", "remove", "commitment", "--force", "--to", "finding")
    assert result.code == 0 and "2 annotation(s) moved to finding" in result.out


def test_cli_remove_delete_asks_first(cli, tmp_path):
    from click.testing import CliRunner

    import tui.cli

    runner = CliRunner()
    result = runner.invoke(tui.cli.cli, ["tags", "remove", "commitment", "--force"], input="n\n")
    assert result.exit_code != 0
    assert json.loads(cli("tags", "--format", "json").out)[2]["annotations"] == 2  # nothing deleted
    result = runner.invoke(tui.cli.cli, ["tags", "remove", "commitment", "--force"], input="y\n")
    assert result.exit_code == 0, result.output
    assert "Delete 2 annotation(s) tagged commitment?" in result.output
    assert "commitment" not in [t["name"] for t in json.loads(cli("tags", "--format", "json").out)]


def test_cli_remove_delete_with_yes(cli):
    result = cli("tags", "remove", "commitment", "--force", "--yes")
    assert result.code == 0 and "removed commitment and 2 annotation(s)" in result.out
