"""Sentence segmentation: pressmark's ``store.segment`` against pysbd.

Run ``python -m bench.segmentation`` from the repository root.  It prints

* accuracy on the labelled set ``tests/data/segmentation.json``: the fraction of
  cases segmented exactly right, and boundary precision / recall / F1 (a
  boundary is the end offset of a sentence, whitespace stripped);
* throughput (characters/s and sentences/s) of both segmenters on a ~1 MB text
  built from the labelled texts (shuffled, some upper-cased or with ``!`` for
  ``.``, joined by blank lines), and the ratio pressmark / pysbd.  The ratio
  compares like with like: both segment the text one document (labelled text)
  at a time, because pysbd is superlinear on a single 1 MB string (about 40 s
  here instead of about 5 s, with or without ``char_span``).  pressmark's time
  for the whole 1 MB string in one call is reported as well ("time per MB").

pysbd runs as ``pysbd.Segmenter(language="en", clean=False, char_span=True)``;
its spans are stripped of whitespace and letterless fragments (such as a stray
``|``) are dropped before scoring, so it is not penalised for what pressmark
drops by design.  ``run()`` returns the records for ``python -m bench run``.
"""
from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path
from typing import Callable

from store.segment import segment

ROOT = Path(__file__).resolve().parent.parent
CASES_PATH = ROOT / "tests" / "data" / "segmentation.json"
LETTER = re.compile(r"[^\W\d_]")
TARGET_SIZE = 1_000_000
THROUGHPUT_TARGET = 5.0  # pressmark must be at least 5x faster than pysbd
ACCURACY_TARGET = 1.0  # and at least as accurate

Spans = list[tuple[int, int]]


def load_cases() -> list[dict]:
    cases = json.loads(CASES_PATH.read_text(encoding="utf-8"))
    for case in cases:
        if "file" in case:
            case["text"] = (ROOT / case["file"]).read_text(encoding="utf-8")
    return cases


def gold_spans(text: str, sentences: list[str]) -> Spans:
    spans, pos = [], 0
    for s in sentences:
        i = text.find(s, pos)
        if i < 0:
            raise ValueError(f"labelled sentence not found in order: {s!r}")
        spans.append((i, i + len(s)))
        pos = i + len(s)
    return spans


def pressmark_spans(text: str) -> Spans:
    return [(s.start, s.end) for s in segment(text)]


def pysbd_spans(segmenter, text: str) -> Spans:
    """pysbd's sentences as (start, end) offsets trimmed of white space, letterless ones dropped:
    the same conventions as store.segment, so the two can be scored against one labelled set."""
    out = []
    for span in segmenter.segment(text):
        body = text[span.start : span.end]
        start = span.start + len(body) - len(body.lstrip())
        end = span.start + len(body.rstrip())
        if end > start and LETTER.search(text, start, end):
            out.append((start, end))
    return out


def make_pysbd() -> Callable[[str], Spans] | None:
    try:
        import pysbd
    except ImportError:
        return None
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    return lambda text: pysbd_spans(segmenter, text)


def accuracy(predict: Callable[[str], Spans], cases: list[dict]) -> dict:
    exact = tp = n_pred = n_gold = 0
    for case in cases:
        gold = gold_spans(case["text"], case["sentences"])
        pred = predict(case["text"])
        exact += pred == gold
        g, p = {e for _, e in gold}, {e for _, e in pred}
        tp += len(g & p)
        n_pred += len(p)
        n_gold += len(g)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"exact": exact / len(cases), "precision": precision, "recall": recall, "f1": f1}


def big_documents(cases: list[dict], size: int = TARGET_SIZE, seed: int = 7) -> list[str]:
    """About ``size`` characters of documents drawn from the labelled texts."""
    rng = random.Random(seed)
    texts = [c["text"] for c in cases if c["text"].strip()]
    chunks, total = [], 0
    while total < size:
        t = rng.choice(texts)
        r = rng.random()
        if r < 0.15:
            t = t.upper()
        elif r < 0.3:
            t = t.replace(". ", "! ")
        chunks.append(t)
        total += len(t) + 2
    return chunks


def throughput(predict: Callable[[str], Spans], docs: list[str], repeat: int) -> dict:
    """Best of ``repeat`` runs segmenting every document of ``docs``."""
    best, n = float("inf"), 0
    chars = sum(map(len, docs))
    for _ in range(repeat):
        t0 = time.perf_counter()
        n = sum(len(predict(d)) for d in docs)
        best = min(best, time.perf_counter() - t0)
    return {"seconds": best, "chars_per_s": chars / best, "sentences_per_s": n / best, "sentences": n}


def measure() -> dict:
    cases = load_cases()
    docs = big_documents(cases)
    text = "\n\n".join(docs)
    theirs = make_pysbd()
    result = {
        "cases": len(cases),
        "docs": len(docs),
        "chars": sum(map(len, docs)),
        "text_chars": len(text),
        "pressmark": {
            "accuracy": accuracy(pressmark_spans, cases),
            "throughput": throughput(pressmark_spans, docs, repeat=5),
            "whole_text": throughput(pressmark_spans, [text], repeat=5),
        },
        "pysbd": None,
    }
    if theirs is not None:
        result["pysbd"] = {
            "accuracy": accuracy(theirs, cases),
            "throughput": throughput(theirs, docs, repeat=1),  # about 5 s per run
        }
    return result


def _ratio(value: float, baseline: float | None) -> float | None:
    if baseline is None:
        return None
    return value / baseline if baseline else float("inf")


def records(m: dict) -> list[dict]:
    ours, theirs = m["pressmark"], m["pysbd"]
    speed = ours["throughput"]["chars_per_s"]
    speed_base = theirs["throughput"]["chars_per_s"] if theirs else None
    speed_ratio = _ratio(speed, speed_base)
    exact = ours["accuracy"]["exact"]
    exact_base = theirs["accuracy"]["exact"] if theirs else None
    exact_ratio = _ratio(exact, exact_base)
    f1 = ours["accuracy"]["f1"]
    f1_base = theirs["accuracy"]["f1"] if theirs else None
    f1_ratio = _ratio(f1, f1_base)
    ms = ours["whole_text"]["seconds"] * 1000 * TARGET_SIZE / m["text_chars"]
    ms_base = theirs["throughput"]["seconds"] * 1000 * TARGET_SIZE / m["chars"] if theirs else None
    return [
        {
            "name": "segmentation throughput vs pysbd",
            "value": round(speed),
            "baseline": round(speed_base) if speed_base else None,
            "ratio": round(speed_ratio, 2) if speed_ratio is not None else None,
            "target": f">= {THROUGHPUT_TARGET:g}x",
            "ok": speed_ratio is not None and speed_ratio >= THROUGHPUT_TARGET,
            "unit": "chars/s",
        },
        {
            "name": "segmentation accuracy vs pysbd",
            "value": round(exact, 4),
            "baseline": round(exact_base, 4) if exact_base is not None else None,
            "ratio": round(exact_ratio, 2) if exact_ratio is not None else None,
            "target": f">= {ACCURACY_TARGET:g}x",
            "ok": exact_ratio is not None and exact_ratio >= ACCURACY_TARGET,
            "unit": f"labelled cases exactly right (of {m['cases']})",
        },
        {
            "name": "segmentation boundary F1 vs pysbd",
            "value": round(f1, 4),
            "baseline": round(f1_base, 4) if f1_base is not None else None,
            "ratio": round(f1_ratio, 2) if f1_ratio is not None else None,
            "target": f">= {ACCURACY_TARGET:g}x",
            "ok": f1_ratio is not None and f1_ratio >= ACCURACY_TARGET,
            "unit": "F1",
        },
        {
            "name": "segmentation time per MB (one call)",
            "value": round(ms, 1),
            "baseline": round(ms_base, 1) if ms_base is not None else None,
            "ratio": round(ms / ms_base, 4) if ms_base else None,
            "target": "< 100 ms",
            "ok": ms < 100,
            "unit": "ms",
        },
    ]


def run() -> list[dict]:
    """Benchmark records: name, value, baseline, ratio, target, ok (plus unit)."""
    return records(measure())


def main() -> None:
    m = measure()
    print(f"labelled set: {m['cases']} cases ({CASES_PATH.relative_to(ROOT)})")
    print(f"{'':10} {'exact':>7} {'prec':>7} {'recall':>7} {'F1':>7}")
    for name in ("pressmark", "pysbd"):
        if m[name] is None:
            print(f"{name:10} (not installed)")
            continue
        a = m[name]["accuracy"]
        print(f"{name:10} {a['exact']:7.3f} {a['precision']:7.3f} {a['recall']:7.3f} {a['f1']:7.3f}")
    print()
    print(f"throughput on {m['chars']:,} characters in {m['docs']:,} documents:")
    rows = [("pressmark", m["pressmark"]["throughput"])]
    if m["pysbd"] is not None:
        rows.append(("pysbd", m["pysbd"]["throughput"]))
    rows.append(("pressmark (whole text in one call)", m["pressmark"]["whole_text"]))
    for name, t in rows:
        print(
            f"{name:35} {t['seconds'] * 1000:9.1f} ms {t['chars_per_s'] / 1e6:8.2f} M chars/s "
            f"{t['sentences_per_s']:12,.0f} sentences/s ({t['sentences']:,} sentences)"
        )
    print()
    for r in records(m):
        ratio = "n/a" if r["ratio"] is None else f"{r['ratio']:g}x"
        status = "ok" if r["ok"] else "FAIL"
        print(f"{r['name']:38} {r['value']!s:>12} vs {r['baseline']!s:>12}  ratio {ratio:>8}  "
              f"target {r['target']:>8}  {status}")


if __name__ == "__main__":
    main()
