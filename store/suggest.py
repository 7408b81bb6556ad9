"""Suggested tags: a transparent, rule-based suggester driven by an editable cue codebook (``store.cues``).

The rules are data: the ``cues`` table, whose columns (tag, match, cue, when, weight, note) and their
meaning ``store.cues`` describes; ``pressmark cues --export`` / ``--import`` round-trips it as CSV. A tag is
suggested when the cues that fire on a sentence add up to ``store.cues.THRESHOLD``.

Every suggestion carries its reason, naming the cues that fired: ``cue:
'acknowledge that' — finding``, ``cues: Ofsted is an inspector,
'recognised' — finding`` or ``cue: Caroline Walker speaks after the Care
Quality Commission’s findings — response``.

Once an annotator has decided on some sentences, their suggestions learn from
those decisions (``store.learn``: a model per annotator with this codebook as
its prior); a suggestion the cues do not make says what it learned from
(``learned from your tags: 'fined', a sum of money — finding``).

Storage: ``suggestions`` holds one row per (article, sentence, tag) with the
reason, the sentence text it was made for, and ``status`` ``open`` or
``dismissed``. Suggestions are never annotations. Accepting one writes an
ordinary tag annotation through the event log, as one undoable action
labelled ``accept suggestion`` / ``accept N suggestions``; "accepted" is not
stored but derived — the annotator has that tag on that sentence — so undo
(which restores ``annotations`` rows only) removes the tag and the suggestion
is open again, and redo accepts it again. Which annotations came from a
suggestion is recorded by that action (``suggested_annotations``).

A suggestion is shown to an annotator (``open_suggestions``) while it is open,
its sentence still has the text it was made for, and the annotator has not
tagged that sentence yet: suggestions are for sentences nobody has decided on.
``suggest`` recomputes an article's suggestions from its current text, speakers
and codebook; it keeps dismissals (matched by sentence text and tag, so an
edited article keeps them) and never touches annotations.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from store.cues import Cue, compile_cues, cues_csv, default_cues, load_cues, parse_cues, propose, save_cues
from store.db import Database, has_table, is_readonly, now, write
from store.derived.speakers import sentence_speakers
from store.errors import StoreError, disk_full
from store.sentences import sentence_text, spans, texts

__all__ = [
    "Suggestion", "accept", "accept_all", "article_suggestions", "dismiss", "evaluate", "export_cues", "import_cues",
    "open_suggestions", "reopen", "suggest", "suggested_annotations", "suggestions_by_sentence",
]

CUES_FILE_MAX = 1024 * 1024  # bytes: some 250 times the default codebook


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed tag for one sentence. ``status``: open, accepted (for that annotator) or dismissed."""

    article_id: int
    n: int
    tag: str
    reason: str
    status: str = "open"


# --------------------------------------------------------------------------- the codebook's file


def _tag_names(db: Database) -> list[str]:
    return [r[0] for r in db.conn.execute("SELECT name FROM tags ORDER BY position, name")]


def import_cues(db: Database, path: str | Path) -> int:
    """Replace the codebook with the CSV file at ``path``; returns the number of cues. Nothing changes on error."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = f.read(CUES_FILE_MAX + 1)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > CUES_FILE_MAX:
        raise StoreError(f"{path}: larger than {CUES_FILE_MAX // 1024} KiB, which no cue codebook is")
    if b"\0" in data:
        raise StoreError(f"{path}: a binary file (it has NUL bytes), not a cue codebook")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StoreError(f"{path}: not a UTF-8 text file") from None
    cues = parse_cues(text, _tag_names(db), source=str(path))
    save_cues(db, cues)
    return len(cues)


def export_cues(db: Database, path: str | Path | None = None) -> str:
    """The codebook as CSV; also written to ``path`` when given."""
    text = cues_csv(load_cues(db))
    if path is not None:
        from store.export import refuse_precious  # never overwrite the database or an article

        refuse_precious(db, Path(path))
        if Path(path).is_dir():
            raise StoreError(f"{path}: is a folder; give a file name such as {Path(path) / 'cues.csv'}")
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return text


# --------------------------------------------------------------------------- stored suggestions


def _compute(db: Database, article_id: int, annotator: str | None, pace: Callable[[], None] | None,
             train: bool) -> tuple[list[str], list[tuple[int, str, str]]]:
    """The article's sentences and what to suggest for them: the cues', or, once ``annotator`` has decided
    on some sentences, their model's (store.learn; trained now if ``train``, else as last trained)."""
    from store import learn

    if db.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is None:
        raise StoreError(f"no article with id {article_id}")
    compiled = compile_cues(load_cues(db))
    tags = _tag_names(db)
    model = None if annotator is None else learn.model_for(db, annotator, compiled, tags, pace, train)
    sentences = texts(db, article_id)
    stored = sentence_speakers(db, article_id)
    speakers = [stored.get(n) for n in range(1, len(sentences) + 1)]
    if model is None:
        return sentences, propose(sentences, speakers, compiled)
    seen = learn.iter_sentences(sentences, speakers, [p for _, _, p in spans(db, article_id)], compiled)
    return sentences, [(n, tag, reason) for n, s in enumerate(seen, 1)
                       for tag, reason in model.suggest(s, tags, compiled).items()]


def _current(db: Database, article_id: int, rows: list[tuple], n: int | None = None) -> list[tuple]:
    """The rows (sentence n first, the text it was made for last) whose sentence still has that text;
    all of them of sentence ``n`` when given (a keypress: only that sentence's text is read)."""
    if not rows:
        return rows
    if n is not None:
        text = sentence_text(db, article_id, n)
        return [r for r in rows if r[-1] == text]
    sentences = texts(db, article_id)
    return [r for r in rows if 0 < r[0] <= len(sentences) and sentences[r[0] - 1] == r[-1]]


_VISIBLE = """
    SELECT g.sentence, g.tag, g.reason, g.exact FROM suggestions g
    LEFT JOIN tags t ON t.name = g.tag
    WHERE g.article_id = ? AND g.status = 'open' {extra}
      AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.article_id = g.article_id AND a.sentence = g.sentence
                      AND a.annotator = ? AND a.tag IS NOT NULL AND a.status = 'ok')
    ORDER BY g.sentence, ifnull(t.position, 99), g.tag
"""


def open_suggestions(db: Database, article_id: int, annotator: str, n: int | None = None) -> list[Suggestion]:
    """The suggestions ``annotator`` should see: open, still matching their sentence's text, on sentences
    the annotator has not tagged (only sentence ``n``'s when given)."""
    extra, params = ("AND g.sentence = ?", (n,)) if n is not None else ("", ())
    rows = db.conn.execute(_VISIBLE.format(extra=extra), (article_id, *params, annotator)).fetchall()
    return [Suggestion(article_id, *row[:3]) for row in _current(db, article_id, rows, n)]


def suggestions_by_sentence(db: Database, article_id: int, annotator: str) -> dict[int, list[Suggestion]]:
    """``open_suggestions`` grouped by sentence, as stored (``suggest`` refreshes them); empty before schema 5."""
    if not has_table(db, "suggestions"):
        return {}
    out: dict[int, list[Suggestion]] = {}
    for s in open_suggestions(db, article_id, annotator):
        out.setdefault(s.n, []).append(s)
    return out


def suggest(db: Database, article_id: int, annotator: str | None = None,
            pace: Callable[[], None] | None = None, train: bool = True) -> list[Suggestion]:
    """Recompute the article's suggestions from its text, speakers and the cue codebook (and, when given,
    what ``annotator``'s decisions taught their model: store.learn), store them, and return the open ones
    (those ``annotator`` should see, when given). ``pace`` is called between steps of training and may
    raise store.learn.Interrupted to stop it; with ``train`` False the model is used as last trained.

    Dismissed suggestions stay dismissed (matched by sentence text and tag); annotations are never
    touched. In a read-only database, on a full disk or past the busy timeout the suggestions are
    computed and returned but not stored.
    """
    sentences, proposed = _compute(db, article_id, annotator, pace, train)
    if not is_readonly(db):
        try:
            dismissed = _store(db, article_id, sentences, proposed)
        except sqlite3.OperationalError as exc:
            if not disk_full(exc) and "locked" not in str(exc):
                raise
        else:
            if annotator is None:
                return [Suggestion(article_id, n, tag, reason) for n, tag, reason in proposed
                        if (sentences[n - 1], tag) not in dismissed]
            return open_suggestions(db, article_id, annotator)
    tagged = set() if annotator is None else {n for (n,) in db.conn.execute(
        "SELECT DISTINCT sentence FROM annotations WHERE article_id = ? AND annotator = ?"
        " AND tag IS NOT NULL AND status = 'ok'", (article_id, annotator))}
    dismissed = _dismissed(db, article_id)
    return [Suggestion(article_id, n, tag, reason) for n, tag, reason in proposed
            if (sentences[n - 1], tag) not in dismissed and n not in tagged]


def _store(db: Database, article_id: int, sentences: list[str], proposed: list[tuple[int, str, str]]) -> set:
    """Replace the article's stored suggestions with ``proposed``, keeping dismissals; returns those."""
    stamp = now()
    with write(db):
        dismissed = _dismissed(db, article_id)
        db.conn.execute("DELETE FROM suggestions WHERE article_id = ?", (article_id,))
        db.conn.executemany(
            "INSERT INTO suggestions (article_id, sentence, tag, reason, exact, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(article_id, n, tag, reason, sentences[n - 1],
              "dismissed" if (sentences[n - 1], tag) in dismissed else "open", stamp, stamp)
             for n, tag, reason in proposed])
        # Dismissals whose sentence is gone or no longer suggested are kept, detached, so an article
        # edited back keeps them (sentence 0 never matches a sentence).
        kept = {(sentences[n - 1], tag) for n, tag, _ in proposed}
        db.conn.executemany(
            "INSERT INTO suggestions (article_id, sentence, tag, reason, exact, status, created_at, updated_at)"
            " VALUES (?, 0, ?, '', ?, 'dismissed', ?, ?)",
            [(article_id, tag, exact, stamp, stamp) for exact, tag in dismissed - kept])
    return dismissed


def _dismissed(db: Database, article_id: int) -> set[tuple[str, str]]:
    return set(db.conn.execute(
        "SELECT exact, tag FROM suggestions WHERE article_id = ? AND status = 'dismissed'", (article_id,)))


def article_suggestions(db: Database, article_id: int, annotator: str | None = None) -> list[Suggestion]:
    """Every stored suggestion of the article that matches its current text, with its status:
    dismissed, accepted (``annotator`` has the tag on the sentence) or open."""
    rows = db.conn.execute(
        """SELECT g.sentence, g.tag, g.reason, g.status, EXISTS (
               SELECT 1 FROM annotations a WHERE a.article_id = g.article_id AND a.sentence = g.sentence
               AND a.tag = g.tag AND a.annotator = ? AND a.status = 'ok'), g.exact
           FROM suggestions g
           LEFT JOIN tags t ON t.name = g.tag
           WHERE g.article_id = ? ORDER BY g.sentence, ifnull(t.position, 99), g.tag""",
        (annotator, article_id)).fetchall()
    return [Suggestion(article_id, n, tag, reason,
                       "dismissed" if status == "dismissed" else "accepted" if has_tag else "open")
            for n, tag, reason, status, has_tag, _ in _current(db, article_id, rows)]


def _accept(db: Database, article_id: int, annotator: str, items: list[Suggestion], label: str):
    from store.annotate import Action, check_known_tag, new_row, tag_row
    from store.events import Recorder

    rec = Recorder(db, annotator, label)
    first = None
    for s in items:
        check_known_tag(db, s.tag)
        if tag_row(db, article_id, s.n, s.tag, annotator) is None:
            rec.insert(new_row(db, article_id, s.n, annotator, tag=s.tag))
            first = first or s.n
    if first is None:
        return None
    return Action(rec.action_id, rec.label, article_id, first)


def accept(db: Database, article_id: int, n: int, annotator: str, tag: str | None = None):
    """Accept the open suggestion(s) on sentence ``n`` (only ``tag``'s when given) as tags of
    ``annotator``: one undoable action labelled ``accept suggestion``. None when there was nothing to accept."""
    with write(db):
        items = [s for s in open_suggestions(db, article_id, annotator, n) if tag is None or s.tag == tag]
        if not items:
            return None
        return _accept(db, article_id, annotator, items,
                       f"accept suggestion{'s' if len(items) > 1 else ''}: {', '.join(s.tag for s in items)}")


def accept_all(db: Database, article_id: int, annotator: str):
    """Accept every suggestion ``annotator`` sees in the article as ONE undoable action
    (``accept N suggestions``); undo removes all the tags and the suggestions are open again."""
    with write(db):
        items = open_suggestions(db, article_id, annotator)
        if not items:
            return None
        label = "accept suggestion" if len(items) == 1 else f"accept {len(items)} suggestions"
        return _accept(db, article_id, annotator, items, label)


def dismiss(db: Database, article_id: int, n: int, tag: str | None = None, *, by: str | None = None) -> int:
    """Dismiss the open suggestion(s) on sentence ``n`` (only ``tag``'s when given), for everyone;
    ``suggest`` will not propose them again for this sentence text. Returns how many were dismissed.
    ``by``: the annotator whose action it is, logged so that their undo reopens them (store.annotate)."""
    from store.events import Recorder

    with write(db):
        found = db.conn.execute(
            "SELECT tag, exact FROM suggestions WHERE article_id = ? AND sentence = ? AND status = 'open'"
            " AND (? IS NULL OR tag = ?) ORDER BY tag", (article_id, n, tag, tag)).fetchall()
        if not found:
            return 0
        if by is None:
            db.conn.execute(
                "UPDATE suggestions SET status = 'dismissed', updated_at = ? WHERE article_id = ? AND sentence = ?"
                " AND status = 'open' AND (? IS NULL OR tag = ?)", (now(), article_id, n, tag, tag))
            return len(found)
        rec = Recorder(db, by, f"dismiss suggestion{'s' if len(found) > 1 else ''}: "
                                f"{', '.join(t for t, _ in found)}")
        for found_tag, exact in found:
            rec.suggestion({"article_id": article_id, "sentence": n, "tag": found_tag, "exact": exact,
                            "status": "open"}, "dismissed")
        return len(found)


def reopen(db: Database, article_id: int, n: int, tag: str | None = None) -> int:
    """Undo a dismissal: the dismissed suggestion(s) on sentence ``n`` are open again. Returns how many."""
    with write(db):
        cur = db.conn.execute(
            "UPDATE suggestions SET status = 'open', updated_at = ? WHERE article_id = ? AND sentence = ?"
            " AND status = 'dismissed' AND (? IS NULL OR tag = ?)", (now(), article_id, n, tag, tag))
        return cur.rowcount


def suggested_annotations(db: Database, article_id: int | None = None) -> set[int]:
    """Ids of the annotations (still present) that were made by accepting a suggestion."""
    where, params = ("AND a.article_id = ?", (article_id,)) if article_id is not None else ("", ())
    return {r[0] for r in db.conn.execute(
        f"""SELECT DISTINCT a.id FROM events e JOIN actions c ON c.id = e.action_id
            JOIN annotations a ON a.id = e.annotation_id
            WHERE c.label LIKE 'accept %suggestion%' AND e.before IS NULL {where}""", params)}


# --------------------------------------------------------------------------- evaluation


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def evaluate(cases: Iterable[dict], cues: Iterable[Cue] | None = None,
             tags: Sequence[str] = ("finding", "response", "commitment")) -> dict:
    """Score the suggester and the speaker attribution against labelled texts.

    Each case is ``{"text": ..., "sentences": [{"text", "tags": [...], "speaker": name or None}, ...]}``
    with the sentences exactly as ``store.segment`` cuts the text (a mismatch raises ``ValueError``).
    Returns per-tag and overall (micro-averaged) precision/recall/F1, the macro F1, and speaker accuracy
    over every sentence and over the sentences that have a speaker in the labels.
    """
    from store.segment import segment
    from store.speakers import attribute

    compiled = compile_cues(default_cues() if cues is None else cues)
    counts = {t: [0, 0, 0] for t in tags}
    right = total = right_spoken = spoken = 0
    for case in cases:
        text = case["text"]
        spans = segment(text)
        texts = [text[s.start:s.end] for s in spans]
        gold = case["sentences"]
        if texts != [g["text"] for g in gold]:
            raise ValueError(f"{case.get('name', 'a case')}: the labelled sentences are not the segmentation")
        speakers = attribute(text, spans)
        proposed: dict[int, set[str]] = {}
        for n, tag, _ in propose(texts, speakers, compiled):
            proposed.setdefault(n, set()).add(tag)
        for n, (g, speaker) in enumerate(zip(gold, speakers), 1):
            want, got = set(g["tags"]), proposed.get(n, set())
            for t in tags:
                counts[t][0] += t in want and t in got
                counts[t][1] += t not in want and t in got
                counts[t][2] += t in want and t not in got
            ok = (speaker.name if speaker else None) == g.get("speaker")
            right, total = right + ok, total + 1
            if g.get("speaker"):
                right_spoken, spoken = right_spoken + ok, spoken + 1
    per_tag = {t: _prf(*c) for t, c in counts.items()}
    overall = _prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return {"tags": per_tag, "overall": overall,
            "macro_f1": sum(v["f1"] for v in per_tag.values()) / len(per_tag) if per_tag else 0.0,
            "speaker": {"correct": right, "total": total, "accuracy": right / total if total else 0.0,
                        "spoken_correct": right_spoken, "spoken": spoken,
                        "spoken_accuracy": right_spoken / spoken if spoken else 0.0},
            "sentences": total}
