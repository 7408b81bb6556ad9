"""Sentence alignment and source finding: ``store.align`` speed and quality.

Run ``python -m bench.align`` from the repository root.  It measures

* **quality** on the labelled set ``tests/data/alignment.json``: pair
  precision and recall (pairs labelled "optional" count neither way), and
  pairs found between unrelated same-topic texts (must be 0).  The baseline is
  a topic-similarity aligner, what ``store.align`` deliberately is not: a
  sentence pair whose content-word sets have a Jaccard similarity of at least
  0.3;
* **alignment time** for two generated 1 MB articles (B reuses about half of
  A's sentences, verbatim, lightly edited or split, a little reordered, and
  adds new ones), ``align_texts`` only (segmentation happens at sync time),
  worst of 3 runs; target <= 2 s.  Baseline: the same texts through ``difflib.SequenceMatcher``
  on the word lists (the standard library's diff), one run, cut off at 20 s;
* **sources time** over a generated library of 10,000 articles (1,500 press
  releases, 4,000 stories written from them, 4,500 unrelated articles, every
  press release ending in the same boilerplate), the worst of 20 calls of
  ``sources(db, story)`` with an empty alignment cache (so each call also
  computes and stores its exact alignments); target <= 1 s.  Baseline: exact
  alignment of the story against every other article, timed on 200 and
  scaled to 9,999.  Also reported: how often the true press release is
  ranked first.

Corpora are generated from a fixed seed and cached under ``bench/.cache/``
(git-ignored; delete it to rebuild, about a minute).  ``run()`` returns the
records for ``python -m bench run``.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import random
import re
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
CASES_PATH = ROOT / "tests" / "data" / "alignment.json"
GENERATOR = 1  # bump when the generated corpora change
SEED = 20210428
ALIGN_TARGET_S = 2.0
SOURCES_TARGET_S = 1.0
QUALITY_TARGET = 0.9
N_RELEASES, N_STORIES, N_OTHER = 1_500, 4_000, 4_500
SOURCES_QUERIES = 20
BRUTE_SAMPLE = 200
DIFFLIB_CUTOFF_S = 20.0
BOILERPLATE = ("Notes to editors: for more information please contact the council press office on "
               "01274 432000 or email press.office@example.gov.uk.")

# --------------------------------------------------------------------------- text generator

_SYLLABLES = ("ba ce di fo gu ha je ki lo mu na pe ri so tu va we xi yo za an el in or us th st ch sh qu "
              "ar en il on ur").split()


class Writer:
    """Deterministic English-like prose: real function words plus a Zipf-distributed invented vocabulary."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        real = re.findall(r"[a-z]+", " ".join(
            p.read_text(encoding="utf-8").lower() for p in sorted((ROOT / "articles").glob("*.txt"))))
        words = list(dict.fromkeys(real))
        seen = set(words)
        while len(words) < 30_000:
            w = "".join(self.rng.choice(_SYLLABLES) for _ in range(self.rng.randint(2, 4)))
            if w not in seen:
                seen.add(w)
                words.append(w)
        self.words = words
        cum, total = [], 0.0
        for rank in range(len(words)):
            total += 1 / (rank + 1) ** 1.05
            cum.append(total)
        self.cum = cum

    def sentence(self) -> str:
        n = self.rng.randint(6, 32)
        ws = self.rng.choices(self.words, cum_weights=self.cum, k=n)
        return ws[0].capitalize() + " " + " ".join(ws[1:]) + "."

    def edit(self, sentence: str) -> list[str]:
        """A source sentence as a journalist might reuse it: verbatim, lightly edited, split (or dropped)."""
        rng = self.rng
        r = rng.random()
        ws = sentence[:-1].split()
        if r < 0.35:
            return [sentence]
        if r < 0.75:
            for _ in range(rng.randint(1, 2)):
                k = rng.randrange(1, len(ws))
                if rng.random() < 0.5:
                    ws[k] = rng.choices(self.words, cum_weights=self.cum, k=1)[0]
                elif len(ws) > 6:
                    del ws[k]
            return [" ".join(ws) + "."]
        if r < 0.9 and len(ws) >= 12:
            k = rng.randrange(5, len(ws) - 5)
            return [" ".join(ws[:k]) + ".", ws[k].capitalize() + " " + " ".join(ws[k + 1:]) + "."]
        return []

    def article(self, sentences: list[str]) -> str:
        """Headline plus paragraphs of one to three sentences."""
        head = " ".join(self.sentence()[:-1].split()[:8]).title()
        paras, i = [], 0
        while i < len(sentences):
            k = self.rng.randint(1, 3)
            paras.append(" ".join(sentences[i:i + k]))
            i += k
        return head + "\n" + "\n".join(paras) + "\n"

    def story_from(self, release: list[str], share: float) -> list[str]:
        out = [self.sentence()]  # a new lead
        for s in release:
            if self.rng.random() < share:
                out.extend(self.edit(s))
            if self.rng.random() < 0.35:
                out.append(self.sentence())
        for _ in range(len(out) // 6):  # some reordering
            i = self.rng.randrange(1, len(out))
            j = min(len(out) - 1, i + self.rng.randint(1, 3))
            out[i], out[j] = out[j], out[i]
        return out


# --------------------------------------------------------------------------- corpora


def big_pair() -> tuple[str, str]:
    """Two ~1 MB articles, B written from A (cached)."""
    path = CACHE / f"align-1mb-g{GENERATOR}-s{SEED}.json"
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["a"], data["b"]
    w = Writer(SEED)
    release: list[str] = []
    while sum(map(len, release)) < 1_000_000:
        release.append(w.sentence())
    story = w.story_from(release, share=0.55)
    while sum(map(len, story)) < 1_000_000:
        story.append(w.sentence())
    a, b = w.article(release), w.article(story)
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"a": a, "b": b}), encoding="utf-8")
    return a, b


def library_path() -> Path:
    """A pressmark database holding 10,000 generated articles, indexed (cached)."""
    path = CACHE / f"sources-10k-g{GENERATOR}-s{SEED}.db"
    if path.exists():
        return path
    from store.db import connect, now, write
    from store.derived.shingles import index_article
    from store.segment import segment
    from store.sentences import encode, save

    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    for p in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        p.unlink(missing_ok=True)
    w = Writer(SEED + 1)
    releases = [[w.sentence() for _ in range(w.rng.randint(10, 25))] + [BOILERPLATE] for _ in range(N_RELEASES)]
    docs = [(f"release_{i:05}.txt", w.article(r)) for i, r in enumerate(releases)]
    for i in range(N_STORIES):
        src = w.rng.randrange(N_RELEASES)
        docs.append((f"story_{i:05}_from_{src:05}.txt",
                     w.article(w.story_from(releases[src][:-1], share=w.rng.uniform(0.3, 0.8)))))
    for i in range(N_OTHER):
        docs.append((f"other_{i:05}.txt", w.article([w.sentence() for _ in range(w.rng.randint(8, 25))])))
    w.rng.shuffle(docs)
    db = connect(tmp)
    with write(db):
        for file, text in docs:
            sents = segment(text)
            aid = db.conn.execute(
                "INSERT INTO articles (root, file, title, encoding, text, sha256, size, n_sentences, synced_at)"
                " VALUES (?, ?, ?, 'utf-8', ?, ?, ?, ?, ?)",
                ("/bench", file, text.split("\n", 1)[0], text, hashlib.sha256(text.encode()).hexdigest(),
                 len(text.encode()), len(sents), now())).lastrowid
            save(db, aid, encode(sents))
            index_article(db, aid)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    tmp.rename(path)
    return path


# --------------------------------------------------------------------------- quality


def joined(sentences: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """One paragraph of sentences separated by single spaces, and their spans (also used by the tests)."""
    text, spans = "", []
    for s in sentences:
        if text:
            text += " "
        spans.append((len(text), len(text) + len(s)))
        text += s
    return text, spans


def labelled_cases() -> list[dict]:
    """The labelled set as in tests/test_align.py."""
    from store.segment import segment

    data = json.loads(CASES_PATH.read_text(encoding="utf-8"))
    real = data["real"]

    def side(rel: str):
        text = (ROOT / rel).read_text(encoding="utf-8")
        return text, [(s.start, s.end) for s in segment(text)]

    (a, sa), (b, sb) = side(real["a_file"]), side(real["b_file"])
    cases = [dict(a=a, sa=sa, b=b, sb=sb, gold={(p["a"], p["b"]) for p in real["pairs"]},
                  optional={(p["a"], p["b"]) for p in real["optional"]}, unrelated=False)]
    for c in data["constructed"]:
        (ca, csa), (cb, csb) = joined(c["a"]), joined(c["b"])
        cases.append(dict(a=ca, sa=csa, b=cb, sb=csb, gold={tuple(p) for p in c["pairs"]},
                          optional={tuple(p) for p in c.get("optional", [])}, unrelated=c.get("unrelated", False)))
    for c in data["unrelated_to_real"]:
        cb, csb = joined(c["b"])
        cases.append(dict(a=a, sa=sa, b=cb, sb=csb, gold=set(), optional=set(), unrelated=True))
    return cases


def topic_pairs(a: str, sa, b: str, sb, threshold: float = 0.3) -> set[tuple[int, int]]:
    """Baseline: pairs whose content-word sets overlap (Jaccard >= threshold), i.e. topic similarity."""
    from store.words import STOP_WORDS, normalised_words

    def bags(text, spans):
        return [{w for w in normalised_words(text[s:e]) if w not in STOP_WORDS} for s, e in spans]

    ba, bb = bags(a, sa), bags(b, sb)
    return {(i, j) for i, x in enumerate(ba, 1) for j, y in enumerate(bb, 1)
            if x and y and len(x & y) / len(x | y) >= threshold}


def quality(aligner) -> dict:
    tp = fp = fn = unrelated_pairs = 0
    for c in labelled_cases():
        pred = aligner(c["a"], c["sa"], c["b"], c["sb"])
        tp += len(pred & c["gold"])
        fp += len(pred - c["gold"] - c["optional"])
        fn += len(c["gold"] - pred)
        if c["unrelated"]:
            unrelated_pairs += len(pred)
    return {"precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
            "tp": tp, "fp": fp, "fn": fn, "unrelated_pairs": unrelated_pairs}


def ours(a, sa, b, sb) -> set[tuple[int, int]]:
    from store.align import align_texts

    return {(p.a, p.b) for p in align_texts(a, sa, b, sb).pairs}


# --------------------------------------------------------------------------- speed


def align_speed() -> dict:
    from store.align import align_texts
    from store.segment import segment

    a, b = big_pair()
    sa = [(s.start, s.end) for s in segment(a)]
    sb = [(s.start, s.end) for s in segment(b)]
    times, result = [], None
    for _ in range(3):
        t0 = time.perf_counter()
        result = align_texts(a, sa, b, sb)
        times.append(time.perf_counter() - t0)
    # baseline: difflib on the word lists, in a worker so it can be cut off
    words_a, words_b = a.split(), b.split()
    base = _difflib_seconds(words_a, words_b)
    return {"chars": (len(a), len(b)), "sentences": (len(sa), len(sb)), "seconds": times, "pairs": len(result.pairs),
            "b_from_a": result.reuse.b_from_a, "a_used_by_b": result.reuse.a_used_by_b, "difflib_seconds": base}


def _difflib_worker(words_a, words_b, queue) -> None:
    t0 = time.perf_counter()
    difflib.SequenceMatcher(None, words_a, words_b, autojunk=False).get_matching_blocks()
    queue.put(time.perf_counter() - t0)


def _difflib_seconds(words_a: list[str], words_b: list[str]) -> float | None:
    """Seconds difflib needs, or None when it has not finished within DIFFLIB_CUTOFF_S."""
    import multiprocessing as mp

    ctx = mp.get_context("fork") if hasattr(mp, "get_context") else mp
    queue = ctx.Queue()
    proc = ctx.Process(target=_difflib_worker, args=(words_a, words_b, queue))
    proc.start()
    proc.join(DIFFLIB_CUTOFF_S)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None
    return queue.get()


def sources_speed() -> dict:
    from store.align import align_texts
    from store.db import connect
    from store.derived.shingles import sources
    from store.sentences import spans

    t_build = time.perf_counter()
    path = library_path()
    build = time.perf_counter() - t_build
    db = connect(path)
    try:
        rng = random.Random(SEED)
        stories = db.conn.execute("SELECT id, file FROM articles WHERE file LIKE 'story_%' ORDER BY id").fetchall()
        releases = {f: i for i, f in db.conn.execute("SELECT id, file FROM articles WHERE file LIKE 'release_%'")}
        sample = rng.sample(stories, SOURCES_QUERIES)
        db.conn.execute("DELETE FROM alignments")
        cold, warm, first_right = [], [], 0
        for aid, file in sample:
            t0 = time.perf_counter()
            found = sources(db, aid)
            cold.append(time.perf_counter() - t0)
            src = releases[f"release_{file.rsplit('_', 1)[1]}"]
            first_right += bool(found) and found[0].id == src
        for aid, _ in sample:
            t0 = time.perf_counter()
            sources(db, aid)
            warm.append(time.perf_counter() - t0)
        # baseline: exact alignment against every article, timed on a sample and scaled
        n = db.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        target_id = sample[0][0]

        def side(article_id):
            text = db.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
            return text, [(start, end) for start, end, _ in spans(db, article_id)]

        b_text, b_spans = side(target_id)
        others = [r[0] for r in db.conn.execute("SELECT id FROM articles WHERE id != ? ORDER BY id LIMIT ?",
                                                (target_id, BRUTE_SAMPLE))]
        loaded = [side(o) for o in others]
        t0 = time.perf_counter()
        for a_text, a_spans in loaded:
            align_texts(a_text, a_spans, b_text, b_spans)
        brute = (time.perf_counter() - t0) * (n - 1) / len(loaded)
        stats = {
            "articles": n,
            "index_rows": db.conn.execute("SELECT count(*) FROM shingles").fetchone()[0],
            "db_bytes": path.stat().st_size,
            "build_seconds": build,
        }
        db.conn.execute("DELETE FROM alignments")
    finally:
        db.conn.close()
    return {"cold": cold, "warm": warm, "first_right": first_right / len(sample), "brute_seconds": brute, **stats}


# --------------------------------------------------------------------------- records


def measure() -> dict:
    return {"quality": quality(ours), "quality_baseline": quality(topic_pairs), "align": align_speed(),
            "sources": sources_speed()}


def _ratio(value, baseline):
    if value is None or baseline is None:
        return None
    return round(value / baseline, 4) if baseline else None


def records(m: dict) -> list[dict]:
    q, qb, al, so = m["quality"], m["quality_baseline"], m["align"], m["sources"]
    align_s = max(al["seconds"])
    sources_s = max(so["cold"])
    return [
        {"name": "alignment precision (labelled set) vs topic similarity", "value": round(q["precision"], 4),
         "baseline": round(qb["precision"], 4), "ratio": _ratio(q["precision"], qb["precision"]),
         "target": f">= {QUALITY_TARGET}", "ok": q["precision"] >= QUALITY_TARGET, "unit": "precision"},
        {"name": "alignment recall (labelled set) vs topic similarity", "value": round(q["recall"], 4),
         "baseline": round(qb["recall"], 4), "ratio": _ratio(q["recall"], qb["recall"]),
         "target": f">= {QUALITY_TARGET}", "ok": q["recall"] >= QUALITY_TARGET, "unit": "recall"},
        {"name": "pairs between unrelated same-topic texts", "value": q["unrelated_pairs"],
         "baseline": qb["unrelated_pairs"], "ratio": None, "target": "0", "ok": q["unrelated_pairs"] == 0,
         "unit": "pairs"},
        {"name": "align two 1 MB articles (worst of 3)", "value": round(align_s, 3),
         "baseline": None if al["difflib_seconds"] is None else round(al["difflib_seconds"], 3),
         "ratio": _ratio(align_s, al["difflib_seconds"]), "target": f"<= {ALIGN_TARGET_S:g} s",
         "ok": align_s <= ALIGN_TARGET_S, "unit": "s (baseline: difflib on the words; None = over 20 s)"},
        {"name": f"sources over {so['articles']:,} articles (worst of {len(so['cold'])}, cold cache)",
         "value": round(sources_s, 3), "baseline": round(so["brute_seconds"], 3),
         "ratio": _ratio(sources_s, so["brute_seconds"]), "target": f"<= {SOURCES_TARGET_S:g} s",
         "ok": sources_s <= SOURCES_TARGET_S, "unit": "s (baseline: exact alignment against every article)"},
        {"name": "sources: true press release ranked first", "value": round(so["first_right"], 4),
         "baseline": None, "ratio": None, "target": ">= 0.95", "ok": so["first_right"] >= 0.95, "unit": "share"},
    ]


def run() -> list[dict]:
    """Benchmark records: name, value, baseline, ratio, target, ok (plus unit)."""
    return records(measure())


def main() -> None:
    m = measure()
    q, qb = m["quality"], m["quality_baseline"]
    print(f"labelled set ({CASES_PATH.relative_to(ROOT)}):")
    for name, r in (("store.align", q), ("topic similarity", qb)):
        print(f"  {name:17} precision {r['precision']:.3f}  recall {r['recall']:.3f}  "
              f"(tp {r['tp']}, fp {r['fp']}, fn {r['fn']}; pairs between unrelated texts: {r['unrelated_pairs']})")
    al = m["align"]
    base = "over 20 s (stopped)" if al["difflib_seconds"] is None else f"{al['difflib_seconds']:.2f} s"
    print(f"align: {al['chars'][0]:,} + {al['chars'][1]:,} characters, {al['sentences'][0]:,} + "
          f"{al['sentences'][1]:,} sentences: " + ", ".join(f"{t:.3f} s" for t in al["seconds"])
          + f"; {al['pairs']:,} pairs, B from A {al['b_from_a']:.1%}, A used {al['a_used_by_b']:.1%}; difflib {base}")
    so = m["sources"]
    print(f"sources: {so['articles']:,} articles, {so['index_rows']:,} index rows, database "
          f"{so['db_bytes'] / 1e6:.0f} MB (built in {so['build_seconds']:.1f} s)")
    print(f"  cold: median {statistics.median(so['cold']) * 1000:.0f} ms, worst {max(so['cold']) * 1000:.0f} ms; "
          f"warm (cached alignments): median {statistics.median(so['warm']) * 1000:.0f} ms, "
          f"worst {max(so['warm']) * 1000:.0f} ms; brute force about {so['brute_seconds']:.1f} s; "
          f"true source first in {so['first_right']:.0%}")
    print()
    for r in records(m):
        ratio = "n/a" if r["ratio"] is None else f"{r['ratio']:g}x"
        status = "ok" if r["ok"] else "FAIL"
        print(f"{r['name']:66} {r['value']!s:>8} vs {r['baseline']!s:>8}  ratio {ratio:>8}  "
              f"target {r['target']:>8}  {status}")


if __name__ == "__main__":
    main()
