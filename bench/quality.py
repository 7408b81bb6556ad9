"""``python -m bench quality``: how pressmark's segmentation, speakers, suggestions and alignment do on the
real corpus (``tests/data/corpus``, labelled by ``docs/labelling.md``), per split.

The split is fixed in ``tests/data/corpus/split.json``: tune on ``dev`` only; the README quotes ``test``.
``--details`` lists every error, and only for dev, so that tuning never looks at a test text.

Gold sentences are located in the text pressmark reads (``store.files.read_article``); pressmark's own
sentences are matched to them by offsets, so a segmentation error costs a sentence once, in the
segmentation figures, and the other figures are read on the gold sentences (a gold sentence gets the speaker
and suggested tags of the pressmark sentence its first word is in).

- segmentation: texts whose sentences are exactly the gold ones; sentence-span precision, recall and F1;
- speakers: the speaker's name right (a gold "no speaker" included) over all sentences, and over the
  sentences that have a speaker in the gold labels or in pressmark's (names compared case-folded, with
  apostrophes, spaces and a trailing "(ACRONYM)" normalised);
- suggestions: precision, recall and F1 of (sentence, tag) with the default cues and no tags yet;
- learning: a coder tags the split's texts in reading order (pair by pair, the release then its stories,
  sentence by sentence, as the gold labels say); after k = 0, 20, 50 and 100 sentences the F1 of what
  ``store.learn`` suggests for the sentences not yet tagged, and beside it the cues' F1 on those same
  sentences (the sentences left change with k, so that is the figure that shows what was learned);
- alignment: precision, recall and F1 of (story sentence, release sentence) pairs, per story.
"""
from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus"
TAGS = ("finding", "response", "commitment")
LEARNING_KS = (0, 20, 50, 100)


@dataclass
class Text:
    """One labelled article: its text as pressmark reads it and its gold sentences as spans."""

    pair: str
    role: str  # release, story, story-2 ...
    text: str
    gold: list[dict]  # labels.json entries
    spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.pair}/{self.role}"


@dataclass
class Pair:
    id: str
    split: str
    release: Text
    stories: list[tuple[Text, list[dict]]]  # (story, its gold alignment)


def gold_spans(text: str, sentences: list[dict], where: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for n, sentence in enumerate(sentences, 1):
        start = text.find(sentence["text"], pos)
        if start < 0:
            raise ValueError(f"{where}: gold sentence {n} is not in the text: {sentence['text'][:60]!r}")
        pos = start + len(sentence["text"])
        spans.append((start, pos))
    return spans


def load(corpus: Path = CORPUS) -> list[Pair]:
    from store.files import read_article

    split = json.loads((corpus / "split.json").read_text(encoding="utf-8"))
    which = {pair: name for name, pairs in split.items() for pair in pairs}
    out = []
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))

        def text(role: str) -> Text:
            t = Text(folder.name, role, read_article(folder / f"{role}.md").text, labels[role])
            t.spans = gold_spans(t.text, t.gold, t.name)
            return t

        stories = [(text(role), labels["alignment" + role[len("story"):]])
                   for role in sorted(k for k in labels if k.startswith("story"))]
        out.append(Pair(folder.name, which[folder.name], text("release"), stories))
    return out


def texts(pairs: list[Pair]) -> Iterator[Text]:
    for pair in pairs:
        yield pair.release
        for story, _ in pair.stories:
            yield story


# --------------------------------------------------------------------------- pressmark's side


def predicted_spans(t: Text) -> list[tuple[int, int]]:
    from store.segment import segment

    return [(s.start, s.end) for s in segment(t.text)]


def to_gold(t: Text, spans: list[tuple[int, int]]) -> list[int]:
    """For each gold sentence, the index of the pressmark sentence its first character is in (or the
    first one after it)."""
    out, k = [], 0
    for start, _ in t.spans:
        while k + 1 < len(spans) and spans[k][1] <= start:
            k += 1
        out.append(k)
    return out


def norm_name(name: str | None) -> str | None:
    if not name:
        return None
    name = re.sub(r"\s*\([A-Z][A-Za-z&]{1,9}\)$", "", name.replace("’", "'"))
    return " ".join(name.casefold().split())


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# --------------------------------------------------------------------------- the four measures


def segmentation(ts: list[Text], details: list[str] | None) -> dict:
    exact = tp = fp = fn = 0
    for t in ts:
        got, want = set(predicted_spans(t)), set(t.spans)
        exact += got == want
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        if details is not None and got != want:
            for s, e in sorted(want - got):
                details.append(f"{t.name}: gold sentence not found: {t.text[s:e][:100]!r}")
            for s, e in sorted(got - want):
                details.append(f"{t.name}:   pressmark has instead: {t.text[s:e][:100]!r}")
    p, r, f = _prf(tp, fp, fn)
    return {"texts exact": f"{exact}/{len(ts)}", "P": p, "R": r, "F1": f}


def speakers(ts: list[Text], details: list[str] | None) -> dict:
    from store.segment import segment
    from store.speakers import attribute

    right = total = right_attr = total_attr = 0
    for t in ts:
        sentences = segment(t.text)
        found = attribute(t.text, sentences)
        index = to_gold(t, [(s.start, s.end) for s in sentences])
        for n, (gold, k) in enumerate(zip(t.gold, index), 1):
            got = found[k].name if found[k] else None
            ok = norm_name(got) == norm_name(gold["speaker"])
            right, total = right + ok, total + 1
            if gold["speaker"] or got:
                right_attr, total_attr = right_attr + ok, total_attr + 1
            if details is not None and not ok:
                details.append(f"{t.name} {n}: speaker {got!r}, gold {gold['speaker']!r}: {gold['text'][:90]!r}")
    return {"accuracy": right / total, "n": total, "attributed accuracy": right_attr / total_attr,
            "attributed n": total_attr}


def _tag_counts(t: Text, proposed: dict[int, set[str]], counts: Counter, details: list[str] | None) -> None:
    for n, gold in enumerate(t.gold, 1):
        want, got = set(gold["tags"]), proposed.get(n, set())
        for tag in TAGS:
            key = ("tp" if tag in want and tag in got else "fp" if tag in got else "fn" if tag in want else None)
            if key:
                counts[tag, key] += 1
        if details is not None and want != got:
            details.append(f"{t.name} {n}: suggested {sorted(got)}, gold {sorted(want)}: {gold['text'][:90]!r}")


def cue_suggestions(t: Text) -> dict[int, set[str]]:
    """Gold sentence n -> the tags the default cues suggest for it (no tags given yet)."""
    from store.cues import compile_cues, default_cues, propose
    from store.segment import segment
    from store.speakers import attribute

    sentences = segment(t.text)
    proposed = propose([t.text[s.start:s.end] for s in sentences], attribute(t.text, sentences),
                       compile_cues(default_cues()))
    by_sentence: dict[int, set[str]] = {}
    for n, tag, _ in proposed:
        by_sentence.setdefault(n - 1, set()).add(tag)
    index = to_gold(t, [(s.start, s.end) for s in sentences])
    return {n: by_sentence.get(k, set()) for n, k in enumerate(index, 1)}


def suggestions(ts: list[Text], details: list[str] | None) -> dict:
    counts: Counter = Counter()
    for t in ts:
        _tag_counts(t, cue_suggestions(t), counts, details)
    return _tag_figures(counts)


def learning_curve(ts: list[Text], ks: tuple[int, ...] = LEARNING_KS) -> dict:
    """F1 of the suggestions for the sentences a coder has not tagged yet, after they tagged the first k of
    the texts in reading order (each pair's release, then its stories), learned by ``store.learn`` from those
    decisions exactly as the reader and ``pressmark suggest`` learn from the database; beside it, the cues
    alone on the same sentences. Sentences are pressmark's; a gold sentence counts once its pressmark
    sentence (the one its first character is in) is not yet tagged."""
    from store import learn
    from store.cues import compile_cues, cue_tags, default_cues
    from store.segment import segment
    from store.speakers import attribute

    compiled = compile_cues(default_cues())
    docs = []
    for t in ts:
        cut = segment(t.text)
        spans = [(s.start, s.end) for s in cut]
        sentences = learn.sentences_of([t.text[a:b] for a, b in spans], attribute(t.text, cut),
                                       [s.para for s in cut], compiled)
        decided = [set(t.gold[o - 1]["tags"]) if o else set() for o in _owner(t, spans)]
        docs.append((t, sentences, decided, to_gold(t, spans)))
    reading = [(d, i) for d, doc in enumerate(docs) for i in range(len(doc[1]))]
    out = {}
    for k in ks:
        done: dict[int, set[int]] = {}
        for d, i in reading[:k]:
            done.setdefault(d, set()).add(i)
        examples = []  # as store.learn.gather reads them: the article tagged last first
        for d in sorted(done, reverse=True):
            t, sentences, decided, _ = docs[d]
            tagged = {i + 1: decided[i] for i in done[d] if decided[i]}
            examples.extend(learn.examples_of(sentences, tagged, (), compiled, TAGS, t.name))
        model = learn.train(examples, TAGS, compiled)
        counts: dict[str, Counter] = {"learned": Counter(), "cues": Counter()}
        left = 0
        for d, (t, sentences, _, index) in enumerate(docs):
            rest = [(gold, sentences[i]) for gold, i in zip(t.gold, index) if i not in done.get(d, ())]
            left += len(rest)
            untagged = Text(t.pair, t.role, t.text, [gold for gold, _ in rest])
            _tag_counts(untagged, {n: set(model.suggest(s, TAGS, compiled)) for n, (_, s) in enumerate(rest, 1)},
                        counts["learned"], None)
            _tag_counts(untagged, {n: set(cue_tags(s.hits, s.speaker, compiled)) for n, (_, s) in enumerate(rest, 1)},
                        counts["cues"], None)
        out[k] = {"learned": _tag_figures(counts["learned"])["F1"], "cues": _tag_figures(counts["cues"])["F1"],
                  "sentences": left}
    return out


def _tag_figures(counts: Counter) -> dict:
    out = {}
    for tag in TAGS:
        out[f"{tag} F1"] = _prf(counts[tag, "tp"], counts[tag, "fp"], counts[tag, "fn"])[2]
    p, r, f = _prf(*(sum(counts[tag, k] for tag in TAGS) for k in ("tp", "fp", "fn")))
    return {"P": p, "R": r, "F1": f, **out}


def alignment(pairs: list[Pair], details: list[str] | None) -> dict:
    from store.align import align_texts

    out, tp_all, fp_all, fn_all = {}, 0, 0, 0
    for pair in pairs:
        release = pair.release
        r_spans = predicted_spans(release)
        r_index = _owner(release, r_spans)
        for story, gold in pair.stories:
            s_spans = predicted_spans(story)
            s_index = _owner(story, s_spans)
            got = {(s_index[p.b - 1], r_index[p.a - 1])
                   for p in align_texts(release.text, r_spans, story.text, s_spans).pairs}
            got = {g for g in got if None not in g}
            want = {(g["story"], r) for g in gold for r in g["release"]}
            tp, fp, fn = len(got & want), len(got - want), len(want - got)
            tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
            out[story.name] = _prf(tp, fp, fn)[2]
            if details is not None:
                for s, r in sorted(got - want):
                    details.append(f"{story.name}: extra pair s{s}-r{r}: {story.gold[s - 1]['text'][:60]!r} ~ "
                                   f"{release.gold[r - 1]['text'][:60]!r}")
                for s, r in sorted(want - got):
                    details.append(f"{story.name}: missed pair s{s}-r{r}: {story.gold[s - 1]['text'][:60]!r} ~ "
                                   f"{release.gold[r - 1]['text'][:60]!r}")
    p, r, f = _prf(tp_all, fp_all, fn_all)
    return {"P": p, "R": r, "F1": f, "worst story F1": min(out.values(), default=1.0),
            "per story": out}


def _owner(t: Text, spans: list[tuple[int, int]]) -> list[int | None]:
    """For each pressmark sentence, the gold sentence (1-based) its first character is in."""
    out = []
    for start, _ in spans:
        n = next((i for i, (s, e) in enumerate(t.spans, 1) if s <= start < e), None)
        out.append(n)
    return out


# --------------------------------------------------------------------------- report


def measure(pairs: list[Pair], details: list[str] | None = None) -> dict:
    ts = list(texts(pairs))
    return {"segmentation": segmentation(ts, details), "speakers": speakers(ts, details),
            "suggestions": suggestions(ts, details), "learning": learning_curve(ts),
            "alignment": alignment(pairs, details)}


def _fmt(value) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench quality", description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="list every error on the dev split (never test)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    pairs = load()
    results = {}
    for split in ("dev", "test"):
        chosen = [p for p in pairs if p.split == split]
        details = [] if args.details and split == "dev" else None
        results[split] = measure(chosen, details)
        results[split]["pairs"] = len(chosen)
        if details:
            print(f"# errors on dev ({len(details)})")
            print("\n".join(details))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for split, figures in results.items():
        print(f"\n{split}: {figures['pairs']} pairs, {sum(1 for p in pairs if p.split == split for _ in texts([p]))} texts")
        for measure_name in ("segmentation", "speakers", "suggestions", "learning", "alignment"):
            if measure_name == "learning":
                print(f"  {'learning':13} F1 on the untagged sentences after k tagged (cues alone; sentences left): "
                      + "  ".join(f"{k}: {v['learned']:.3f} ({v['cues']:.3f}; {v['sentences']})"
                                  for k, v in figures["learning"].items()))
                continue
            row = {k: v for k, v in figures[measure_name].items() if k != "per story"}
            print(f"  {measure_name:13} " + "  ".join(f"{k} {_fmt(v)}" for k, v in row.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
