"""The real release/story corpus in tests/data/corpus (issue 16): its files, labels and split are well formed.

These checks need no tuning and say nothing about pressmark's accuracy (that is `python -m bench quality`):
every pair has its texts and labels, every gold sentence is in the text as pressmark reads it, in order, and
together they cover it, labels use the guide's vocabulary (docs/labelling.md), alignment numbers point at
sentences that exist, and split.json names every pair exactly once.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from store.files import read_article

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
PAIRS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and re.fullmatch(r"\d\d-[a-z0-9-]+", p.name))
TAGS = {"finding", "response", "commitment"}
ROW_KEYS = {"text", "tags", "speaker", "speaker_role", "quoted"}


def labels(pair: str) -> dict:
    return json.loads((CORPUS / pair / "labels.json").read_text(encoding="utf-8"))


def stories(pair: str) -> list[str]:
    """The story texts of a pair by label key: "story", "story-2", ..."""
    return sorted(p.stem for p in (CORPUS / pair).glob("story*.md"))


def alignment_key(story: str) -> str:
    return "alignment" + story.removeprefix("story")


def test_corpus_has_at_least_fourteen_pairs():
    assert len(PAIRS) >= 14, PAIRS


@pytest.mark.parametrize("pair", PAIRS)
def test_pair_has_texts_and_labels_for_each(pair):
    folder = CORPUS / pair
    assert (folder / "release.md").is_file() and (folder / "story.md").is_file() and (folder / "labels.json").is_file()
    keys = {"release", "notes"} | {k for s in stories(pair) for k in (s, alignment_key(s))}
    assert set(labels(pair)) == keys


@pytest.mark.parametrize("pair", PAIRS)
def test_front_matter_names_title_source_and_url(pair):
    for name in ["release"] + stories(pair):
        raw = (CORPUS / pair / f"{name}.md").read_text(encoding="utf-8")
        front = raw.split("\n---\n", 1)[0]
        assert raw.startswith("---\n"), name
        for key in ("title", "source", "url"):
            assert re.search(rf'^{key}: "[^"]+"$', front, re.M), f"{name}: {key}"
        assert re.search(r'^url: "https?://', front, re.M), name


@pytest.mark.parametrize("pair", PAIRS)
def test_gold_sentences_are_the_text_in_order_and_cover_it(pair):
    gold = labels(pair)
    for name in ["release"] + stories(pair):
        text = read_article(CORPUS / pair / f"{name}.md").text
        pos = 0
        for i, row in enumerate(gold[name], 1):
            found = text.find(row["text"], pos)
            assert found >= 0, f"{name} sentence {i} is not in the text after the previous one: {row['text']!r}"
            gap = text[pos:found]
            assert not gap.strip(), f"{name}: text before sentence {i} is in no sentence: {gap!r}"
            pos = found + len(row["text"])
        assert not text[pos:].strip(), f"{name}: text after the last sentence is in no sentence: {text[pos:]!r}"


@pytest.mark.parametrize("pair", PAIRS)
def test_labels_use_the_guides_vocabulary(pair):
    gold = labels(pair)
    for name in ["release"] + stories(pair):
        for i, row in enumerate(gold[name], 1):
            where = f"{name} sentence {i}"
            assert set(row) == ROW_KEYS, where
            assert row["text"] and row["text"] == row["text"].strip(), where
            assert set(row["tags"]) <= TAGS and len(row["tags"]) == len(set(row["tags"])), where
            assert isinstance(row["quoted"], bool), where
            if row["speaker"] is None:
                assert row["speaker_role"] is None and row["quoted"] is False, where
            else:
                assert row["speaker"].strip() == row["speaker"] != "", where
                assert row["speaker_role"] is None or row["speaker_role"].strip() == row["speaker_role"] != "", where
    assert isinstance(gold["notes"], str)


@pytest.mark.parametrize("pair", PAIRS)
def test_alignment_points_at_existing_sentences(pair):
    gold = labels(pair)
    n_release = len(gold["release"])
    for name in stories(pair):
        pairs = gold[alignment_key(name)]
        story_numbers = [a["story"] for a in pairs]
        assert len(story_numbers) == len(set(story_numbers)), f"{name}: a story sentence is listed twice"
        for a in pairs:
            assert set(a) == {"story", "release"}, name
            assert 1 <= a["story"] <= len(gold[name]), f"{name}: story sentence {a['story']} out of range"
            assert a["release"] and len(a["release"]) == len(set(a["release"])), f"{name}: {a}"
            assert all(1 <= r <= n_release for r in a["release"]), f"{name}: release number out of range in {a}"


def test_split_names_every_pair_once_and_test_has_five():
    split = json.loads((CORPUS / "split.json").read_text(encoding="utf-8"))
    assert set(split) == {"dev", "test"}
    named = split["dev"] + split["test"]
    assert sorted(named) == PAIRS, "every pair exactly once, and nothing else"
    assert len(split["test"]) >= 5


def test_readme_lists_every_pair():
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    assert [p for p in PAIRS if f"| {p} |" not in readme] == []
