"""store.learn: suggestions that learn from the coder's decisions (issue 16)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from store import learn
from store.annotate import set_tag, undo
from store.cues import Cue, compile_cues, cue_tags, default_cues, propose, save_cues
from store.speakers import Speaker
from store.suggest import dismiss, suggest

ROOT = Path(__file__).resolve().parent.parent
TAGS = ("finding", "response", "commitment")
RELEASE, STORY = "000_946a8aef52dcef49.txt", "004_0cb13d09fd8748af.txt"
NO_CUES = compile_cues([])


def toy(n: int = 30) -> tuple[list[str], dict[int, set[str]]]:
    """Sentences about zebras are findings, about giraffes commitments, the rest nothing; none has a cue."""
    animals = ["zebra", "giraffe", "okapi"]
    places = ["the north field", "the river bank", "the old barn", "the hill", "the meadow"]
    texts, tagged = [], {}
    for i in range(n):
        animal = animals[i % 3]
        texts.append(f"A {animal} was seen near {places[i % 5]} on day {i}.")
        if animal != "okapi":
            tagged[i + 1] = {"finding" if animal == "zebra" else "commitment"}
    return texts, tagged


def toy_model(compiled=NO_CUES) -> learn.Model:
    texts, tagged = toy()
    sentences = learn.sentences_of(texts, [None] * len(texts), list(range(len(texts))), compiled)
    return learn.train(list(learn.examples_of(sentences, tagged, (), compiled, TAGS, "toy.txt")), TAGS, compiled)


def suggested(model: learn.Model, text: str, compiled=NO_CUES, speaker: Speaker | None = None) -> dict[str, str]:
    """The model's suggestions for ``text`` as the second paragraph of an article."""
    return model.suggest(learn.sentences_of(["Intro.", text], [None, speaker], [1, 2], compiled)[1], TAGS, compiled)


def test_learns_a_separable_toy_set_and_names_the_features_it_used():
    model = toy_model()
    zebra = suggested(model, "Another zebra grazed beside the stream.")
    assert set(zebra) == {"finding"}
    assert zebra["finding"].startswith("learned from your tags: ") and "'zebra'" in zebra["finding"]
    assert set(suggested(model, "A giraffe stood by the fence.")) == {"commitment"}
    assert suggested(model, "An okapi hid in the forest.") == {}
    assert suggested(model, "The weather was mild.") == {}


def test_every_feature_a_reason_names_is_one_of_the_sentence():
    model = toy_model()
    text = "A zebra and a giraffe were seen near the river bank."
    sentence = learn.sentences_of([text], [None], [1], NO_CUES)[0]
    for tag, reason in model.suggest(sentence, TAGS, NO_CUES).items():
        named = reason.removeprefix("learned from your tags: ").removesuffix(f" — {tag}").split(", ")
        assert named and set(named) <= {learn.describe(f, None, NO_CUES) for f in sentence.features}, reason
        assert "'zebra'" in named or "'giraffe'" in named


def test_with_no_decisions_the_model_is_the_cue_codebook():
    compiled = compile_cues(default_cues())
    texts = [s["text"] for s in json.loads((ROOT / "tests/data/suggest_eval.json").read_text())["texts"][2]["sentences"]]
    speakers = [None, Speaker("Karen Walsh", "CQC", True)] * (len(texts) // 2) + [None] * (len(texts) % 2)
    sentences = learn.sentences_of(texts, speakers, list(range(len(texts))), compiled)
    empty = learn.train([], TAGS, compiled)
    assert [empty.suggest(s, TAGS, compiled) for s in sentences] == \
        [cue_tags(s.hits, s.speaker, compiled, s.scene) for s in sentences]
    assert [(n, t) for n, t, _ in propose(texts, speakers, compiled)] == \
        [(n, t) for n, s in enumerate(sentences, 1) for t in empty.suggest(s, TAGS, compiled)]


def test_the_cues_stay_the_prior_until_the_coder_says_otherwise():
    cues = compile_cues([Cue("finding", "phrase", "zebra")])
    model = toy_model(cues)
    assert suggested(model, "A zebra ran.", cues)["finding"] == "cue: 'zebra' — finding"  # the cue's reason kept
    decided = "A zebra ran across the north field at dawn."
    few = learn.train(list(learn.examples_of(learn.sentences_of([decided], [None], [1], cues), {1: {"response"}}, (),
                                             cues, TAGS, "x")), TAGS, cues)
    copy = suggested(few, "Then a zebra ran across the north field at dawn.", cues)
    assert set(copy) == {"response"}  # the coder's decision on the sentence it copies beats the cue…
    assert "finding" in suggested(few, "A zebra was seen in a different place entirely.", cues)  # …not elsewhere


def test_training_is_deterministic_across_processes():
    code = ("import sys, json; sys.path.insert(0, '.'); from tests.test_learn import toy_model; "
            "m = toy_model(); print(json.dumps(m.weights, sort_keys=True))")
    runs = set()
    for seed in ("1", "2", "3"):  # string hashing, and so set order, differs in each
        run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False,
                             env={"PYTHONHASHSEED": seed, "PATH": ""}, timeout=120)
        assert run.returncode == 0, run.stderr
        runs.add(run.stdout)
    assert len(runs) == 1 and json.loads(runs.pop()) == json.loads(json.dumps(toy_model().weights, sort_keys=True))


def test_a_copy_of_a_decided_sentence_gets_its_decision_and_says_where_from():
    compiled = compile_cues(default_cues())
    release = "Cllr Shah said the council would publish its plan within 70 days of the inspection report."
    sentences = learn.sentences_of([release], [None], [1], compiled)
    model = learn.train(list(learn.examples_of(sentences, {1: {"response"}}, (), compiled, TAGS, "release.txt")),
                        TAGS, compiled)
    story = "Cllr Shah said the council would publish its plan within 70 days of the inspection report, she added."
    got = suggested(model, story, compiled)
    assert got == {"response": "learned from your tags: the words of sentence 1 of release.txt — response"}


def test_which_sentences_are_examples():
    texts = ["One.", "Two.", "Three.", "Four.", "Five."]
    sentences = learn.sentences_of(texts, [None] * 5, [1, 2, 3, 4, 5], NO_CUES)
    examples = list(learn.examples_of(sentences, {2: {"finding"}, 4: {"response", "commitment"}},
                                      [(5, "finding"), (2, "commitment")], NO_CUES, TAGS, "a.txt"))
    got = [(e.sentence.text, sorted(e.positive), sorted(e.negative)) for e in examples]
    assert got == [("One.", [], sorted(TAGS)),  # read and passed over: above the last tagged sentence, no cue
                   ("Two.", ["finding"], ["commitment", "response"]),  # tagged: its tags win over a dismissal
                   ("Three.", [], sorted(TAGS)),
                   ("Four.", ["commitment", "response"], ["finding"]),
                   ("Five.", [], ["finding"])]  # below the last tag: only the dismissal decides


def test_pace_stops_training():
    texts, tagged = toy()
    sentences = learn.sentences_of(texts, [None] * len(texts), list(range(len(texts))), NO_CUES)
    examples = list(learn.examples_of(sentences, tagged, (), NO_CUES, TAGS, "toy.txt"))
    calls = []

    def pace():
        calls.append(1)
        if len(calls) == 3:
            raise learn.Interrupted

    with pytest.raises(learn.Interrupted):
        learn.train(examples, TAGS, NO_CUES, pace)
    assert len(calls) == 3


# --------------------------------------------------------------------------- from the database


def suggestions(db, article_id: int, annotator: str) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    for s in suggest(db, article_id, annotator):
        out.setdefault(s.n, {})[s.tag] = s.reason
    return out


def test_suggestions_learn_from_the_coders_tags_in_another_article(db, article_ids):
    release, story = article_ids[RELEASE], article_ids[STORY]
    before = suggestions(db, story, "alice")
    assert before == suggestions(db, story, "bob")  # nobody has decided anything: the cues for both
    # Alice tags the release's "We were aware of all the issues raised by Ofsted." a commitment (her convention)
    set_tag(db, release, 15, "commitment", "alice")
    after = suggestions(db, story, "alice")
    assert after[10]["commitment"] == f"learned from your tags: the words of sentence 15 of {RELEASE} — commitment"
    assert "commitment" not in before.get(10, {}) and suggestions(db, story, "bob") == before  # Bob's are his own
    undo(db, "alice")
    assert suggestions(db, story, "alice") == before


def test_dismissals_are_negatives(db, article_ids):
    release = article_ids[RELEASE]
    shown = suggestions(db, release, "alice")
    n = min(n for n, tags in shown.items() if "finding" in tags and n > 1)
    set_tag(db, release, 1, "finding", "alice")  # a dismissal below the last tagged sentence decides only its tag
    dismiss(db, release, n, "finding")
    examples = learn.gather(db, "alice", compile_cues(default_cues()), TAGS)
    assert [(e.sentence.text, set(e.negative)) for e in examples if e.where == f"sentence {n} of {RELEASE}"] == \
        [(db.conn.execute("SELECT text FROM sentences WHERE article_id = ? AND n = ?", (release, n)).fetchone()[0],
          {"finding"})]


def test_the_model_is_kept_until_the_decisions_change(db, article_ids, monkeypatch):
    release = article_ids[RELEASE]
    set_tag(db, release, 3, "finding", "alice")
    suggest(db, release)
    assert dismiss(db, release, 6) == 1
    trained = []
    real = learn.train
    monkeypatch.setattr(learn, "train", lambda *a, **k: trained.append(1) or real(*a, **k))
    compiled, tags = compile_cues(default_cues()), list(TAGS)
    first = learn.model_for(db, "alice", compiled, tags)
    suggest(db, release, "alice")  # storing suggestions again (which rewrites the dismissed one) changes nothing
    assert learn.model_for(db, "alice", compiled, tags) is first and trained == [1]
    set_tag(db, release, 4, "finding", "alice")
    assert learn.model_for(db, "alice", compiled, tags, train_now=False) is first  # as last trained
    second = learn.model_for(db, "alice", compiled, tags)
    assert second is not first and trained == [1, 1] and len(second.examples) == len(first.examples) + 1
    save_cues(db, default_cues()[1:])  # another codebook: the kept model does not fit it
    assert learn.model_for(db, "alice", compile_cues(default_cues()[1:]), tags, train_now=False) is None


def test_a_coder_with_many_tags_trains_on_the_most_recent(db, article_ids, monkeypatch):
    monkeypatch.setattr(learn, "MAX_EXAMPLES", 5)
    release, story = article_ids[RELEASE], article_ids[STORY]
    set_tag(db, release, 20, "finding", "alice")
    set_tag(db, story, 2, "finding", "alice")
    examples = learn.gather(db, "alice", compile_cues(default_cues()), TAGS)
    assert [e.where for e in examples] == [f"sentence {n} of {STORY}" for n in (1, 2)] + \
        [f"sentence {n} of {RELEASE}" for n in (1, 2, 3)]


def test_tagging_further_down_keeps_the_suggestions_above(db, article_ids):
    release = article_ids[RELEASE]
    before = suggestions(db, release, "alice")
    set_tag(db, release, 21, "commitment", "alice")  # the sentences above were passed over, not refused
    after = suggestions(db, release, "alice")
    assert {n: set(t) for n, t in after.items()} == {n: set(t) for n, t in before.items() if n != 21}


def test_a_long_article_is_read_as_it_goes_and_gives_the_same_examples(db, article_ids, monkeypatch):
    release = article_ids[RELEASE]
    set_tag(db, release, 6, "finding", "alice")
    compiled = compile_cues(default_cues())
    kept = [(e.where, e.positive, e.negative) for e in learn.gather(db, "alice", compiled, TAGS)]
    monkeypatch.setattr(learn, "KEPT_ARTICLE", 5)
    monkeypatch.setattr(learn, "_kept", learn._Kept())
    made = [(e.where, e.positive, e.negative) for e in learn.gather(db, "alice", compiled, TAGS)]
    assert made == kept and len(made) == 6 and not learn._kept.sentences
