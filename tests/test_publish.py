"""Publishing with Datasette (issue 18): `pressmark publish` (a copy with its search index and speakers
built and no path of this machine), `pressmark datasette-metadata`, the csv_export view (exactly the CSV's
rows) and Datasette itself serving the copy on 127.0.0.1: the view, a search and the saved queries read
through its JSON API."""
from __future__ import annotations

import csv
import io
import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from conftest import REAL_ARTICLES

from store.annotate import set_note, set_tag
from store.db import StoreError, connect, schema_version
from store.derived.speakers import ensure_speakers
from store.export import COLUMNS, write_csv
from store.publish import publish

A, B = REAL_ARTICLES
STARTUP_LIMIT = 120  # seconds Datasette may take to say it is listening: only a bound on failure


@pytest.fixture
def coded(db, article_ids):
    a, b = article_ids[A], article_ids[B]
    set_tag(db, a, 2, "finding", "alice")
    set_tag(db, a, 2, "response", "bob")  # a disagreement
    set_tag(db, a, 12, "response", "alice")  # a speaker with a role
    set_tag(db, a, 12, "response", "bob")
    set_note(db, a, 3, "-a note that looks like a formula", "bob")
    set_tag(db, b, 1, "commitment", "alice")
    return db


def csv_rows(db) -> list[list[str]]:
    out = io.StringIO(newline="")
    write_csv(db, out, raw=True, columns=tuple(COLUMNS))
    return list(csv.reader(io.StringIO(out.getvalue(), newline="")))


def view_rows(db) -> list[list[str]]:
    cursor = db.conn.execute("SELECT * FROM csv_export")
    header = [d[0] for d in cursor.description]
    return [header] + [["" if v is None else str(v) for v in row] for row in cursor]


def test_publish_builds_search_and_speakers_and_leaves_no_path(coded, db_path, corpus, tmp_path):
    before = coded.conn.execute("SELECT count(*) FROM search_state").fetchone()[0]
    target = tmp_path / "out" / "published.db"
    target.parent.mkdir()
    report = publish(coded, target)
    assert report.articles == 2 and report.indexed == 2
    assert report.folders == {str(corpus.resolve()): "articles"}
    copy = connect(target, readonly=True)
    assert copy.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    sentences = copy.conn.execute("SELECT count(*) FROM sentences").fetchone()[0]
    assert copy.conn.execute("SELECT count(*) FROM search_fts").fetchone()[0] == sentences
    assert {r for (r,) in copy.conn.execute("SELECT DISTINCT root FROM articles")} == {"articles"}
    assert view_rows(copy)[1:] == csv_rows(coded)[1:]
    copy.close()
    data = target.read_bytes()
    for path in {str(corpus), str(corpus.resolve()), str(tmp_path), str(tmp_path.resolve())}:
        assert path.encode() not in data  # nowhere in the file: not in a free page either
    assert sorted(p.name for p in target.parent.iterdir()) == ["published.db"]
    assert coded.conn.execute("SELECT count(*) FROM search_state").fetchone()[0] == before  # only read
    with pytest.raises(StoreError, match="the database itself"):
        publish(coded, db_path)


def test_the_csv_export_view_has_exactly_the_csv_rows(coded, corpus):
    ensure_speakers(coded)
    assert view_rows(coded) == csv_rows(coded)
    # an orphan, a note-only row and a missing article too
    text = (corpus / A).read_text(encoding="utf-8")
    sentence = "Ofsted have published the outcome of their latest monitoring visit to Bradford’s children’s services."
    assert sentence in text
    (corpus / A).write_text(text.replace(sentence, "Nothing like it is here now, not one word."), encoding="utf-8")
    (corpus / B).unlink()
    from store.sync import sync

    sync(coded, corpus)
    ensure_speakers(coded)
    rows = view_rows(coded)
    assert {"orphan", "missing"} <= {r[COLUMNS_INDEX["status"]] for r in rows[1:]}
    assert rows == csv_rows(coded)


COLUMNS_INDEX = {c: i for i, c in enumerate(COLUMNS)}


def test_the_migration_adds_the_views_to_an_older_database(tmp_path, corpus):
    from store.schema import MIGRATIONS, _v16_views
    from store.sync import sync

    before = MIGRATIONS.index(_v16_views)
    old = connect(tmp_path / "old.db", target=before)

    sync(old, corpus)
    assert not old.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'csv_export'").fetchone()
    old.close()
    db = connect(tmp_path / "old.db")
    assert schema_version(db) > before
    names = {n for (n,) in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert {"csv_export", "sentence_search"} <= names
    # plain SQL: an SQLite without MATERIALIZED (before 3.35) can read the schema; this one runs the views
    sql = " ".join(s for (s,) in db.conn.execute("SELECT sql FROM sqlite_master WHERE name IN "
                                                   "('csv_export', 'sentence_search')"))
    assert "MATERIALIZED" not in sql.upper()
    assert db.conn.execute("SELECT count(*) FROM csv_export").fetchone() == (0,)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 -- 127.0.0.1 only
        return json.loads(response.read().decode("utf-8"))


@pytest.fixture
def served(coded, run_cli, tmp_path):
    """The published copy served by Datasette on 127.0.0.1 with pressmark's metadata; (base URL, db name)."""
    result = run_cli("publish", "team.db")
    assert result.code == 0 and "search index built for 2" in result.out, result.err
    meta = run_cli("--db", "team.db", "datasette-metadata")
    assert meta.code == 0
    (tmp_path / "metadata.json").write_text(meta.out, encoding="utf-8")
    port = _free_port()
    log = tmp_path / "datasette.log"  # a file, not a pipe: a pipe read line by line through select kept
    # lines in Python's buffer that select no longer saw, and a full pipe would stop the server
    with open(log, "wb") as err:
        process = subprocess.Popen([sys.executable, "-m", "datasette", "serve", "team.db", "-m", "metadata.json",
                                    "--host", "127.0.0.1", "--port", str(port)], cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + STARTUP_LIMIT
        while "Uvicorn running on" not in (said := log.read_text(errors="replace")):  # Datasette says it listens
            assert process.poll() is None, f"datasette stopped: {said}"
            assert time.monotonic() < deadline, f"datasette did not start: {said}"
            time.sleep(0.2)  # a poll interval, not a condition
        yield f"http://127.0.0.1:{port}", "team"
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_datasette_serves_the_view_a_search_and_the_saved_queries(served, coded):
    base, name = served
    rows = _get(f"{base}/{name}/csv_export.json?_shape=arrays&_size=max")["rows"]
    assert [["" if v is None else str(v) for v in r] for r in rows] == csv_rows(coded)[1:]
    table = _get(f"{base}/{name}/csv_export.json")
    assert {"tag", "annotator", "speaker"} <= set(table["facet_results"])
    found = _get(f"{base}/{name}/sentence_search.json?_search=" + urllib.parse.quote("inspection") + "&_shape=array")
    assert found and all("inspection" in r["text"].lower() for r in found)
    assert {r["article"] for r in found} <= {A, B}
    searched = _get(f"{base}/{name}/search.json?words=inspection&_shape=array")
    assert len(searched) == len(found) and all("[" in r["found"] for r in searched)
    disagreements = _get(f"{base}/{name}/disagreements.json?_shape=array")
    assert [(r["file"], r["sentence"]) for r in disagreements] == [(A, 2)]
    assert disagreements[0]["coded"] == "alice: finding; bob: response"
    progress = _get(f"{base}/{name}/progress.json?_shape=array")
    assert {(r["annotator"], r["file"], r["tagged"]) for r in progress} == {("alice", A, 2), ("bob", A, 2),
                                                                           ("alice", B, 1)}
    listed = _get(f"{base}/{name}.json")
    hidden = {t["name"] for t in listed["tables"] if t["hidden"]}
    assert {"shingles", "search_state", "sentence_spans", "positions"} <= hidden
    assert not any(t["name"] == "csv_export" and t["hidden"] for t in listed["tables"])
    articles = _get(f"{base}/{name}/articles.json?_shape=array&_col=root")
    assert {r["root"] for r in articles} == {"articles"}


def test_datasette_metadata_names_the_database_after_its_file(coded, run_cli):
    result = run_cli("--db", "pressmark.db", "datasette-metadata")
    assert result.code == 0
    meta = json.loads(result.out)
    assert list(meta["databases"]) == ["pressmark"]
    tables = meta["databases"]["pressmark"]["tables"]
    assert tables["sentence_search"]["fts_table"] == "search_fts" and tables["shingles"]["hidden"] is True
    assert set(meta["databases"]["pressmark"]["queries"]) == {"disagreements", "progress", "reuse", "search"}
    assert "finding: What an inspection" in meta["databases"]["pressmark"]["description"]
    assert json.loads(run_cli("datasette-metadata", "--name", "team").out)["databases"].keys() == {"team"}
    for query in meta["databases"]["pressmark"]["queries"].values():  # every saved query runs here too
        coded.conn.execute(query["sql"], {"words": "inspection"}).fetchall()

