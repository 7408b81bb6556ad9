"""``python -m bench.anchor``: re-anchoring after an edit, rapidfuzz against the difflib it replaced.

Every sentence of every text of the real corpus (``tests/data/corpus``, per split) carries an annotation;
then the text is edited by a seeded editor, sentence by sentence: kept, lightly edited (a word swapped,
dropped or doubled, a typo, a spelling variant), rewritten (most words replaced: it should become an
orphan), deleted, or preceded by a new sentence. ``store.anchor.SentenceFinder`` places each annotation
in the edited text. Printed per split and threshold: how many placements agree with difflib's at the old
threshold (0.75), how many are right (the edited sentence, or an orphan for a rewritten or deleted one),
and the time per comparison of each similarity.
"""
from __future__ import annotations

import argparse
import random
import re
import time
from difflib import SequenceMatcher

from bench.quality import load, texts
from store import anchor
from store.anchor import ANCHOR_CONTEXT, SentenceFinder
from store.segment import segment

SEEDS = range(5)
THRESHOLDS = (0.70, 0.72, 0.75, 0.78, 0.80, 0.82, 0.85)
SPELLINGS = {"ise": "ize", "our": "or", "yse": "yze", "tre": "ter"}


def _light(sentence: str, rng: random.Random, vocabulary: list[str]) -> str:
    words = sentence.split(" ")
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(words))
        kind = rng.randrange(5)
        if kind == 0:
            words[i] = rng.choice(vocabulary)
        elif kind == 1 and len(words) > 4:
            del words[i]
        elif kind == 2:
            words.insert(i, words[i])
        elif kind == 3 and len(words[i]) > 3:
            j = rng.randrange(1, len(words[i]) - 1)
            words[i] = words[i][:j] + words[i][j + 1:]
        else:
            for uk, us in SPELLINGS.items():
                if uk in words[i]:
                    words[i] = words[i].replace(uk, us)
                    break
    return " ".join(words)


def _rewrite(sentence: str, rng: random.Random, vocabulary: list[str]) -> str:
    words = sentence.split(" ")
    return " ".join(w if rng.random() < 0.25 else rng.choice(vocabulary) for w in words)


def edit(text: str, rng: random.Random) -> tuple[str, list[tuple[int, int]], list[int | None]]:
    """(edited text, its sentence spans, where each original sentence went: a new index or None)."""
    spans = [(s.start, s.end, s.para) for s in segment(text)]
    vocabulary = re.findall(r"[A-Za-z]{4,}", text) or ["word"]
    para = None
    pieces: list[str] = []
    starts: list[int] = []  # offset in the new text of each original sentence (-1 deleted, -2 rewritten)
    length = 0
    for start, end, p in spans:
        sentence = text[start:end]
        sep = "" if not pieces else ("\n\n" if p != para else " ")
        para = p
        roll = rng.random()
        if roll < 0.06:  # a new sentence before this one
            new = f"A new sentence about {rng.choice(vocabulary)} was added {rng.choice(vocabulary)}."
            pieces.append(sep + new)
            length += len(sep) + len(new)
            sep = " "
        if 0.06 <= roll < 0.11:
            starts.append(-1)  # deleted
            continue
        if 0.11 <= roll < 0.17:
            sentence, rewritten = _rewrite(sentence, rng, vocabulary), True
        elif 0.17 <= roll < 0.40:
            sentence, rewritten = _light(sentence, rng, vocabulary), False
        else:
            rewritten = False
        pieces.append(sep + sentence)
        starts.append(-2 if rewritten else length + len(sep))
        length += len(sep) + len(sentence)
    new_text = "".join(pieces)
    new_spans = [(s.start, s.end) for s in segment(new_text)]
    finder = SentenceFinder(new_text, new_spans)
    truth = [None if at < 0 else finder.sentence_at(at) for at in starts]
    return new_text, new_spans, truth


def rows(text: str) -> list[dict]:
    return [{"exact": text[s.start:s.end], "start": s.start, "prefix": text[max(0, s.start - ANCHOR_CONTEXT):s.start],
             "suffix": text[s.end:s.end + ANCHOR_CONTEXT]} for s in segment(text)]


def _difflib(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio() if a and b else 0.0


def placements(finder: SentenceFinder, annotations: list[dict], similarity, threshold: float) -> list[int | None]:
    old = anchor._similarity, anchor.MIN_SCORE
    anchor._similarity, anchor.MIN_SCORE = similarity, threshold
    try:
        return [finder.locate(row) for row in annotations]
    finally:
        anchor._similarity, anchor.MIN_SCORE = old


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m bench.anchor", description=__doc__.splitlines()[0]).parse_args(argv)
    pairs = load()
    rapid = anchor._similarity
    for split in ("dev", "test"):
        cases = []
        for t in texts([p for p in pairs if p.split == split]):
            for seed in SEEDS:
                new_text, new_spans, truth = edit(t.text, random.Random(f"{t.name}/{seed}"))
                cases.append((SentenceFinder(new_text, new_spans), rows(t.text), truth))
        base = [placements(f, r, _difflib, 0.75) for f, r, _ in cases]
        n = sum(len(b) for b in base)
        right = sum(p == w for b, (_, _, truth) in zip(base, cases) for p, w in zip(b, truth))
        print(f"\n{split}: {len(cases)} edited texts, {n} annotations; difflib at 0.75: {right / n:.3f} right")
        for threshold in THRESHOLDS:
            got = [placements(f, r, rapid, threshold) for f, r, _ in cases]
            same = sum(p == q for g, b in zip(got, base) for p, q in zip(g, b))
            ok = sum(p == w for g, (_, _, truth) in zip(got, cases) for p, w in zip(g, truth))
            print(f"  rapidfuzz at {threshold:.2f}: {same / n:.4f} the same as difflib, {ok / n:.3f} right")
    from bench.textgen import NewsWriter

    writer = NewsWriter(17)
    text = "\n\n".join(writer.paragraph() for _ in range(100))
    sentences = segment(text)[:300]
    text = text[:sentences[-1].end]
    rng = random.Random(17)
    annotated = rows(text)[::3]  # 100 annotations, every one on a sentence the edit changes
    edited = text
    for row in annotated:
        edited = edited.replace(row["exact"], _light(row["exact"], rng, ["edited"]), 1)
    finder = SentenceFinder(edited, [(s.start, s.end) for s in segment(edited)])
    for name, f in (("difflib", _difflib), ("rapidfuzz", rapid)):
        start = time.perf_counter()
        placements(finder, annotated, f, 0.75)
        print(f"{name}: {time.perf_counter() - start:.3f} s to place {len(annotated)} annotations after a light "
              f"edit of each of their sentences in a {len(sentences)}-sentence article")
    a, b = "The letter recognises the difficulty of delivering services.", "The letter recognised difficulties in services."
    for name, f, runs in (("difflib", _difflib, 2000), ("rapidfuzz", rapid, 200000)):
        start = time.perf_counter()
        for _ in range(runs):
            f(a, b)
        print(f"{name}: {(time.perf_counter() - start) / runs * 1e6:.2f} µs per comparison")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
