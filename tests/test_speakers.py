"""store.speakers: who speaks each sentence; stored at sync time, backfilled by the migration, shown and exported."""
from __future__ import annotations

import csv
import io
import json
import time

import pytest
from conftest import ARTICLES

from store.db import connect
from store.files import read_article
from store.library import article_view
from store.segment import segment
from store.speakers import Speaker, attribute, sentence_speakers
from store.sync import sync


def speakers(text: str) -> list[tuple[str | None, str | None, bool | None]]:
    """(name, role, quoted) per sentence, None for narration."""
    return [(s.name, s.role, s.quoted) if s else (None, None, None) for s in attribute(text, segment(text))]


def names(text: str) -> list[str | None]:
    return [s[0] for s in speakers(text)]


# --------------------------------------------------------------------------- attribution


def test_the_real_release_quotes_and_narration():
    text = read_article(ARTICLES / "000_946a8aef52dcef49.txt").text
    got = speakers(text)
    assert got[0] == ("Ofsted", None, False)  # "..., say Ofsted"
    assert [g[0] for g in got[1:3]] == [None, None]  # narration
    assert [g[0] for g in got[3:6]] == ["Ofsted"] * 3  # "The letter recognises", "Ofsted acknowledge that"
    assert [g[0] for g in got[6:11]] == [None] * 5
    douglas = ("Mark Douglas", "Strategic Director of Children’s Services", True)
    assert got[11:16] == [douglas] * 5  # one quotation over five sentences
    duffy = ("Sue Duffy", "Councillor; portfolio holder for children and families", True)
    assert got[16:21] == [duffy] * 5  # and over two paragraphs (the first has no closing mark)
    assert got[21][0] is None


def test_the_real_story_he_added_and_dashes():
    text = read_article(ARTICLES / "004_0cb13d09fd8748af.txt").text
    got = speakers(text)
    assert got[0][0] == "Ofsted"  # "according to inspectors": the inspecting body the story names next
    assert got[1][:2] == ("Ofsted", None) and got[4][0] == "Ofsted"  # reported speech with quoted fragments
    role = "the council’s strategic director of children’s services"
    assert got[5] == ("Mark Douglas", role, False)  # "Mark Douglas – role – says ..."
    assert got[6:11] == [("Mark Douglas", role, True)] * 5  # "He added: “...", then three more paragraphs
    assert got[11:15] == [("Sue Duffy", "Councillor", True)] * 4  # "who took over as ..." is not a role
    assert [g[0] for g in got[2:4]] == [None, None]


@pytest.mark.parametrize("text, expected", [
    # attribution after the quotation, pronoun, inverted verb and role
    ("Dr Ann Lee, the trust’s medical director, said: “We are sorry.”\n\n“We will improve,” she said.",
     [("Ann Lee", "Dr; the trust’s medical director", True)] * 2),
    ("“We found too many risks,” said Karen Walsh, head of inspection at the CQC.",
     [("Karen Walsh", "head of inspection at the CQC", True)]),
    # a role before the name, with and without commas
    ("The council’s chief executive, Kersten England, said the report was fair.",
     [("Kersten England", "The council’s chief executive", False)]),
    ("Chief Executive Liam Doyle said: “I am sorry.”", [("Liam Doyle", "Chief Executive", True)]),
    ("Inspector of Constabulary Daniel Oduya said the force must improve.",
     [("Daniel Oduya", "Inspector of Constabulary", False)]),
    # spokespeople speak for their body
    ("A spokesperson for West Yorkshire Police said: “Inquiries continue.”",
     [("West Yorkshire Police", "spokesperson", True)]),
    ("A Bradford Council spokesman said the school would stay open.",
     [("Bradford Council", "spokesman", False)]),
    # honorifics are dropped, titles go to the role
    ("Mr John Smith, chair of governors, said: “It is a setback.”", [("John Smith", "chair of governors", True)]),
    ("Cllr Amina Shah said: “We accept the findings.”", [("Amina Shah", "Cllr", True)]),
    # straight quotation marks
    ('Jo Freeman said: "We will act." "Quickly," she added.', [("Jo Freeman", None, True)] * 2),
])
def test_constructions(text, expected):
    assert speakers(text) == expected


def test_quotation_across_paragraphs_british_style():
    text = ("Mark Douglas, director, said: “First paragraph of the quote.\n\n"
            "“Second paragraph, still quoted. Another sentence.\n\n"
            "“Last paragraph.”\n\nThe meeting ended at noon.")
    assert names(text) == ["Mark Douglas"] * 4 + [None]


def test_an_unclosed_quotation_ends_with_its_paragraph():
    text = "Jane Roe said: “We will look at this.\n\nThe meeting ended at noon."
    assert names(text) == ["Jane Roe", None]


def test_follow_on_quote_paragraph_continues_the_last_speaker():
    text = "“We are proud,” said Jane Roe.\n\n“Our staff worked hard.”"
    assert names(text) == ["Jane Roe", "Jane Roe"]


def test_scare_quotes_in_narration_have_no_speaker():
    text = "Jane Roe said the school was doing well.\n\nThe school was rated “inadequate” in 2019."
    assert names(text) == ["Jane Roe", None]


def test_pronouns_resolve_to_the_last_person_or_body():
    text = ("Jane Roe, the head, said the school would appeal. Ofsted said the judgement stood. "
            "She added that parents had been told. It said it would return in May.")
    assert names(text) == ["Jane Roe", "Ofsted", "Jane Roe", "Ofsted"]


def test_surname_and_acronym_refer_back():
    text = ("Mark Douglas, the director, said the plan was working. The Care Quality Commission (CQC) "
            "visited in May. Douglas said more staff had been hired. The CQC said the trust had improved.")
    got = speakers(text)
    assert got[2] == ("Mark Douglas", "the director", False)
    assert got[3][0] == "Care Quality Commission"


def test_generic_references_resolve_to_the_named_body():
    text = ("Kirkdale Council and NHS Kirkdale welcomed the report. The council said it would act. "
            "Westshire NHS Trust was inspected. The trust said it accepted the findings.")
    assert names(text)[1::2] == ["Kirkdale Council", "Westshire NHS Trust"]
    # with no council named, the phrase itself
    assert names("The council said it would act.") == ["the council"]


def test_an_unresolvable_attribution_is_no_one_and_breaks_the_chain():
    text = ("Jane Roe said: “We are proud.”\n\n“We were let down,” one mother said. “Nobody listens.”\n\n"
            "“Never again,” she said.")
    assert names(text) == ["Jane Roe", None, None, None]


def test_capitalised_common_word_is_not_a_speaker():
    assert names("Parents said they were shocked.") == [None]


def test_empty_and_quote_only_inputs():
    assert attribute("", []) == []
    assert names("“") == []  # no letters: no sentence
    assert names("“Unclosed and unattributed.") == [None]
    assert names("Nothing is said here. Nor here.") == [None, None]


def test_attribution_is_linear_and_fast():
    block = read_article(ARTICLES / "000_946a8aef52dcef49.txt").text + "\n\n"
    text = block * (200_000 // len(block))
    spans = segment(text)
    start = time.perf_counter()
    got = attribute(text, spans)
    elapsed = time.perf_counter() - start
    assert len(got) == len(spans)
    assert elapsed < 2.0, f"{elapsed:.2f} s for {len(text):,} characters"


# --------------------------------------------------------------------------- storage


def test_sync_stores_speakers(db, article_ids, real_article):
    aid = article_ids[real_article]
    text = db.conn.execute("SELECT text FROM articles WHERE id = ?", (aid,)).fetchone()[0]
    expected = {n: s for n, s in enumerate(attribute(text, segment(text)), 1) if s}
    assert sentence_speakers(db, aid) == expected and expected
    view = article_view(db, aid, "alice")
    assert view.speakers == expected


def test_resync_of_a_changed_file_replaces_its_speakers(db, corpus, article_ids):
    path = corpus / "004_0cb13d09fd8748af.txt"
    aid = article_ids[path.name]
    path.write_text(path.read_text(encoding="utf-8") + "\n\nJo Bloggs, a parent, said: “About time.”\n",
                    encoding="utf-8")
    sync(db, corpus)
    stored = sentence_speakers(db, aid)
    last = max(n for (n,) in db.conn.execute("SELECT n FROM sentences WHERE article_id = ?", (aid,)))
    assert stored[last] == Speaker("Jo Bloggs", "a parent", True)


def test_migration_backfills_speakers(tmp_path, corpus):
    path = tmp_path / "old.db"
    old = connect(path, target=4)
    sync(old, corpus)  # no speakers table yet: storing them is skipped
    assert "sentence_speakers" not in old.table_names()
    old.conn.close()
    db = connect(path)
    try:
        for aid, text in db.conn.execute("SELECT id, text FROM articles").fetchall():
            expected = {n: s for n, s in enumerate(attribute(text, segment(text)), 1) if s}
            assert sentence_speakers(db, aid) == expected and expected
        assert db.conn.execute("SELECT count(*) FROM cues").fetchone()[0] > 10
    finally:
        db.conn.close()


def test_show_json_and_export_carry_the_speaker(synced_cli, corpus):
    run = synced_cli
    data = json.loads(run("show", "000", "--format", "json").out)
    by_n = {s["n"]: s for s in data["sentences"]}
    assert by_n[12]["speaker"] == "Mark Douglas"
    assert by_n[12]["speaker_role"] == "Strategic Director of Children’s Services"
    assert by_n[2]["speaker"] is None and by_n[2]["speaker_role"] is None
    run("tag", "000", "12", "response")
    run("tag", "000", "2", "finding")
    rows = list(csv.DictReader(io.StringIO(run("export", "-o", "-").out, newline="")))
    assert list(rows[0])[5:8] == ["tag", "speaker", "text"]
    assert {r["sentence"]: r["speaker"] for r in rows} == {"2": "", "12": "Mark Douglas"}


def test_orphans_export_no_speaker(db, corpus, article_ids):
    from store.annotate import set_tag
    from store.export import CSV_COLUMNS, export_rows

    aid = article_ids["000_946a8aef52dcef49.txt"]
    set_tag(db, aid, 12, "response", "alice")
    path = corpus / "000_946a8aef52dcef49.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Mark Douglas, Strategic Director of Children’s Services, said: “Ofsted have "
                                 "recognised that we are making progress in our improvement journey. ", ""),
                    encoding="utf-8")
    sync(db, corpus)
    [row] = list(export_rows(db))
    status, speaker, role = (CSV_COLUMNS.index(c) for c in ("status", "speaker", "speaker_role"))
    assert row[status] == "orphan" and row[speaker] is None and row[role] is None


@pytest.fixture
def synced_cli(run_cli, corpus):
    assert run_cli("sync", corpus).code == 0
    return run_cli
