"""Suggested tags and speakers: quality on the labelled set, against trivial baselines.

Run ``python -m bench.suggest`` from the repository root. The labelled set is
``tests/data/suggest_eval.json``: the two real articles in ``articles/`` and
texts written for it (inspection reports, council, police and NHS statements),
tagged as a careful analyst would (a sentence may have several tags or none)
with the speaker of every sentence; its ``guidelines`` say how. Two of the
written texts are **held out**: written and labelled with the others, before
any rule was written, and never used to tune the cue codebook; their figures
are reported separately (the "all" figures include them).

Measured, with ``store.suggest.evaluate`` and the default cue codebook:

* per tag and overall (micro-averaged over tags) precision, recall and F1 of
  the suggestions (a suggestion is right when the analyst gave that tag);
* speaker accuracy: the share of sentences whose speaker name (``None`` for
  narration) equals the label, and the same over the sentences that have one.

Baselines: for tags, "every quoted sentence is a response" (a sentence that
contains a double quotation mark or lies inside a quotation); for speakers,
"nobody speaks" (every sentence ``None``).

Targets (issue 8): overall F1 >= 0.7 and speaker accuracy >= 0.9.
"""
from __future__ import annotations

import json
from pathlib import Path

from store.files import read_article
from store.segment import segment
from store.suggest import evaluate

ROOT = Path(__file__).resolve().parent.parent
CASES_PATH = ROOT / "tests" / "data" / "suggest_eval.json"
F1_TARGET = 0.7
SPEAKER_TARGET = 0.9
TAGS = ("finding", "response", "commitment")


def load_cases() -> list[dict]:
    data = json.loads(CASES_PATH.read_text(encoding="utf-8"))
    cases = data["texts"]
    for case in cases:
        if "file" in case:
            case["text"] = read_article(ROOT / "articles" / case["file"]).text
    return cases


def _quoted_flags(text: str) -> list[bool]:
    """The baseline's notion of quoted: the sentence has a double quotation mark or is inside a quotation."""
    out, inside = [], False
    for s in segment(text):
        sentence = text[s.start:s.end]
        marks = [c for c in sentence if c in "“”\""]
        out.append(inside or bool(marks))
        for c in marks:
            inside = c == "“" or (c == '"' and not inside)
    return out


def baseline(cases: list[dict]) -> dict:
    """Scores of "every quoted sentence is a response" and of "nobody speaks"."""
    none_right = total = 0
    per_tag = {t: [0, 0, 0] for t in TAGS}
    for case in cases:
        for quoted, gold in zip(_quoted_flags(case["text"]), case["sentences"]):
            for t in TAGS:
                got, want = t == "response" and quoted, t in gold["tags"]
                per_tag[t][0] += got and want
                per_tag[t][1] += got and not want
                per_tag[t][2] += want and not got
            none_right += gold["speaker"] is None
            total += 1
    def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return p, r, 2 * p * r / (p + r) if p + r else 0.0

    p, r, f = f1(*(sum(c[i] for c in per_tag.values()) for i in range(3)))
    return {"f1": f, "precision": p, "recall": r, "tags": {t: f1(*c)[2] for t, c in per_tag.items()},
            "speaker_accuracy": none_right / total if total else 0.0}


def measure() -> dict:
    cases = load_cases()
    held = [c for c in cases if c.get("held_out")]
    return {
        "cases": len(cases),
        "held_out_cases": len(held),
        "all": evaluate(cases),
        "held_out": evaluate(held),
        "tuned": evaluate([c for c in cases if not c.get("held_out")]),
        "baseline": baseline(cases),
        "baseline_held_out": baseline(held),
    }


def _ratio(value: float, base: float) -> float | None:
    return round(value / base, 2) if base else None


def records(m: dict) -> list[dict]:
    a, h, b, bh = m["all"], m["held_out"], m["baseline"], m["baseline_held_out"]
    out = []
    for t in TAGS:
        f1 = a["tags"][t]["f1"]
        base = b["tags"][t]
        out.append({"name": f"suggestions F1: {t}", "value": round(f1, 4), "baseline": round(base, 4),
                    "ratio": _ratio(f1, base), "target": "report", "ok": True, "unit": "F1",
                    "note": f"P {a['tags'][t]['precision']:.3f} R {a['tags'][t]['recall']:.3f}; "
                            f"held out F1 {h['tags'][t]['f1']:.3f}"})
    for label, res, base in (("all", a, b), ("held out", h, bh)):
        f1 = res["overall"]["f1"]
        out.append({"name": f"suggestions overall F1 ({label})", "value": round(f1, 4),
                    "baseline": round(base["f1"], 4), "ratio": _ratio(f1, base["f1"]),
                    "target": f">= {F1_TARGET}", "ok": f1 >= F1_TARGET, "unit": "micro F1",
                    "note": f"P {res['overall']['precision']:.3f} R {res['overall']['recall']:.3f}, "
                            f"{res['sentences']} sentences; baseline: every quoted sentence is a response"})
        acc = res["speaker"]["accuracy"]
        out.append({"name": f"speaker accuracy ({label})", "value": round(acc, 4),
                    "baseline": round(base["speaker_accuracy"], 4),
                    "ratio": _ratio(acc, base["speaker_accuracy"]), "target": f">= {SPEAKER_TARGET}",
                    "ok": acc >= SPEAKER_TARGET, "unit": "share of sentences",
                    "note": f"{res['speaker']['spoken_correct']}/{res['speaker']['spoken']} of the sentences that "
                            "have a speaker; baseline: nobody speaks"})
    return out


def run() -> list[dict]:
    """Benchmark records: name, value, baseline, ratio, target, ok (plus unit, note)."""
    return records(measure())


def main() -> None:
    m = measure()
    print(f"labelled set: {m['cases']} texts ({m['held_out_cases']} held out), "
          f"{m['all']['sentences']} sentences ({CASES_PATH.relative_to(ROOT)})")
    for label in ("all", "tuned", "held_out"):
        res = m[label]
        print(f"\n{label.replace('_', ' ')} ({res['sentences']} sentences)")
        print(f"  {'':11} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn")
        for t in TAGS:
            s = res["tags"][t]
            print(f"  {t:11} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f}  {s['tp']:3} {s['fp']:3} {s['fn']:3}")
        o = res["overall"]
        print(f"  {'overall':11} {o['precision']:6.3f} {o['recall']:6.3f} {o['f1']:6.3f}  "
              f"{o['tp']:3} {o['fp']:3} {o['fn']:3}   (macro F1 {res['macro_f1']:.3f})")
        sp = res["speaker"]
        print(f"  speaker accuracy {sp['accuracy']:.3f} ({sp['correct']}/{sp['total']}); "
              f"of sentences with a speaker {sp['spoken_accuracy']:.3f} ({sp['spoken_correct']}/{sp['spoken']})")
    b = m["baseline"]
    print(f"\nbaseline (quoted -> response; nobody speaks): F1 {b['f1']:.3f} "
          f"(P {b['precision']:.3f} R {b['recall']:.3f}), speaker accuracy {b['speaker_accuracy']:.3f}")
    print()
    for r in records(m):
        ratio = "n/a" if r["ratio"] is None else f"{r['ratio']:g}x"
        print(f"{r['name']:38} {r['value']!s:>8} vs {r['baseline']!s:>8}  ratio {ratio:>7}  "
              f"target {r['target']:>7}  {'ok' if r['ok'] else 'FAIL'}")


if __name__ == "__main__":
    main()
