"""store.suggest: the labelled-set evaluation, the cue codebook, stored suggestions, accept/undo, and the CLI."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import ARTICLES

from store.annotate import redo, set_tag, undo
from store.cues import DEFAULT_CUES, Cue, cues_csv, default_cues, load_cues, parse_cues, propose, save_cues
from store.db import connect
from store.errors import StoreError
from store.files import read_article
from store.queries import article_view
from store.schema import _DEFAULT_CUES_V11, _DEFAULT_CUES_V13, MIGRATIONS, _v13_default_cues, _v15_article_cues
from store.segment import segment
from store.speakers import Speaker, attribute
from store.suggest import (
    accept,
    accept_all,
    article_suggestions,
    dismiss,
    evaluate,
    export_cues,
    import_cues,
    open_suggestions,
    reopen,
    suggest,
    suggested_annotations,
)
from store.sync import sync

EVAL = Path(__file__).parent / "data" / "suggest_eval.json"
TAGS = ("finding", "response", "commitment")
RELEASE, STORY = "000_946a8aef52dcef49.txt", "004_0cb13d09fd8748af.txt"


# --------------------------------------------------------------------------- the labelled set


def load_cases() -> list[dict]:
    cases = json.loads(EVAL.read_text(encoding="utf-8"))["texts"]
    for case in cases:
        if "file" in case:
            case["text"] = read_article(ARTICLES / case["file"]).text
    return cases


def test_labelled_set_is_well_formed():
    cases = load_cases()
    files = {c["file"] for c in cases if "file" in c}
    assert files == {RELEASE, STORY}
    own = [c for c in cases if "file" not in c]
    assert len(own) >= 3 and any(c["held_out"] for c in own) and not any(c["held_out"] for c in cases if "file" in c)
    for case in cases:
        text = case["text"]
        # Sentence texts, not only numbers: exactly what store.segment (and so sync and `show`) cuts.
        assert [text[s.start:s.end] for s in segment(text)] == [s["text"] for s in case["sentences"]], case["name"]
        if "file" not in case:
            assert 8 <= len(case["sentences"]) <= 20, case["name"]
        for s in case["sentences"]:
            assert set(s["tags"]) <= set(TAGS) and len(set(s["tags"])) == len(s["tags"])
            assert (s["speaker"] is None) <= (s["speaker_role"] is None)


def report(name: str, result: dict) -> str:
    lines = [f"{name}: {result['sentences']} sentences"]
    for t in TAGS:
        s = result["tags"][t]
        lines.append(f"  {t:10} P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f}")
    o, sp = result["overall"], result["speaker"]
    lines.append(f"  overall    P {o['precision']:.3f} R {o['recall']:.3f} F1 {o['f1']:.3f}")
    lines.append(f"  speaker accuracy {sp['accuracy']:.3f} ({sp['correct']}/{sp['total']})")
    return "\n".join(lines)


def test_suggestions_and_speakers_meet_the_targets(capsys):
    cases = load_cases()
    everything = evaluate(cases)
    held_out = evaluate([c for c in cases if c["held_out"]])
    with capsys.disabled():
        print("\n" + report("labelled set, all", everything) + "\n" + report("held out", held_out))
    # Targets (issue 8): overall F1 >= 0.7, speaker accuracy >= 0.9; on the held-out texts too.
    for result in (everything, held_out):
        assert result["overall"]["f1"] >= 0.7
        assert result["speaker"]["accuracy"] >= 0.9
        for t in TAGS:
            assert result["tags"][t]["f1"] >= 0.7, t
    # What was measured when this test was written (a regression guard, not a target): 0.95 and 0.94 before
    # issue 16. A document has no speaker now (docs/labelling.md §4.1), so "Its report … found" and "It
    # recommends" no longer get the "is an inspector" speaker cue: 0.946 and 0.898. Cues that read the article
    # (a respondent's words on the report or its rating are no finding): 0.965 and 0.962.
    assert everything["overall"]["f1"] >= 0.96 and held_out["overall"]["f1"] >= 0.96
    assert everything["speaker"]["accuracy"] >= 0.99


def test_the_suggester_beats_tagging_every_quotation_a_response():
    cases = load_cases()
    ours = evaluate(cases)["overall"]["f1"]
    tp = fp = fn = 0
    for case in cases:
        for s, speaker in zip(case["sentences"], attribute(case["text"], segment(case["text"]))):
            got = {"response"} if speaker and speaker.quoted else set()
            want = set(s["tags"])
            tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    baseline = 2 * tp / (2 * tp + fp + fn)
    assert ours > baseline + 0.3


def test_evaluate_refuses_labels_that_are_not_the_segmentation():
    with pytest.raises(ValueError, match="segmentation"):
        evaluate([{"name": "bad", "text": "One. Two.", "sentences": [{"text": "One. Two.", "tags": []}]}])


# --------------------------------------------------------------------------- rules and reasons


def test_reason_names_the_cue():
    texts = ["Ofsted acknowledge that a new team is in place."]
    cues = [Cue("finding", "phrase", "acknowledge that")]
    assert propose(texts, [None], cues) == [(1, "finding", "cue: 'acknowledge that' — finding")]


def test_speaker_cues_negative_weights_and_conditions():
    cues = default_cues()
    inspector = Speaker("Karen Walsh", "the CQC’s head of inspection", True)
    manager = Speaker("Paul Ingram", "managing director", True)
    by_inspector = {t: r for _, t, r in propose(["We found that people were not always safe."], [inspector], cues)}
    # A finder stating what it found is not responding (docs/labelling.md, section 3.2): the manager accepts.
    by_manager = {t: r for _, t, r in propose(["We accept that people were not always safe."], [manager], cues)}
    assert "response" not in by_inspector and "finding" in by_inspector  # held back by the -3 cue
    assert "Karen Walsh is an inspector" in by_inspector["finding"]
    assert "response" in by_manager and "Paul Ingram speaks" in by_manager["response"]
    # "we are" only counts in a quotation; "would" only in reported speech.
    assert propose(["Then we are done."], [None], [Cue("response", "phrase", "we are", "quoted")]) == []
    reported = Speaker("Tom Briggs", None, False)
    assert propose(["He said he would act."], [reported], [Cue("commitment", "phrase", "would", "reported")])
    assert not propose(["He said he would act."], [manager], [Cue("commitment", "phrase", "would", "reported")])


def test_phrases_match_whole_words_and_either_apostrophe():
    cues = [Cue("finding", "phrase", "children's services"), Cue("commitment", "phrase", "will")]
    assert [t for _, t, _ in propose(["Children’s services   improved."], [None], cues)] == ["finding"]
    assert propose(["Goodwill abounds."], [None], cues) == []


# --------------------------------------------------------------------------- the codebook


def test_default_codebook_parses_and_round_trips():
    cues = default_cues()
    assert {c.tag for c in cues} == set(TAGS) and len(cues) > 40
    assert parse_cues(cues_csv(cues)) == cues
    assert parse_cues(DEFAULT_CUES) == cues


def test_migration_seeds_the_codebook(db):
    assert load_cues(db) == default_cues()


@pytest.mark.parametrize("edited", [False, True])
def test_the_previous_default_codebook_is_replaced_but_an_edited_one_is_kept(tmp_path, edited):
    previous = (Path(__file__).parent / "data" / "cues_v11.csv").read_text(encoding="utf-8")
    assert hashlib.sha256(previous.encode()).hexdigest() == _DEFAULT_CUES_V11  # it is schema 11's default
    cues = parse_cues(previous)
    if edited:
        cues = cues[:-1]
    old = connect(tmp_path / "old.db", target=MIGRATIONS.index(_v13_default_cues))
    save_cues(old, cues)
    old.close()
    assert load_cues(connect(tmp_path / "old.db")) == (cues if edited else default_cues())


@pytest.mark.parametrize("edited", [False, True])
def test_schema_13s_default_codebook_is_replaced_but_an_edited_one_is_kept(tmp_path, edited):
    previous = (Path(__file__).parent / "data" / "cues_v13.csv").read_text(encoding="utf-8")
    assert hashlib.sha256(previous.encode()).hexdigest() == _DEFAULT_CUES_V13  # schemas 13 and 14's default
    cues = parse_cues(previous)
    if edited:
        cues = cues[1:]
    old = connect(tmp_path / "old.db", target=MIGRATIONS.index(_v15_article_cues))
    save_cues(old, cues)
    old.close()
    new = connect(tmp_path / "old.db")
    assert load_cues(new) == (cues if edited else default_cues())
    assert any(c.when == "respondent" for c in default_cues())  # which the table now takes
    save_cues(new, [Cue("response", "speaker", ".", "finder", -3)])
    assert load_cues(new) == [Cue("response", "speaker", ".", "finder", -3)]


@pytest.mark.parametrize("content, message", [
    ("tag,match,cue\nnope,phrase,x\n", "unknown tag 'nope'"),
    ("tag,match,cue\nfinding,fuzzy,x\n", "match must be one of"),
    ("tag,match,cue\nfinding,regex,(\n", "bad regular expression"),
    ("tag,match,cue,when\nfinding,phrase,x,sometimes\n", "when must be one of"),
    ("tag,match,cue,weight\nfinding,phrase,x,heavy\n", "weight must be a number"),
    ("tag,match,cue\nfinding,phrase,\n", "empty cue"),
    ("name,value\na,b\n", "not a cue codebook"),
])
def test_import_refuses_a_bad_codebook_and_changes_nothing(db, tmp_path, content, message):
    before = load_cues(db)
    path = tmp_path / "cues.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StoreError, match=message):
        import_cues(db, path)
    assert load_cues(db) == before


def test_export_edit_import(db, tmp_path, article_ids):
    path = tmp_path / "cues.csv"
    export_cues(db, path)
    assert parse_cues(path.read_text(encoding="utf-8")) == default_cues()
    path.write_text("tag,match,cue,when,weight,note\ncommitment,phrase,letter from ofsted,any,1,my cue\n",
                    encoding="utf-8")
    assert import_cues(db, path) == 1
    got = suggest(db, article_ids[RELEASE])
    assert [(s.n, s.tag, s.reason) for s in got] == [(22, "commitment", "cue: my cue — commitment")]


def test_export_never_overwrites_the_database(db, db_path):
    with pytest.raises(StoreError, match="pressmark database"):
        export_cues(db, db_path)


# --------------------------------------------------------------------------- stored suggestions


@pytest.fixture
def aid(article_ids) -> int:
    return article_ids[RELEASE]


def annotation_count(db) -> int:
    return db.conn.execute("SELECT count(*) FROM annotations").fetchone()[0]


def test_suggest_stores_suggestions_apart_from_annotations(db, aid):
    got = suggest(db, aid, "alice")
    assert got and annotation_count(db) == 0
    assert {(s.n, s.tag) for s in got} >= {(6, "finding"), (12, "response"), (21, "commitment")}
    assert all(s.reason.endswith(f"— {s.tag}") and s.status == "open" for s in got)
    assert open_suggestions(db, aid, "alice") == got
    assert suggest(db, aid, "alice") == got  # recomputing changes nothing
    stored = db.conn.execute("SELECT count(*) FROM suggestions WHERE article_id = ?", (aid,)).fetchone()[0]
    assert stored == len(got)


def test_only_untagged_sentences_get_suggestions(db, aid):
    set_tag(db, aid, 12, "commitment", "alice")  # alice decided on sentence 12 (even if differently)
    assert 12 not in {s.n for s in suggest(db, aid, "alice")}
    assert 12 in {s.n for s in suggest(db, aid, "bob")}


def test_accept_makes_a_tag_and_records_that_it_came_from_a_suggestion(db, aid, annotation_rows):
    suggest(db, aid)
    action = accept(db, aid, 21, "alice")
    assert action.label == "accept suggestions: response, commitment" and action.sentence == 21
    rows = annotation_rows("alice")
    assert sorted(r["tag"] for r in rows) == ["commitment", "response"] and {r["sentence"] for r in rows} == {21}
    assert suggested_annotations(db, aid) == {r["id"] for r in rows}
    assert {s.status for s in article_suggestions(db, aid, "alice") if s.n == 21} == {"accepted"}
    assert 21 not in {s.n for s in open_suggestions(db, aid, "alice")}
    assert accept(db, aid, 21, "alice") is None  # nothing left to accept there
    assert accept(db, aid, 12, "alice", tag="finding").label == "accept suggestion: finding"
    set_tag(db, aid, 2, "finding", "alice")
    assert len(suggested_annotations(db, aid)) == 3  # a hand-made tag is not from a suggestion


def test_accept_all_is_one_undoable_action(db, aid, annotation_rows):
    shown = suggest(db, aid, "alice")
    action = accept_all(db, aid, "alice")
    assert action.label == f"accept {len(shown)} suggestions"
    assert sorted((r["sentence"], r["tag"]) for r in annotation_rows("alice")) == sorted((s.n, s.tag) for s in shown)
    assert db.conn.execute("SELECT count(*) FROM actions").fetchone()[0] == 1
    assert open_suggestions(db, aid, "alice") == []
    undone = undo(db, "alice")
    assert undone.id == action.id and annotation_count(db) == 0
    assert open_suggestions(db, aid, "alice") == shown  # open again
    redo(db, "alice")
    assert len(annotation_rows("alice")) == len(shown) and open_suggestions(db, aid, "alice") == []
    assert accept_all(db, aid, "alice") is None


def test_dismiss_survives_recomputing_and_can_be_reopened(db, aid):
    suggest(db, aid)
    assert dismiss(db, aid, 21, "commitment") == 1
    assert (21, "commitment") not in {(s.n, s.tag) for s in suggest(db, aid, "alice")}
    assert (21, "response") in {(s.n, s.tag) for s in open_suggestions(db, aid, "alice")}
    assert {s.status for s in article_suggestions(db, aid) if (s.n, s.tag) == (21, "commitment")} == {"dismissed"}
    assert dismiss(db, aid, 21) == 1  # the rest of the sentence's
    assert 21 not in {s.n for s in suggest(db, aid, "alice")}
    assert accept(db, aid, 21, "alice") is None and annotation_count(db) == 0
    assert reopen(db, aid, 21, "commitment") == 1
    assert [s.tag for s in open_suggestions(db, aid, "alice", 21)] == ["commitment"]


def test_a_dismissal_is_undone_and_redone_like_a_tag(db, aid):
    """Issue 19 point 3: d, then u, undid the action before the dismissal."""
    suggest(db, aid)
    set_tag(db, aid, 3, "finding", "alice")
    assert dismiss(db, aid, 21, by="alice") == 2
    assert 21 not in {s.n for s in suggest(db, aid, "alice", train=False)}  # recomputed: still dismissed
    undone = undo(db, "alice")
    assert undone.label == "dismiss suggestions: commitment, response" and (undone.article_id, undone.sentence) == (aid, 21)
    assert sorted(s.tag for s in open_suggestions(db, aid, "alice", 21)) == ["commitment", "response"]
    assert annotation_count(db) == 1  # the tag made before it is still there
    assert sorted(s.tag for s in suggest(db, aid, "alice", train=False) if s.n == 21) == ["commitment", "response"]
    assert redo(db, "alice").id == undone.id
    assert open_suggestions(db, aid, "alice", 21) == []
    assert 21 not in {s.n for s in suggest(db, aid, "alice", train=False)}
    assert undo(db, "alice").id == undone.id and undo(db, "alice").label == "tag finding"
    assert annotation_count(db) == 0


def test_dismissals_follow_the_sentence_text_through_edits(db, corpus, aid):
    suggest(db, aid)
    target = db.conn.execute("SELECT text FROM sentences WHERE article_id = ? AND n = 21", (aid,)).fetchone()[0]
    dismiss(db, aid, 21, "commitment")
    path = corpus / RELEASE
    path.write_text("A new opening sentence about the council.\n\n" + path.read_text(encoding="utf-8"),
                    encoding="utf-8")
    sync(db, corpus)
    n = db.conn.execute("SELECT n FROM sentences WHERE article_id = ? AND text = ?", (aid, target)).fetchone()[0]
    assert n == 22
    assert open_suggestions(db, aid, "alice") == []  # stale: made for the old sentence numbers
    fresh = suggest(db, aid, "alice")
    assert (22, "commitment") not in {(s.n, s.tag) for s in fresh} and (22, "response") in {(s.n, s.tag) for s in fresh}


def test_read_only_database_suggests_without_storing(db, db_path, aid):
    expected = suggest(db, aid, "alice")
    dismiss(db, aid, 6)
    db.conn.execute("DELETE FROM suggestions WHERE status = 'open'")
    ro = connect(db_path, readonly=True)
    try:
        got = suggest(ro, aid, "alice")
        assert got == [s for s in expected if s.n != 6]
        assert ro.conn.execute("SELECT count(*) FROM suggestions WHERE status = 'open'").fetchone()[0] == 0
        with pytest.raises(StoreError, match="read-only"):
            accept_all(ro, aid, "alice")
    finally:
        ro.conn.close()


def test_article_view_has_speakers_and_suggestions(db, aid):
    suggest(db, aid)
    view = article_view(db, aid, "alice")
    assert view.speakers[12].name == "Mark Douglas" and 2 not in view.speakers
    assert [s.tag for s in view.suggestions[21]] == ["response", "commitment"]
    assert all(s.reason for ss in view.suggestions.values() for s in ss)


def test_unknown_article(db):
    with pytest.raises(StoreError, match="no article"):
        suggest(db, 999)


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def synced(run_cli, corpus):
    assert run_cli("sync", corpus).code == 0
    return run_cli


def test_cli_suggest_json_and_apply(synced):
    result = synced("--annotator", "alice", "suggest", "000", "--format", "json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert rows and all(list(r) == ["article", "n", "tag", "reason"] for r in rows)
    assert {"article": RELEASE, "n": 6, "tag": "finding"}.items() <= next(r for r in rows if r["n"] == 6).items()
    everything = json.loads(synced("--annotator", "alice", "suggest", "--format", "json").out)
    assert {r["article"] for r in everything} == {RELEASE, STORY}
    applied = synced("--annotator", "alice", "suggest", "000", "--apply")
    assert applied.code == 0 and f"accepted {len(rows)} suggestions in 1 article" in applied.err
    assert json.loads(synced("--annotator", "alice", "suggest", "000", "--format", "json").out) == []
    shown = json.loads(synced("--annotator", "alice", "show", "000", "--format", "json").out)
    assert sorted((s["n"], t) for s in shown["sentences"] for t in s["tags"]) == sorted(
        (r["n"], r["tag"]) for r in rows)
    assert json.loads(synced("--annotator", "bob", "suggest", "000", "--format", "json").out) == rows


def test_cli_suggest_table(synced):
    result = synced("suggest", "004")
    assert result.code == 0
    assert result.out.splitlines()[0].split() == ["article", "n", "tag", "reason", "sentence"]
    assert "suggestions in 1 article" in result.err


def test_cli_cues(synced, tmp_path):
    listed = synced("cues")
    assert listed.code == 0 and listed.out.splitlines()[0].split()[:3] == ["tag", "match", "cue"]
    assert synced("cues", "--export", "-").out == cues_csv(default_cues())
    assert synced("cues", "--export", "mine.csv").code == 0
    (tmp_path / "mine.csv").write_text("tag,match,cue\nfinding,phrase,ofsted\n", encoding="utf-8")
    imported = synced("cues", "--import", "mine.csv")
    assert imported.code == 0 and "1 cues imported" in imported.err
    assert synced("cues", "--export", "-").out == "tag,match,cue,when,weight,note\nfinding,phrase,ofsted,any,1,\n"
    (tmp_path / "bad.csv").write_text("tag,match,cue\nfinding,regex,(\n", encoding="utf-8")
    bad = synced("cues", "--import", "bad.csv")
    assert bad.code == 1 and bad.err.startswith("pressmark: ") and "line 2" in bad.err
    assert synced("cues", "--reset").code == 0
    assert synced("cues", "--export", "-").out == cues_csv(default_cues())
    both = synced("cues", "--reset", "--export", "-")
    assert both.code == 2


def test_cli_suggest_read_only(synced):
    result = synced("--read-only", "suggest", "000", "--format", "json")
    assert result.code == 0 and json.loads(result.out)
    refused = synced("--read-only", "suggest", "000", "--apply")
    assert refused.code == 1 and "read-only" in refused.err
