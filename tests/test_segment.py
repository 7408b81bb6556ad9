"""Tests for store.segment: the labelled set, offset invariants, random texts, pysbd."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from bench.segmentation import pysbd_spans
from store.segment import Sentence, segment

ROOT = Path(__file__).resolve().parent.parent
CASES = json.loads((ROOT / "tests" / "data" / "segmentation.json").read_text(encoding="utf-8"))
LETTER = re.compile(r"[^\W\d_]")
BLANK_LINE = re.compile(r"\n[ \t]*\n")


def case_text(case: dict) -> str:
    if "file" in case:
        return (ROOT / case["file"]).read_text(encoding="utf-8")
    return case["text"]


def gold_spans(text: str, sentences: list[str]) -> list[tuple[int, int]]:
    """Locate the labelled sentence strings in order."""
    spans, pos = [], 0
    for s in sentences:
        i = text.find(s, pos)
        assert i >= 0, f"labelled sentence not found in order: {s!r}"
        spans.append((i, i + len(s)))
        pos = i + len(s)
    return spans


def check_invariants(text: str, sents: list[Sentence]) -> None:
    prev_end, prev_para = 0, 0
    for s in sents:
        assert isinstance(s, Sentence)
        assert 0 <= prev_end <= s.start < s.end <= len(text), (prev_end, s)
        body = text[s.start : s.end]
        assert body == body.strip(), repr(body)
        assert LETTER.search(body), f"letterless sentence {body!r}"
        assert not BLANK_LINE.search(body), f"sentence crosses a blank line: {body!r}"
        assert s.para in (prev_para, prev_para + 1), (prev_para, s)
        if prev_para and s.para != prev_para:
            # a new paragraph always starts after a line break
            assert "\n" in text[prev_end : s.start], (text[prev_end : s.start], s)
        elif prev_para:
            # inside a paragraph sentences are separated by ordinary whitespace
            assert not BLANK_LINE.search(text[prev_end : s.start])
        prev_end, prev_para = s.end, s.para
    # nothing containing a letter is lost between (or around) the sentences
    gaps, pos = [], 0
    for s in sents:
        gaps.append(text[pos : s.start])
        pos = s.end
    gaps.append(text[pos:])
    lost = [g for g in gaps if LETTER.search(g)]
    assert not lost, f"letters outside every sentence: {lost[:3]!r}"


# --------------------------------------------------------------------------- #
# Labelled set


def test_labelled_set_is_big_enough():
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))
    assert sum("file" in c for c in CASES) >= 2
    assert len(CASES) - 2 >= 40


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_labelled_case(case):
    text = case_text(case)
    got = segment(text)
    assert [text[s.start : s.end] for s in got] == case["sentences"]
    if "paras" in case:
        assert [s.para for s in got] == case["paras"]
    check_invariants(text, got)


def test_real_article_counts():
    by_name = {c["name"]: c for c in CASES}
    assert len(by_name["article_000_bradford_council"]["sentences"]) == 22
    assert len(by_name["article_004_telegraph_argus"]["sentences"]) == 15


def test_interface():
    s = segment("Hello world. Bye now.")[1]
    assert (s.start, s.end, s.para) == (13, 21, 1)
    with pytest.raises(AttributeError):
        s.start = 0  # frozen
    assert not hasattr(s, "__dict__")  # slots
    assert segment("") == []


# --------------------------------------------------------------------------- #
# Property-style tests on generated texts

WORDS = (
    "the council said services were improving slowly and Ofsted inspectors "
    "found progress in Bradford children families social work training "
    "assessments London Leeds Sue Duffy Mark Douglas report letter"
).split()
ODD = [
    "Mr.", "Mrs.", "Dr.", "Cllr.", "St.", "e.g.", "i.e.", "etc.", "a.m.", "p.m.",
    "No.", "vs.", "approx.", "Jan.", "Ltd.", "Inc.", "J.", "K.", "U.S.", "3.5",
    "£1.2m", "28.04.2021", "www.bradford.gov.uk", "a.b@c.org", "...", "…",
    "“", "”", "‘", "’", '"', "'", "(", ")", "—", "–", "|", "***", "2021.",
    "?", "!", "?”", ".”", ".)", ":", ";", ",", "-", "*", "1.", "#", "\t",
    "é", "Ärger", "naïve", "12", ". . .",
]
ENDS = [".", ".", ".", "?", "!", ".”", "?”", ".)", "…", ""]


def random_text(rng: random.Random, n_sentences: int) -> str:
    parts = []
    for _ in range(n_sentences):
        words = []
        for _ in range(rng.randint(1, 14)):
            w = rng.choice(ODD) if rng.random() < 0.25 else rng.choice(WORDS)
            if rng.random() < 0.2:
                w = w.capitalize()
            words.append(w)
        parts.append(" ".join(words) + rng.choice(ENDS))
        r = rng.random()
        parts.append(
            "\n" if r < 0.15 else "\n\n" if r < 0.25 else "\n \n\t" if r < 0.28
            else "  " if r < 0.32 else " "
        )
    return "".join(parts)


def wrap(text: str, width: int) -> str:
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("seed", range(40))
def test_invariants_on_random_texts(seed):
    rng = random.Random(seed)
    for _ in range(10):
        text = random_text(rng, rng.randint(0, 30))
        check_invariants(text, segment(text))


@pytest.mark.parametrize("seed", range(10))
def test_random_edges(seed):
    """Leading/trailing whitespace, lone punctuation, tiny inputs."""
    rng = random.Random(1000 + seed)
    alphabet = ["a", "A", ".", "?", "!", " ", "\n", "\t", "”", "“", "(", ")", "1", "|", "…", "-", "*"]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        check_invariants(text, segment(text))


@pytest.mark.parametrize("seed", range(10))
def test_paragraphs_are_independent(seed):
    """A blank-line-separated prefix shifts offsets and paragraph numbers only."""
    rng = random.Random(2000 + seed)
    for _ in range(10):
        text = random_text(rng, rng.randint(1, 20))
        prefix = "Council news.\n\n"
        base = segment(text)
        shifted = segment(prefix + text)
        assert shifted[0] == Sentence(0, len("Council news."), 1)
        assert shifted[1:] == [
            Sentence(s.start + len(prefix), s.end + len(prefix), s.para + 1) for s in base
        ]


@pytest.mark.parametrize("seed", range(10))
def test_one_paragraph_per_line_never_crosses_a_line(seed):
    """News layout (long lines, one paragraph each): every line break is a break."""
    rng = random.Random(3000 + seed)
    lines = []
    for _ in range(rng.randint(2, 12)):
        line = ""
        while len(line) <= 110:
            line += random_text(rng, 1).replace("\n", " ")
        lines.append(line.strip())
    text = "\n".join(lines)
    sents = segment(text)
    check_invariants(text, sents)
    assert not any("\n" in text[s.start : s.end] for s in sents)
    line_of = [text.count("\n", 0, s.start) for s in sents]
    paras = [s.para for s in sents]
    # paragraph numbers follow the lines that hold letters
    assert len(set(zip(line_of, paras))) == len(set(line_of)) == len(set(paras))


@pytest.mark.parametrize("width", [60, 72, 79])
def test_hard_wrapped_text_joins_lines(width):
    """Re-wrapping a blank-line-separated text does not change its sentences."""
    paras = [
        line
        for c in CASES
        if "file" in c
        for line in case_text(c).split("\n")
        if LETTER.search(line)
    ]
    assert len(paras) >= 20
    flat = "\n\n".join(paras)
    wrapped = "\n\n".join(wrap(p, width) for p in paras)
    one = segment(flat)
    two = segment(wrapped)
    check_invariants(wrapped, two)
    norm = lambda t, ss: [(" ".join(t[s.start : s.end].split()), s.para) for s in ss]  # noqa: E731
    assert norm(wrapped, two) == norm(flat, one)


def synthetic_megabyte() -> str:
    rng = random.Random(7)
    texts = [case_text(c) for c in CASES]
    chunks, size = [], 0
    while size < 1_000_000:
        t = rng.choice(texts)
        if rng.random() < 0.3:
            t = t.upper() if rng.random() < 0.5 else t.replace(".", "!")
        chunks.append(t)
        size += len(t) + 2
    return "\n\n".join(chunks)


def test_megabyte_text_segments():
    text = synthetic_megabyte()
    assert len(text) >= 1_000_000
    sents = segment(text)
    assert len(sents) > 5_000
    check_invariants(text, sents)


# --------------------------------------------------------------------------- #
# Accuracy against pysbd




def score(predict) -> tuple[float, float]:
    """(fraction of cases exactly right, micro boundary F1 over sentence ends)."""
    exact = tp = n_pred = n_gold = 0
    for case in CASES:
        text = case_text(case)
        gold = gold_spans(text, case["sentences"])
        pred = predict(text)
        exact += pred == gold
        g, p = {e for _, e in gold}, {e for _, e in pred}
        tp += len(g & p)
        n_pred += len(p)
        n_gold += len(g)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return exact / len(CASES), f1


def test_accuracy_not_worse_than_pysbd():
    pysbd = pytest.importorskip("pysbd")
    seg = pysbd.Segmenter(language="en", clean=False, char_span=True)
    ours = score(lambda t: [(s.start, s.end) for s in segment(t)])
    theirs = score(lambda t: pysbd_spans(seg, t))
    assert ours[0] == 1.0  # every labelled case
    assert ours[0] >= theirs[0]
    assert ours[1] >= theirs[1]


def test_limit_gives_the_first_sentences_only():
    text = synthetic_megabyte()
    whole = segment(text)
    for limit in (0, 1, 7, 5_000, len(whole), len(whole) + 1):
        assert segment(text, limit) == whole[:limit]


def test_a_block_longer_than_max_block_lines_is_cut_into_blocks():
    """Bounded memory on a huge file with no blank line: the lines of each block of MAX_BLOCK_LINES
    are decided together, as if a blank line ended it; one paragraph per line stays so throughout."""
    from store.segment import MAX_BLOCK_LINES

    n = 2 * MAX_BLOCK_LINES + 3
    text = "\n".join(f"Line {i} is a short paragraph." for i in range(n))
    sents = segment(text)
    check_invariants(text, sents)
    assert [s.para for s in sents] == list(range(1, n + 1))
    wrapped = wrap(" ".join(["The council said the budget would be studied carefully by officers"] * 12_000), 70)
    assert wrapped.count("\n") > MAX_BLOCK_LINES
    sents = segment(wrapped)
    check_invariants(wrapped, sents)
    assert len({s.para for s in sents}) == 2  # one paragraph, cut once at MAX_BLOCK_LINES lines
