"""The pressmark schema as forward migrations: ``MIGRATIONS[v]`` takes a database from version v to v + 1.

``store.db.migrate`` runs each in its own write transaction and records the version in
``PRAGMA user_version``. Never edit a released migration: append a new one.

Migrations are SQL and seed data only (``store.default_cues``): they never call the code that reads
articles. The seed data and hashlib are imported by the migrations that use them: opening a database that is
up to date (every start-up) needs neither. Derived tables (speakers, the search and shingle indexes) are made
empty; an article without rows in their ``*_state`` table is stale, so ``store.derived`` builds them when they
are first needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.database import Database
    from store.default_cues import CueRow

DEFAULT_TAGS = (
    # name, key, colour, description
    ("finding", "f", "#e5a50a", "What an inspection, report or study found."),
    ("response", "r", "#3584e4", "What the organisation or a named person said back."),
    ("commitment", "c", "#2ec27e", "What someone promised to do."),
)



def _v1_core(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            root TEXT NOT NULL,
            file TEXT NOT NULL,
            title TEXT NOT NULL,
            source TEXT,
            date TEXT,
            encoding TEXT NOT NULL,
            text TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER,
            mtime_ns INTEGER,
            n_sentences INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'missing')),
            synced_at TEXT NOT NULL,
            UNIQUE (root, file)
        );
        CREATE INDEX articles_sha256 ON articles (sha256);

        CREATE TABLE sentences (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            n INTEGER NOT NULL,
            para INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL,
            UNIQUE (article_id, n)
        );

        CREATE TABLE tags (
            name TEXT PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            colour TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL DEFAULT 0
        );

        -- A row is either a tag (tag set, note NULL) or the sentence's note
        -- (tag NULL). Each row carries its own anchor so it can be re-placed
        -- when the article text changes.
        -- AUTOINCREMENT: ids are never reused, because the event log addresses rows by id.
        CREATE TABLE annotations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            article_id INTEGER NOT NULL REFERENCES articles (id),
            sentence INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            exact TEXT NOT NULL,
            prefix TEXT NOT NULL DEFAULT '',
            suffix TEXT NOT NULL DEFAULT '',
            tag TEXT,
            note TEXT,
            annotator TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'orphan')),
            CHECK ((tag IS NULL) <> (note IS NULL))
        );
        CREATE UNIQUE INDEX annotations_unique ON annotations
            (article_id, sentence, annotator, ifnull(tag, '')) WHERE status = 'ok';
        CREATE INDEX annotations_tag ON annotations (tag);

        -- The event log: one action per user command (the undo unit), one
        -- event per annotation row it changed, with JSON before/after images.
        CREATE TABLE actions (
            id INTEGER PRIMARY KEY,
            annotator TEXT NOT NULL,
            label TEXT NOT NULL,
            at TEXT NOT NULL,
            undone_at TEXT,
            discarded_at TEXT  -- undone, then ended by a newer action: off the redo chain
        );
        CREATE INDEX actions_annotator ON actions (annotator, id);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            action_id INTEGER NOT NULL REFERENCES actions (id),
            annotation_id INTEGER NOT NULL,
            before TEXT,
            after TEXT
        );
        CREATE INDEX events_action ON events (action_id);
        """
    )
    db["sentences"].enable_fts(["text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")
    db["tags"].insert_all(
        {"name": n, "key": k, "colour": c, "description": d, "position": i}
        for i, (n, k, c, d) in enumerate(DEFAULT_TAGS)
    )


def _v2_positions(db: Database) -> None:
    # Where each annotator last left each article, so reopening returns there.
    db.execute(
        """
        CREATE TABLE positions (
            article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            annotator TEXT NOT NULL,
            sentence INTEGER NOT NULL,
            PRIMARY KEY (article_id, annotator)
        ) WITHOUT ROWID
        """
    )


def _v3_alignment(db: Database) -> None:
    # Sentence alignment (store.align).  The shingle index holds one row per
    # distinct normalised 5-word shingle of each article (a signed 64-bit hash):
    # tiny rows, so WITHOUT ROWID, looked up by hash (the primary key) to find
    # sources, and by article to rebuild or cascade a deletion.
    # Alignment results can be large JSON, so that table keeps its rowid.
    # Statement by statement (not executescript, which would commit early), so
    # the tables, the backfill and the version bump are one transaction.
    statements = (
        """CREATE TABLE shingles (
            hash INTEGER NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            PRIMARY KEY (hash, article_id)
        ) WITHOUT ROWID""",
        "CREATE INDEX shingles_article ON shingles (article_id)",
        # Which text (sha256) and algorithm each article's shingles were made from.
        """CREATE TABLE shingle_state (
            article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
            sha256 TEXT NOT NULL,
            shingles INTEGER NOT NULL,
            algorithm INTEGER NOT NULL
        )""",
        # Cached store.align.alignment results, valid while both texts (sha256),
        # the algorithm and both sentence segmentations (version) are unchanged.
        """CREATE TABLE alignments (
            id INTEGER PRIMARY KEY,
            a_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            b_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            a_sha256 TEXT NOT NULL,
            b_sha256 TEXT NOT NULL,
            version TEXT NOT NULL,
            result TEXT NOT NULL,
            computed_at TEXT NOT NULL,
            UNIQUE (a_id, b_id)
        )""",
        "CREATE INDEX alignments_b ON alignments (b_id)",
    )
    for statement in statements:
        db.conn.execute(statement)
    # Every article is without shingle_state, so stale: store.derived.shingles indexes it when first needed.


def _v4_skipped(db: Database) -> None:
    # Files the last sync of each folder could not import, with the reason, for the library to list.
    db.conn.execute(
        """CREATE TABLE skipped (
            root TEXT NOT NULL,
            file TEXT NOT NULL,
            reason TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (root, file)
        ) WITHOUT ROWID"""
    )


def _v5_suggestions(db: Database) -> None:
    # Speakers (store.speakers), the cue codebook (store.cues) and suggested tags (store.suggest).
    # Speakers live in their own sparse table (one row per sentence that has a speaker) rather than
    # as columns of `sentences`, so sentence rows keep their shape; sync rewrites both together.
    # A suggestion's `exact` is the sentence text it was made for: after an edit it no longer matches
    # and is not shown. "accepted" is not a status: it is derived from the annotation, so undoing an
    # accept (which restores `annotations` rows) reopens the suggestion by itself.
    statements = (
        """CREATE TABLE sentence_speakers (
            article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            n INTEGER NOT NULL,
            speaker TEXT NOT NULL,
            role TEXT,
            quoted INTEGER NOT NULL DEFAULT 0,  -- 1: direct quotation, 0: reported speech
            PRIMARY KEY (article_id, n)
        ) WITHOUT ROWID""",
        """CREATE TABLE cues (
            id INTEGER PRIMARY KEY,
            tag TEXT NOT NULL,
            match TEXT NOT NULL CHECK (match IN ('phrase', 'regex', 'speaker')),
            cue TEXT NOT NULL,
            "when" TEXT NOT NULL DEFAULT 'any'
                CHECK ("when" IN ('any', 'quoted', 'reported', 'speaker', 'narration')),
            weight REAL NOT NULL DEFAULT 1,
            note TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE suggestions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            sentence INTEGER NOT NULL,  -- 0: a dismissal kept after its sentence went away
            tag TEXT NOT NULL,
            reason TEXT NOT NULL,
            exact TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (article_id, sentence, tag, exact)
        )""",
    )
    for statement in statements:
        db.conn.execute(statement)
    # Speakers are attributed when first needed (store.derived.speakers): schema 9's speaker_state calls an
    # article without rows stale.
    _replace_cues(db, _sentence_cues())


def _count_in() -> str:
    """Trigger body: NEW adds one to its tag's count, and to '' if its sentence had no tag of that annotator."""
    return """
        INSERT INTO progress VALUES (NEW.article_id, NEW.annotator, NEW.tag, 1)
          ON CONFLICT DO UPDATE SET sentences = sentences + 1;
        INSERT INTO progress SELECT NEW.article_id, NEW.annotator, '', 1
          WHERE NOT EXISTS (SELECT 1 FROM annotations WHERE article_id = NEW.article_id AND sentence = NEW.sentence
                            AND annotator = NEW.annotator AND status = 'ok' AND tag IS NOT NULL AND id != NEW.id)
          ON CONFLICT DO UPDATE SET sentences = sentences + 1;"""


def _count_out(also: str) -> str:
    """Trigger body: OLD takes one from its tag's count, and from '' if its sentence keeps no other tag."""
    return f"""
        UPDATE progress SET sentences = sentences - 1
          WHERE article_id = OLD.article_id AND annotator = OLD.annotator AND tag = OLD.tag;
        UPDATE progress SET sentences = sentences - 1
          WHERE article_id = OLD.article_id AND annotator = OLD.annotator AND tag = ''
            AND NOT EXISTS (SELECT 1 FROM annotations WHERE article_id = OLD.article_id AND sentence = OLD.sentence
                            AND annotator = OLD.annotator AND status = 'ok' AND tag IS NOT NULL {also});"""


def _v6_progress(db: Database) -> None:
    """Indexes and trigger-kept counters so keypresses and the library stay fast at a million annotations."""
    statements = (
        # Undo/redo look at an annotator's undone actions only: a tiny partial index instead of a scan.
        "CREATE INDEX actions_redo ON actions (annotator, id) WHERE undone_at IS NOT NULL AND discarded_at IS NULL",
        # One article's annotations, in sentence order (the reader, export, re-anchoring).
        "CREATE INDEX annotations_article ON annotations (article_id, sentence)",
        # Per article, annotator and tag: how many sentences carry the tag; tag '' counts the sentences with
        # any tag. Kept by triggers, so the library never scans a million annotations.
        """CREATE TABLE progress (
            article_id INTEGER NOT NULL,
            annotator TEXT NOT NULL,
            tag TEXT NOT NULL,
            sentences INTEGER NOT NULL,
            PRIMARY KEY (article_id, annotator, tag)
        ) WITHOUT ROWID""",
        f"""CREATE TRIGGER progress_add AFTER INSERT ON annotations
           WHEN NEW.status = 'ok' AND NEW.tag IS NOT NULL BEGIN {_count_in()} END""",
        f"""CREATE TRIGGER progress_remove AFTER DELETE ON annotations
           WHEN OLD.status = 'ok' AND OLD.tag IS NOT NULL BEGIN {_count_out("")} END""",
        # An update (re-anchoring, merge) counts as the old row leaving and the new one arriving.
        f"""CREATE TRIGGER progress_change_out AFTER UPDATE OF article_id, sentence, tag, annotator, status
           ON annotations WHEN OLD.status = 'ok' AND OLD.tag IS NOT NULL BEGIN {_count_out("AND id != NEW.id")} END""",
        f"""CREATE TRIGGER progress_change_in AFTER UPDATE OF article_id, sentence, tag, annotator, status
           ON annotations WHEN NEW.status = 'ok' AND NEW.tag IS NOT NULL BEGIN {_count_in()} END""",
        """INSERT INTO progress
           SELECT article_id, annotator, tag, count(*) FROM annotations
           WHERE status = 'ok' AND tag IS NOT NULL GROUP BY article_id, annotator, tag""",
        """INSERT INTO progress
           SELECT article_id, annotator, '', count(DISTINCT sentence) FROM annotations
           WHERE status = 'ok' AND tag IS NOT NULL GROUP BY article_id, annotator""",
    )
    for statement in statements:
        db.conn.execute(statement)


def _v7_indexes(db: Database) -> None:
    # Found by bench/: the reader reads one annotator's rows of an article, the library lists by file.
    db.conn.execute("CREATE INDEX annotations_article_annotator ON annotations (article_id, annotator, sentence)")
    db.conn.execute("CREATE INDEX articles_file ON articles (file, id)")


def _v8_library_indexes(db: Database) -> None:
    # The library's two start-up queries, answered from indexes alone. Without the first, listing
    # 10,000 articles reads each row past its text (n_sentences and status come after it); without
    # the second, one annotator's counters are a scan of everyone's.
    db.conn.execute("CREATE INDEX articles_listing ON articles (file, id, title, n_sentences, status)")
    db.conn.execute("DROP INDEX articles_file")  # v7's (file, id): a prefix of the new one
    db.conn.execute("CREATE INDEX progress_annotator ON progress (annotator, tag, sentences)")


def _v9_deferred(db: Database) -> None:
    """Derived data is no longer written by sync but brought up to date when it is needed (store.derived).

    * Full-text search: the external-content ``sentences_fts`` kept by triggers on every sentence row made
      sync several times slower. It is replaced by ``search_fts`` (its own copy of each sentence's text;
      rowid = article id * 2**24 + sentence n, so one article's rows are a rowid range that can be
      deleted without the old text) and ``search_state`` (the text, by sha256, each article was indexed
      from; no foreign key, so the rows of an article that is gone can still be found and removed).
      Starts empty: the first search indexes every article.
    * Speakers: ``speaker_state`` records the text each article's ``sentence_speakers`` rows were
      attributed from. An article with rows has them from its current text (sync wrote them with the
      sentences and deleted both together; schema 5 backfilled them before issue 17); one without rows may have none
      or may have been synced without attribution (by this code into an older schema), so it is
      attributed again on first use.
    """
    statements = (
        "DROP TRIGGER IF EXISTS sentences_ai",
        "DROP TRIGGER IF EXISTS sentences_ad",
        "DROP TRIGGER IF EXISTS sentences_au",
        "DROP TABLE IF EXISTS sentences_fts",
        "CREATE VIRTUAL TABLE search_fts USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2')",
        "CREATE TABLE search_state (article_id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL)",
        """CREATE TABLE speaker_state (
            article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
            sha256 TEXT NOT NULL
        )""",
        """INSERT INTO speaker_state (article_id, sha256)
           SELECT id, sha256 FROM articles WHERE id IN (SELECT article_id FROM sentence_speakers)""",
    )
    for statement in statements:
        db.conn.execute(statement)


def _v10_sentence_spans(db: Database) -> None:
    """One row of sentence spans per article instead of one row per sentence (store.sentences); the
    view ``sentences`` keeps the old shape for reading. Offsets and paragraphs are kept exactly; the
    text of each sentence, a copy of part of the article's, is no longer stored."""
    import json
    from itertools import groupby
    from operator import itemgetter

    db.conn.execute("""CREATE TABLE sentence_spans (
        article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
        spans TEXT NOT NULL
    )""")
    rows = db.conn.execute('SELECT article_id, start, "end", para FROM sentences ORDER BY article_id, n')
    db.conn.executemany("INSERT INTO sentence_spans (article_id, spans) VALUES (?, ?)", (
        (article_id, json.dumps([r[1:] for r in group], separators=(",", ":")))
        for article_id, group in groupby(rows, key=itemgetter(0))))
    db.conn.execute("DROP TABLE sentences")
    db.conn.execute("""CREATE VIEW sentences (article_id, n, para, start, "end", text) AS
        SELECT sp.article_id, j.key + 1, json_extract(j.value, '$[2]'), json_extract(j.value, '$[0]'),
               json_extract(j.value, '$[1]'),
               substr(a.text, json_extract(j.value, '$[0]') + 1,
                      json_extract(j.value, '$[1]') - json_extract(j.value, '$[0]'))
        FROM sentence_spans sp JOIN articles a ON a.id = sp.article_id, json_each(sp.spans) j""")


def _v11_linear_cues(db: Database) -> None:
    """Cue expressions are matched by RE2 (store.cues.expression), which has no look-ahead: the default
    codebook's one such cue becomes 'will' plus a cue that takes it back for 'will be (re-)inspected'."""
    row = db.conn.execute("SELECT id, tag, position FROM cues WHERE match = 'regex' AND cue = ? ORDER BY position, id",
                          (r"\bwill\b(?! be (?:re-?)?inspected)",)).fetchone()
    if row is None:
        return
    cue_id, tag, position = row
    db.conn.execute("UPDATE cues SET cue = ? WHERE id = ?", (r"\bwill\b", cue_id))
    db.conn.execute("UPDATE cues SET position = position + 1 WHERE position > ?", (position,))
    db.conn.execute("""INSERT INTO cues (tag, match, cue, "when", weight, note, position)
                       VALUES (?, 'regex', ?, 'any', -1, '', ?)""", (tag, r"\bwill be (?:re-?)?inspected\b", position + 1))


def _v12_speaker_evidence(db: Database) -> None:
    """Issue 16: each stored speaker keeps the words that named them (``evidence``, shown on the reader's status
    line), and ``speaker_state`` records which version of the attribution made an article's speakers
    (``store.speakers.ALGORITHM``). Rows made before (algorithm 0) are stale: each article's speakers are
    attributed again when next needed, as after a change of its text, so no database keeps the old ones."""
    db.conn.execute("ALTER TABLE sentence_speakers ADD COLUMN evidence TEXT")
    db.conn.execute("ALTER TABLE speaker_state ADD COLUMN algorithm INTEGER NOT NULL DEFAULT 0")


# sha256 of the default cue codebook of schemas 5 to 11, as `pressmark cues --export` writes it.
_DEFAULT_CUES_V11 = "122ba247a56ebc7e41b43132d79f54cd24e1acd09c749a84862937f19b008737"


def _v13_default_cues(db: Database) -> None:
    """Issue 16's default cue codebook (findings stated without cue words, narration that is not a response,
    introducers that say nothing) replaces the previous default, but only where the codebook is still exactly
    that default: an edited or imported one is the user's and stays (`pressmark cues --reset` gives the new)."""
    if _cues_sha256(db) == _DEFAULT_CUES_V11:
        _replace_cues(db, _sentence_cues())


def _v14_article_meta(db: Database) -> None:
    """What an article file says of itself beyond title, source and date: ``meta``, a JSON object of every
    key of its front matter, or of the title, author, date, site and address a web page gives; and, for a
    web page, which ``extractor`` found its text. Every file is read again at the next sync (its mtime is
    forgotten), so that those already synced get theirs, and web pages lose their menus and footers."""
    db.conn.execute("ALTER TABLE articles ADD COLUMN meta TEXT")
    db.conn.execute("ALTER TABLE articles ADD COLUMN extractor TEXT")
    db.conn.execute("UPDATE articles SET mtime_ns = NULL")


# sha256 of the default cue codebook of schemas 13 and 14.
_DEFAULT_CUES_V13 = "6440adbd0af60ddefa4b2c30f2cbc789ebd0dda95b7190724740964f3d943c24"


def _v15_article_cues(db: Database) -> None:
    """Cues may read the article around their sentence (store.cues.Scene): ``when`` takes ``finder`` (the
    speaker found, judged or decided something in the article) and ``respondent`` (the speaker did not, and the
    article gives them something to react to); the table is made again with that CHECK. The default codebook
    that uses them (a quoted speaker is a respondent only after a finding or decision) replaces the previous
    default, schema 13's or the part of it the older table took, but not an edited or imported codebook."""
    db.conn.execute("""CREATE TABLE cues_15 (
            id INTEGER PRIMARY KEY,
            tag TEXT NOT NULL,
            match TEXT NOT NULL CHECK (match IN ('phrase', 'regex', 'speaker')),
            cue TEXT NOT NULL,
            "when" TEXT NOT NULL DEFAULT 'any'
                CHECK ("when" IN ('any', 'quoted', 'reported', 'speaker', 'narration', 'finder', 'respondent')),
            weight REAL NOT NULL DEFAULT 1,
            note TEXT NOT NULL DEFAULT '',
            position INTEGER NOT NULL DEFAULT 0
        )""")
    db.conn.execute('INSERT INTO cues_15 (id, tag, match, cue, "when", weight, note, position)'
                    ' SELECT id, tag, match, cue, "when", weight, note, position FROM cues')
    db.conn.execute("DROP TABLE cues")
    db.conn.execute("ALTER TABLE cues_15 RENAME TO cues")
    from store.default_cues import default_cue_rows

    if _cues_sha256(db) in (_DEFAULT_CUES_V13, _rows_sha256(_sentence_cues())):
        _replace_cues(db, default_cue_rows())


def _v16_views(db: Database) -> None:
    """Two views for people browsing the database (Datasette, sqlite3), plain SQL that any SQLite reads.

    * ``csv_export``: exactly the rows of ``pressmark export --raw --columns all``, in its order and with its
      columns (store.export; tests/test_publish.py compares them). The export itself keeps its own query,
      which takes the filters and neutralising, runs in parallel parts and marks its aggregates
      MATERIALIZED, a word SQLite before 3.35 could not read in a stored view.
    * ``sentence_search``: the sentences of the search index (``search_fts``, store.derived) with their
      article, for Datasette's search box (its metadata names ``search_fts`` and ``fts_rowid``).
    """
    db.conn.execute("""CREATE VIEW csv_export AS
        WITH notes AS (
            SELECT article_id, sentence, annotator, status, max(note) AS note FROM annotations
            WHERE tag IS NULL GROUP BY article_id, sentence, annotator, status),
        tagged AS (
            SELECT DISTINCT article_id, sentence, annotator, status FROM annotations WHERE tag IS NOT NULL),
        paragraphs AS (
            SELECT (sp.article_id << 24) + j.key + 1 AS k, json_extract(j.value, '$[2]') AS para
            FROM sentence_spans sp, json_each(sp.spans) j
            WHERE sp.article_id IN (SELECT DISTINCT article_id FROM annotations WHERE status = 'ok'))
        SELECT ar.file AS article, ar.title AS title, a.sentence AS sentence, a.start AS start, a."end" AS "end",
               a.tag AS tag, sp.speaker AS speaker, a.exact AS text,
               CASE WHEN a.tag IS NULL THEN a.note ELSE n.note END AS note, a.annotator AS annotator,
               a.created_at AS created_at, a.updated_at AS updated_at,
               CASE WHEN ar.status = 'missing' THEN 'missing' ELSE a.status END AS status,
               a.article_id AS article_id, pa.para AS paragraph, sp.role AS speaker_role, ar.source AS source,
               ar.date AS date, ar.sha256 AS sha256
        FROM annotations a JOIN articles ar ON ar.id = a.article_id
        LEFT JOIN tags tg ON tg.name = a.tag
        LEFT JOIN sentence_speakers sp ON sp.article_id = a.article_id AND sp.n = a.sentence AND a.status = 'ok'
        LEFT JOIN paragraphs pa ON pa.k = (a.article_id << 24) + a.sentence AND a.status = 'ok'
        LEFT JOIN notes n ON a.tag IS NOT NULL AND n.article_id = a.article_id AND n.sentence = a.sentence
             AND n.annotator = a.annotator AND n.status = a.status
        LEFT JOIN tagged t ON a.tag IS NULL AND t.article_id = a.article_id AND t.sentence = a.sentence
             AND t.annotator = a.annotator AND t.status = a.status
        WHERE a.tag IS NOT NULL OR t.article_id IS NULL
        ORDER BY ar.file, ar.id, a.status, a.sentence, a.annotator, ifnull(tg.position, -1), a.tag""")
    db.conn.execute("""CREATE VIEW sentence_search AS
        SELECT f.rowid AS fts_rowid, f.rowid >> 24 AS article_id, ar.file AS article, ar.title AS title,
               f.rowid & 16777215 AS sentence, f.text AS text
        FROM search_fts f JOIN articles ar ON ar.id = f.rowid >> 24""")


def _v17_users(db: Database) -> None:
    """Accounts for ``pressmark serve`` (store.users): each with its role and its password as a salted scrypt hash,
    every login tried, kept to slow down guessing (per name and per address) and to show who tried, and the
    sessions logged in now (one app process each), for who is online."""
    db.executescript("""
        CREATE TABLE users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('coder', 'lead')),
            password TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE login_attempts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            address TEXT NOT NULL,
            at REAL NOT NULL,
            ok INTEGER NOT NULL
        );
        CREATE INDEX login_attempts_name ON login_attempts (name, at);
        CREATE INDEX login_attempts_address ON login_attempts (address, at);
        CREATE TABLE sessions (
            pid INTEGER PRIMARY KEY,
            annotator TEXT NOT NULL,
            address TEXT NOT NULL,
            started_at TEXT NOT NULL
        );
    """)


def _sentence_cues() -> list[CueRow]:
    """The default codebook without the cues that read the article, which the cues table takes from schema 15:
    what the migrations before it seed."""
    from store.default_cues import SENTENCE_WHENS, default_cue_rows

    return [row for row in default_cue_rows() if row[3] in SENTENCE_WHENS]


def _replace_cues(db: Database, rows: Sequence[CueRow]) -> None:
    """The codebook becomes ``rows``, in order (as ``store.cues.save_cues``)."""
    db.conn.execute("DELETE FROM cues")
    db.conn.executemany(
        'INSERT INTO cues (tag, match, cue, "when", weight, note, position) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [(*row, i) for i, row in enumerate(rows)])


def _cues_sha256(db: Database) -> str:
    """The codebook's sha256, as `pressmark cues --export` writes it."""
    rows = db.conn.execute('SELECT tag, match, cue, "when", weight, note FROM cues ORDER BY position, id').fetchall()
    return _rows_sha256(rows)


def _rows_sha256(rows: Sequence[CueRow]) -> str:
    import hashlib

    from store.default_cues import cue_rows_csv

    return hashlib.sha256(cue_rows_csv(rows).encode()).hexdigest()


MIGRATIONS: list[Callable[[Database], None]] = [_v1_core, _v2_positions, _v3_alignment, _v4_skipped,
                                                _v5_suggestions, _v6_progress, _v7_indexes, _v8_library_indexes,
                                                _v9_deferred, _v10_sentence_spans, _v11_linear_cues,
                                                _v12_speaker_evidence, _v13_default_cues, _v14_article_meta,
                                                _v15_article_cues, _v16_views, _v17_users]
SCHEMA_VERSION = len(MIGRATIONS)
