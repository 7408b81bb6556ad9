"""Publishing a database: a copy to serve with Datasette or hand to someone (:func:`publish`), and the
Datasette metadata that describes it (:func:`datasette_metadata`).

The copy is complete in itself: its search index and the speakers of its annotated articles are built
(``store.derived`` builds them lazily, when pressmark first needs them, so a database nobody searched has
no index), and it holds no path of the coder's machine: each folder an article was synced from
(``articles.root``, ``skipped.root``) becomes its last component. It is made with ``VACUUM INTO`` (a
consistent snapshot, whoever is writing), and vacuumed again after the roots are replaced, so their old
values are in no free page either. It uses no write-ahead log: one file.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from store.db import Database, connect, db_path, write
from store.derived.catchup import Progress
from store.derived.search import ensure_search
from store.derived.speakers import ensure_speakers
from store.errors import StoreError
from store.users import forget_logins


@dataclass
class PublishReport:
    articles: int = 0
    indexed: int = 0  # articles whose sentences were added to the search index in the copy
    attributed: int = 0  # annotated articles whose speakers were worked out in the copy
    folders: dict[str, str] = field(default_factory=dict)  # root -> what the copy says instead


def _folder_names(roots: list[str]) -> dict[str, str]:
    """Each root's last component, made unique (``corpus``, ``corpus-2``)."""
    names, taken = {}, set()
    for root in sorted(roots):
        base = PurePath(root).name or "articles"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name)
        names[root] = name
    return names


def publish(db: Database, target: str | Path, progress: Progress | None = None) -> PublishReport:
    """Write the published copy of ``db`` to ``target`` (replacing a file there, atomically)."""
    target = Path(target)
    source = Path(db_path(db)).resolve()
    if target.resolve() in {source, *(source.with_name(source.name + s) for s in ("-wal", "-shm", "-journal"))}:
        raise StoreError(f"{target}: that is the database itself; choose another file name")
    if target.is_dir():
        raise StoreError(f"{target}: is a folder; give a file name such as {target / 'published.db'}")
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise StoreError(f"{target}: cannot write there ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(tmp)  # VACUUM INTO wants a file that does not exist
    report = PublishReport()
    try:
        db.conn.execute("VACUUM INTO ?", (tmp,))
        copy = connect(tmp)
        try:
            report.articles = copy.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            report.attributed = ensure_speakers(copy, annotated=True)
            report.indexed = ensure_search(copy, progress)
            roots = [r for (r,) in copy.conn.execute("SELECT root FROM articles UNION SELECT root FROM skipped")]
            report.folders = _folder_names(roots)
            with write(copy):
                forget_logins(copy)  # no password hash or login record leaves the server
                for root, name in report.folders.items():
                    copy.conn.execute("UPDATE articles SET root = ? WHERE root = ?", (name, root))
                    copy.conn.execute("UPDATE skipped SET root = ? WHERE root = ?", (name, root))
            copy.conn.execute("PRAGMA journal_mode = DELETE")
            copy.conn.execute("VACUUM")
        finally:
            copy.close()
        os.replace(tmp, target)
    except BaseException:
        for leftover in (tmp, tmp + "-wal", tmp + "-shm", tmp + "-journal"):
            Path(leftover).unlink(missing_ok=True)
        raise
    return report


# --------------------------------------------------------------------------- Datasette

HIDDEN = ("sentence_spans", "shingles", "shingle_state", "search_state", "speaker_state", "positions", "progress",
          "suggestions", "search_fts", "alignments", "users", "login_attempts", "sessions")

DISAGREEMENTS = """
with coders as (
    select distinct article_id, annotator from annotations where status = 'ok' and annotator != 'adjudicated'),
tagged as (
    select distinct article_id, sentence from annotations
    where status = 'ok' and tag is not null and annotator != 'adjudicated'),
coded as (
    select t.article_id, t.sentence, c.annotator,
           coalesce((select group_concat(tag, ', ') from (
               select a.tag from annotations a left join tags tg on tg.name = a.tag
               where a.article_id = t.article_id and a.sentence = t.sentence and a.annotator = c.annotator
                 and a.status = 'ok' and a.tag is not null order by ifnull(tg.position, -1), a.tag)), '') as tags
    from tagged t join coders c on c.article_id = t.article_id)
select ar.file, c.sentence,
       group_concat(c.annotator || ': ' || case when c.tags = '' then '-' else c.tags end, '; ') as coded,
       (select exact from annotations x where x.article_id = c.article_id and x.sentence = c.sentence
        and x.status = 'ok' limit 1) as text
from coded c join articles ar on ar.id = c.article_id
group by c.article_id, c.sentence having count(distinct c.tags) > 1
order by ar.file, c.sentence
"""

PROGRESS = """
select p.annotator, ar.file, ar.title, p.sentences as tagged, ar.n_sentences as sentences,
       round(100.0 * p.sentences / max(ar.n_sentences, 1), 1) as percent
from progress p join articles ar on ar.id = p.article_id
where p.tag = '' and p.sentences > 0
order by p.annotator, ar.file
"""

REUSE = """
select a.file as source, b.file as story,
       round(100 * json_extract(al.result, '$.reuse.b_from_a'), 1) as percent_of_story_copied,
       round(100 * json_extract(al.result, '$.reuse.a_used_by_b'), 1) as percent_of_source_used,
       json_extract(al.result, '$.reuse.longest_passage') as longest_passage, al.computed_at
from alignments al join articles a on a.id = al.a_id join articles b on b.id = al.b_id
where al.a_sha256 = a.sha256 and al.b_sha256 = b.sha256
order by percent_of_story_copied desc
"""

SEARCH = """
select ar.file, f.rowid & 16777215 as sentence, snippet(search_fts, 0, '[', ']', '…', 16) as found, ar.title
from search_fts f join articles ar on ar.id = f.rowid >> 24
where search_fts match :words
order by rank limit 200
"""


def datasette_metadata(db: Database, name: str) -> dict:
    """Datasette's metadata.json for the database served as ``name`` (the file's name without .db)."""
    tags = db.conn.execute("SELECT name, description FROM tags ORDER BY position, name").fetchall()
    codebook = "; ".join(f"{n}: {d}" if d else n for n, d in tags)
    tables = {table: {"hidden": True} for table in HIDDEN}
    tables.update({
        "csv_export": {
            "description": "One row per sentence, tag and annotator: exactly the rows of `pressmark export --raw "
                           "--columns all`, in its order. A sentence with a note but no tag has an empty tag.",
            "facets": ["tag", "annotator", "speaker"],
            "columns": {
                "article": "the article's file, relative to the folder it was synced from",
                "sentence": "sentence number, 1-based (as in pressmark show)",
                "start": "offset of the sentence in the article's text", "end": "offset just past it",
                "tag": f"the code ({codebook})", "speaker": "who speaks the sentence, when it is quoted or reported",
                "note": "the annotator's note on the sentence",
                "status": "ok, orphan (the article changed and the sentence was not found again) or missing",
                "paragraph": "paragraph number, 1-based", "sha256": "SHA-256 of the article's text",
            },
        },
        "annotations": {"description": "Every annotation: a tag (note empty) or a sentence's note (tag empty), "
                                       "with its anchor (offsets, quote and context), annotator and times.",
                        "facets": ["tag", "annotator", "status"]},
        "articles": {"description": "The articles: text, title, source, date, sha256; root is the folder they "
                                    "were synced from (in a published copy, its name only)."},
        "sentences": {"description": "One row per sentence: its number, paragraph, offsets and text."},
        "sentence_search": {"description": "Sentences, searchable: type words in the search box (SQLite FTS5 "
                                           "syntax: phrases in quotes, OR, prefix*).",
                            "fts_table": "search_fts", "fts_pk": "fts_rowid"},
        "sentence_speakers": {"description": "The speaker of each quoted or reported sentence, with role, and "
                                             "whether it is a direct quotation.", "facets": ["speaker"]},
        "tags": {"description": "The codebook."},
        "actions": {"description": "The audit log: one row per user action (tag, note, import, merge...)."},
        "events": {"description": "Each annotation row an action changed, with its JSON before and after"
                   " (annotation_id 0: a suggestion dismissed, its images marked suggestion)."},
        "cues": {"description": "The cues the tag suggestions are made from."},
        "skipped": {"description": "Files the last sync could not import, and why."},
    })
    queries = {
        "disagreements": {"title": "Disagreements", "sql": DISAGREEMENTS.strip(),
                          "description": "Sentences that coders of the same article tagged differently (adjudicated "
                                         "left out): each coder's tags, - for none."},
        "progress": {"title": "Progress", "sql": PROGRESS.strip(),
                     "description": "Per annotator and article: sentences tagged, of how many."},
        "reuse": {"title": "Reuse", "sql": REUSE.strip(),
                  "description": "Pairs compared side by side (or with pressmark compare): how much of the story is "
                                 "copied from the source, and the longest copied passage in characters."},
        "search": {"title": "Search sentences", "sql": SEARCH.strip(),
                   "description": "Sentences with these words, best first (SQLite FTS5 syntax)."},
    }
    return {
        "title": "pressmark",
        "description": "Press releases and the news written from them, tagged sentence by sentence.",
        "databases": {name: {"description": f"Codebook: {codebook}.", "tables": tables, "queries": queries}},
    }
