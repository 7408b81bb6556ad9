"""store.speakers: who speaks each sentence (docs/labelling.md §4), stored with its evidence, shown and exported.

Each kind of issue 16 is tested on real text from the DEV split of tests/data/corpus (the pair in a comment)
and on variants written here. Never on the test split.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import ARTICLES

from store.db import connect
from store.derived.speakers import sentence_speakers
from store.files import read_article
from store.queries import article_view
from store.segment import segment
from store.speakers import ALGORITHM, Speaker, attribute
from store.sync import sync

CORPUS = Path(__file__).parent / "data" / "corpus"


def speakers(text: str) -> list[tuple[str | None, str | None, bool | None]]:
    """(name, role, quoted) per sentence, None for narration."""
    return [(s.name, s.role, s.quoted) if s else (None, None, None) for s in attribute(text, segment(text))]


def names(text: str) -> list[str | None]:
    return [s[0] for s in speakers(text)]


def dev(pair: str, role: str = "release") -> str:
    return read_article(CORPUS / pair / f"{role}.md").text


def said(text: str, *starts: str) -> list[Speaker | None]:
    """The speakers of the sentences of ``text`` that start with each of ``starts``."""
    found = {text[s.start:s.end]: sp for s, sp in zip(segment(text), attribute(text, segment(text)))}
    out = []
    for start in starts:
        [sentence] = [t for t in found if t.startswith(start)]
        out.append(found[sentence])
    return out


def who(text: str, *starts: str) -> list[str | None]:
    return [s.name if s else None for s in said(text, *starts)]


# --------------------------------------------------------------------------- quotations, in every style


def test_a_quotation_in_straight_double_quotes_runs_over_paragraphs():
    text = dev("09-nwaft-cqc-2019")  # each paragraph reopens with ", none closes but the last
    got = said(text, "Chief Executive, Caroline Walker, said;", '"Our staff continue', "We will also continue",
               '"We would like to reassure')
    assert {(s.name, s.role, s.quoted) for s in got} == {("Caroline Walker", "Chief Executive", True)}


def test_an_introducer_alone_and_a_quotation_that_reopens_each_paragraph():
    text = dev("01-ico-tameside")
    got = said(text, "Simon Entwisle, Director of Operations said,", "“This is not the first", "These companies",
               "Were it not", "“We are continuing", "We would like")
    assert {(s.name, s.role, s.quoted) for s in got} == {("Simon Entwisle", "Director of Operations", True)}


def test_single_curly_quotes_are_told_from_apostrophes():
    # 14 release, its hard line breaks joined: ‘…’ around speech, ’ also the apostrophe.
    text = ("‘We unreservedly apologise for this incident. We deeply regret the pollution and fish kill particularly "
            "as our whole business is about protecting and improving the environment. Our daily work is along the "
            "riverbank and we strive to do this to the highest standards,’ said Martin Weiler for the Environment "
            "Agency. ‘We have learned lessons and improved our procedures and practices for managing contractors. "
            "Our surveys show the river has made a very good recovery with a healthy population of fish and other "
            "river life now present in the affected area.’")
    assert set(speakers(text)) == {("Martin Weiler", "for the Environment Agency", True)}
    assert len(segment(text)) == 5


def test_straight_single_quotes_over_paragraphs_and_after_the_quotation():
    text = dev("10-trussell-trust-2021", "story")
    assert who(text, "'Food banks across the country") == ["Trussell Trust"]  # "…,' the trust said."
    got = said(text, "Trussell Trust chief executive Emma Revie", "'Yet our network", "'This is not right",
               "'This pandemic")
    assert {(s.name, s.role, s.quoted) for s in got} == {("Emma Revie", "Trussell Trust chief executive", True)}


@pytest.mark.parametrize("opening, closing", [("“", "”"), ("‘", "’"), ('"', '"'), ("'", "'"), ("„", "“")])
def test_every_quote_style_with_apostrophes_inside(opening, closing):
    o, c = opening, closing
    text = (f"Amira Khan, chief executive of the trust, said: {o}We can’t accept the council's figures. "
            f"The parents’ views were ignored.\n\n{o}We will appeal.\n\n"
            f"{o}We don't give up,{c} she said. {o}Never.{c}\n\nThe meeting ended at noon.")
    assert names(text) == ["Amira Khan"] * 5 + [None]
    assert [s[2] for s in speakers(text)] == [True] * 5 + [None]


def test_a_misused_closing_mark_opens_a_paragraph():
    text = "The trust was rated inadequate.\n\n”We will appeal,” said Amira Khan.\n\nThe meeting ended at noon."
    assert names(text) == [None, "Amira Khan", None]


def test_an_unclosed_quotation_ends_with_its_paragraph():
    text = "Jane Roe said: “We will look at this.\n\nThe meeting ended at noon."
    assert names(text) == ["Jane Roe", None]


def test_apostrophes_do_not_open_a_quotation():
    text = ("The trust’s board met in the ’90s and the ’80s to discuss rock ’n’ roll. Jo Bell said it was fun.\n\n"
            "It rained.")
    assert names(text) == [None, "Jo Bell", None]


# --------------------------------------------------------------------------- where the attribution is


def test_attribution_after_the_quotation_and_a_follow_on_quotation():
    text = dev("05-invista-maitland")
    assert who(text, "“We’re proud of our 71-year history", "“As we celebrate our past") == ["Matt Murton"] * 2


@pytest.mark.parametrize("line", ["Professor Jane Smith, University of York",
                                  "— Professor Jane Smith, University of York."])
def test_attribution_on_a_line_after_a_block_quote(line):
    text = ("“The results are clear and worrying.\n\n“We must act now, before another winter.”\n\n"
            f"{line}\n\nThe study was published on Monday.")
    assert speakers(text) == [("Jane Smith", "Professor; University of York", True)] * 3 + [(None, None, None)]


def test_attribution_after_a_dash():
    assert speakers("“We will fight on” — Jane Smith, union representative") == [
        ("Jane Smith", "union representative", True)]
    assert names("It rained — Jane Smith was there.") == [None]


def test_attribution_in_a_later_paragraph_of_the_quotation():
    text = "“We are proud of our staff.\n\n“We will keep improving,” said Amira Khan.\n\nIt rained."
    assert names(text) == ["Amira Khan", "Amira Khan", None]


def test_attribution_in_the_next_sentence_and_pronoun_subjects():
    text = dev("11-north-yorkshire-joint-statement", "story")
    joint = "Lisa Winward and Andrew Brodie and Julia Mulligan"
    # "NORTH Yorkshire Police will use all the powers …" / "That is according to a statement … from police and
    # fire chiefs in North Yorkshire." (the chiefs named together in a later paragraph)
    assert who(text, "NORTH Yorkshire Police will use", "That is according to") == [joint, joint]
    assert who(text, "It comes after the Prime Minister") == [None]  # an action, not speech
    assert who(text, "Last night, Boris Johnson detailed", "He ordered people", "Or they could seek") == \
        ["Boris Johnson"] * 3


def test_a_pull_quote_has_the_speaker_of_the_section_it_heads():
    text = dev("04-leicester-ofsted-2025", "story")
    assert said(text, "'Disappointed'") == [Speaker("Sarah Russell", "Leicester's deputy mayor", True)]


def test_a_list_completing_an_introducer_shares_its_speaker():
    text = dev("08-hse-rugby-drill", "story-2")
    got = said(text, "The Health and Safety Executive (HSE) investigation revealed", "- Conduct a suitable",
               "- Implement a safe system", "The investigation highlighted")
    assert {(s.name, s.quoted) for s in got} == {("Health and Safety Executive (HSE)", False)}


def test_direct_speech_without_quote_marks_after_said():
    text = dev("11-north-yorkshire-joint-statement")
    joint = "Lisa Winward and Andrew Brodie and Julia Mulligan"
    got = speakers(text)
    assert [g[0] for g in got[1:4]] == [None] * 3  # the signatories' name lines
    assert {g[:1] + g[2:] for g in got[4:]} == {(joint, True)}  # "Speaking today, they jointly said:" and after
    assert got[4][1].startswith("Chief Constable of North Yorkshire Police and Chief Fire Officer")
    assert who(text, "The Police and Fire Service have issued") == ["Police and Fire Service"]


# --------------------------------------------------------------------------- reported speech


def test_reported_speech_with_verbs_of_saying_and_finding():
    text = dev("10-trussell-trust-2021")
    assert who(text, "The Trussell Trust is urgently calling", "Today, the Trussell Trust reports",
               "The charity warns", "Hunger in the UK", "The Trussell Trust is now urgently") == ["Trussell Trust"] * 5
    assert who(text, "More than 980,000", "Food banks in its network") == [None, None]


def test_the_regulator_said_it_and_according_to_inspectors():
    text = ("The Care Quality Commission (CQC) rated Oakwood Lodge inadequate in May. The regulator said it "
            "inspected the home after complaints. It said it is now focusing on staffing. According to inspectors, "
            "medicines were not stored safely. Relatives want answers.")
    cqc = "Care Quality Commission (CQC)"
    assert names(text) == [cqc] * 4 + [None]


def test_a_passive_names_its_agent_or_no_one():
    text = dev("03-leicester-ofsted-2021")
    assert who(text, "Every area of inspection was rated as good by inspectors",
               "At its last monitoring visit in 2017, Ofsted rated") == ["Ofsted"] * 2
    assert who(text, "While other local authorities", "Each area was rated good") == [None, None]
    assert who(dev("08-hse-rugby-drill"), "The company was fined £28,000 and ordered") == [None]


def test_wanting_or_believing_is_not_saying():
    text = dev("01-ico-tameside", "story")
    assert who(text, "The Commissioner now wants", "It wants to be able") == [None, None]


def test_it_found_after_a_body_investigated():
    # 14 release, its hard line breaks joined.
    text = ("Today Judge Jeremy Griggs heard how the Environment Agency immediately instructed all work on the site "
            "to stop and investigated the pollution. It found concrete grout had got into pumps on the "
            "construction site. Sentencing Judge Griggs said that it was clearly very serious.")
    assert names(text) == [None, "Environment Agency", "Jeremy Griggs"]
    assert speakers(text)[2][1] == "Judge"


# --------------------------------------------------------------------------- one name per person or body


def test_people_are_named_as_first_introduced():
    text = dev("09-nwaft-cqc-2019", "story-2")
    assert who(text, "Prof Baker said:", "Mrs Walker said they would use") == ["Ted Baker", "Caroline Walker"]
    assert said(text, "Prof Baker said:")[0].role == "Prof; CQC chief inspector of hospitals"
    text = dev("05-invista-maitland")
    assert who(text, "The project announcement was made by", "“I’d like to thank") == ["Francis Murphy"] * 2


def test_bodies_are_named_as_first_introduced_in_the_body_of_the_article():
    text = dev("01-ico-tameside", "story")
    # "…, says ICO" in the headline and "A regulator" yield to "The Information Commissioner" (later "Information
    # Commissioner's Office (ICO)")
    assert who(text, "Nuisance calls must be stopped earlier", "A regulator has called for") == \
        ["Information Commissioner"] * 2
    text = dev("04-leicester-ofsted-2025", "story")
    assert who(text, "Council hits back", "Leicester City Council has said") == ["Leicester City Council"] * 2
    assert who(dev("05-invista-maitland"), "INVISTA Maitland Celebrates History") == ["INVISTA"]


def test_one_name_for_a_person_and_a_body_however_referred_to():
    text = ("Amira Khan, chief executive of Northfield NHS Foundation Trust (NNFT), said the trust would appeal. "
            "Ms Khan said staff were shocked. She added that patients were safe. The chief executive said a review "
            "was under way.\n\nThe trust said it had hired 40 nurses. It said more would follow. NNFT said it "
            "would publish a plan.")
    body = "Northfield NHS Foundation Trust (NNFT)"
    assert names(text) == ["Amira Khan"] * 4 + [body] * 3
    assert {s[1] for s in speakers(text)[:4]} == {"chief executive of Northfield NHS Foundation Trust (NNFT)"}


def test_two_sources_in_one_sentence_and_initials_for_a_body():
    text = dev("14-environment-agency-2006", "story")
    assert who(text, "Both May Gurney and the agency accepted") == ["May Gurney and Environment Agency"]
    assert who(text, "They apologised for the part they played") == ["Environment Agency"]  # "… and the EA said …"


def test_joint_statements_name_everyone():
    text = dev("11-north-yorkshire-joint-statement", "story")
    [first] = said(text, "In a joint statement responding to the new measures")
    assert first.name == "Lisa Winward and Andrew Brodie and Julia Mulligan" and first.quoted
    assert first.role == ("chief constable of North Yorkshire Police and chief fire officer of North Yorkshire Fire "
                          "and Rescue Service and North Yorkshire police, fire and crime commissioner")
    text = ("Kirkdale Council and NHS Kirkdale said they welcomed the report. The study was led by Professor Jo Bell "
            "and Dr Sam Reid at York. The researchers said the effect was small. Jo Bell and Sam Reid said more work "
            "was needed.")
    assert names(text) == ["Kirkdale Council and NHS Kirkdale", None, "Jo Bell and Sam Reid", "Jo Bell and Sam Reid"]


def test_bodies_named_together_speak_together():
    text = ("The NHS Commissioning Board (NHS CB) and the Local Government Association (LGA) have agreed to work "
            "together.\n\nThe two organisations said patients would benefit. They said councils would lead.")
    assert names(text) == [None] + ["NHS Commissioning Board and Local Government Association"] * 2


def test_a_generic_reference_is_to_the_body_it_heads_named_before_it():
    text = ("Met Police officers have been suspended. The force said it had referred the matter to the Independent "
            "Office for Police Conduct (IOPC). The IOPC said it was investigating.")
    assert names(text) == [None, "Met Police", "Independent Office for Police Conduct (IOPC)"]


def test_a_spokesperson_or_a_statement_speaks_for_its_body():
    text = ("Two Met Police officers were suspended. A spokesperson said: “We are appalled.”\n\n"
            "The IOPC’s statement said an inquiry had begun. Its statement added that it would report.")
    assert speakers(text) == [(None, None, None), ("Met Police", "spokesperson", True), ("IOPC", None, False),
                              ("IOPC", None, False)]
    assert names("A spokesman said the road would reopen.") == [None]  # for no body the article names


def test_a_body_with_and_in_its_name_is_one_body():
    text = ("His Majesty’s Inspectorate of Constabulary and Fire & Rescue Services (HMICFRS) graded Eastmoor Police "
            "as inadequate. The Health and Safety Executive said it would act.")
    assert names(text) == ["His Majesty’s Inspectorate of Constabulary and Fire & Rescue Services (HMICFRS)",
                           "Health and Safety Executive"]


# --------------------------------------------------------------------------- documents have no speaker


def test_a_documents_findings_have_no_speaker():
    text = dev("09-nwaft-cqc-2019", "story-2")
    assert who(text, "The report said the trust needed", "It also said clear up-to-date") == [None, None]
    assert who(text, "Inspectors said maternity wards", "The CQC also found") == ["Care Quality Commission"] * 2
    text = dev("04-leicester-ofsted-2025")
    assert who(text, "Their report says that", "They noted the", "They found that handovers") == \
        [None, "Ofsted", "Ofsted"]


def test_it_added_after_a_published_report_is_the_report_quoting():
    text = dev("04-leicester-ofsted-2025", "story")
    assert who(text, "The inspection was carried out in September", 'It added: "This brings', '"Despite the clear') \
        == [None, None, None]
    assert who(text, "Ofsted declined to comment") == ["Ofsted"]


def test_document_subjects_in_the_older_real_release():
    text = read_article(ARTICLES / "000_946a8aef52dcef49.txt").text
    assert who(text, "The letter recognises", "The letter also highlights", "Ofsted acknowledge that") == \
        [None, None, "Ofsted"]


# --------------------------------------------------------------------------- the older tests, still right


def test_the_real_release_quotes_and_narration():
    text = read_article(ARTICLES / "000_946a8aef52dcef49.txt").text
    got = speakers(text)
    assert got[0] == ("Ofsted", None, False)  # "..., say Ofsted"
    assert [g[0] for g in got[1:5]] == [None] * 4  # narration, and the letter's findings
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
    ("Dr Ann Lee, the trust’s medical director, said: “We are sorry.”\n\n“We will improve,” she said.",
     [("Ann Lee", "Dr; the trust’s medical director", True)] * 2),
    ("“We found too many risks,” said Karen Walsh, head of inspection at the CQC.",
     [("Karen Walsh", "head of inspection at the CQC", True)]),
    ("The council’s chief executive, Kersten England, said the report was fair.",
     [("Kersten England", "The council’s chief executive", False)]),
    ("Chief Executive Liam Doyle said: “I am sorry.”", [("Liam Doyle", "Chief Executive", True)]),
    ("Inspector of Constabulary Daniel Oduya said the force must improve.",
     [("Daniel Oduya", "Inspector of Constabulary", False)]),
    ("UNISON regional organiser Tracey Ryan said: “Staff deserve better.”",
     [("Tracey Ryan", "UNISON regional organiser", True)]),
    ("A spokesperson for West Yorkshire Police said: “Inquiries continue.”",
     [("West Yorkshire Police", "spokesperson", True)]),
    ("A Bradford Council spokesman said the school would stay open.",
     [("Bradford Council", "spokesman", False)]),
    ("Mr John Smith, chair of governors, said: “It is a setback.”", [("John Smith", "chair of governors", True)]),
    ("Cllr Amina Shah said: “We accept the findings.”", [("Amina Shah", "Cllr", True)]),
    ('Jo Freeman said: "We will act." "Quickly," she added.', [("Jo Freeman", None, True)] * 2),
    ("Jo Freeman said the rating was “disappointing”.", [("Jo Freeman", None, False)]),  # a fragment: reported
])
def test_constructions(text, expected):
    assert speakers(text) == expected


def test_scare_quotes_in_narration_have_no_speaker():
    text = "Jane Roe said the school was doing well.\n\nThe school was rated “inadequate” in 2019."
    assert names(text) == ["Jane Roe", None]


def test_pronouns_resolve_to_the_nearest_person_or_body():
    text = ("Jane Roe, the head, said the school would appeal. Ofsted said the judgement stood. "
            "She added that parents had been told. It said it would return in May.")
    assert names(text) == ["Jane Roe", "Ofsted", "Jane Roe", "Ofsted"]


def test_surname_and_acronym_refer_back():
    text = ("Mark Douglas, the director, said the plan was working. The Care Quality Commission (CQC) "
            "visited in May. Douglas said more staff had been hired. The CQC said the trust had improved.")
    got = speakers(text)
    assert got[2] == ("Mark Douglas", "director", False)  # the role as given at the first mention, without "the"
    assert got[3][0] == "Care Quality Commission (CQC)"


def test_generic_references_resolve_to_the_named_body():
    text = ("Kirkdale Council and NHS Kirkdale welcomed the report. The council said it would act. "
            "Westshire NHS Trust was inspected. The trust said it accepted the findings.")
    assert names(text)[1::2] == ["Kirkdale Council", "Westshire NHS Trust"]
    assert names("The council said it would act.") == ["the council"]  # no council named: the phrase itself


def test_an_unresolvable_attribution_is_no_one_and_breaks_the_chain():
    text = ("Jane Roe said: “We are proud.”\n\n“We were let down,” one mother said. “Nobody listens.”\n\n"
            "“Never again,” she said.")
    assert names(text) == ["Jane Roe", None, None, None]
    text = "Amy Hale died in March.\n\n“We miss her every day,” her brother said in a statement."
    assert names(text) == [None, None]  # a brother the article does not name
    text = ("Amy Hale died in March. Her brother, Tom Hale, has called for an inquiry.\n\n"
            "“We miss her every day,” her brother said in a statement.")
    assert names(text) == [None, "Tom Hale", "Tom Hale"]


def test_capitalised_common_word_is_not_a_speaker():
    assert names("Parents said they were shocked.") == [None]


def test_empty_and_quote_only_inputs():
    assert attribute("", []) == []
    assert names("“") == []  # no letters: no sentence
    assert names("“Unclosed and unattributed.") == [None]
    assert names("Nothing is said here. Nor here.") == [None, None]


# --------------------------------------------------------------------------- evidence


def test_each_speaker_carries_the_words_that_named_them():
    text = ("Ms Khan, the trust’s chief executive, said: “We are sorry. We will improve.”\n\n"
            "“We were let down,” said Amira Khan’s deputy, Jo Bell. Staff were shocked, according to the union.")
    got = attribute(text, segment(text))
    assert [s.evidence if s else None for s in got] == [
        "Ms Khan … said:", "Ms Khan … said:", "said Amira Khan’s deputy, Jo Bell", "according to the union"]
    long = ("Lisa Winward, chief constable of North Yorkshire Police, Andrew Brodie and Julia Mulligan said: "
            "“Stay home.”")
    assert attribute(long, segment(long))[0].evidence == "Lisa Winward … said:"


# --------------------------------------------------------------------------- hostile text


def test_hostile_quote_marks_stay_in_their_paragraph():
    """Thousands of unbalanced marks of every style: one pass, and no quotation runs past a paragraph that does
    not reopen it, so narration after them has no speaker."""
    noise = "“a ‘b ’c 'd e' ”f \"g " * 5_000
    text = f"Jo Bell said: {noise}\n\nThe council met on Monday.\n\n" + "It’s the parents’ ' ‘ choice. " * 5_000
    spans = segment(text)
    got = attribute(text, spans)
    assert len(got) == len(spans)
    assert got[0].name == "Jo Bell"
    assert [g for s, g in zip(spans, got) if text[s.start:s.end] == "The council met on Monday."] == [None]


def test_a_sentence_of_half_a_megabyte_with_a_verb_every_few_words():
    """No full stop for 600,000 characters, a reporting verb, a name and a pronoun every few words: each verb
    looks only so far for its subject, so this takes seconds, not hours."""
    text = "Jo Bell said she and Sam Reid told Ofsted it and the council found that they " * 8_000
    [speaker] = attribute(text, segment(text))
    assert speaker.name in {"Jo Bell", "Ofsted", "the council"} and speaker.evidence


def test_a_long_article_gets_one_speaker_per_sentence():
    block = read_article(ARTICLES / "000_946a8aef52dcef49.txt").text + "\n\n"
    text = block * (200_000 // len(block))
    spans = segment(text)
    got = attribute(text, spans)
    assert len(got) == len(spans)
    assert sum(1 for g in got if g and g.name == "Mark Douglas") == 5 * (200_000 // len(block))


# --------------------------------------------------------------------------- storage


def test_sync_stores_speakers(db, article_ids, real_article):
    aid = article_ids[real_article]
    text = db.conn.execute("SELECT text FROM articles WHERE id = ?", (aid,)).fetchone()[0]
    expected = {n: s for n, s in enumerate(attribute(text, segment(text)), 1) if s}
    stored = sentence_speakers(db, aid)
    assert stored == expected and expected
    assert [s.evidence for s in stored.values()] == [s.evidence for s in expected.values()]  # evidence kept
    assert all(s.evidence for s in stored.values())
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
    assert stored[last].evidence == "Jo Bloggs … said:"


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


def test_speakers_stored_by_an_older_attribution_are_made_again(tmp_path, corpus):
    """A database of schema 11 keeps the speakers the old attribution stored; once migrated they are stale, and
    so are any stored by another version of the attribution: each is attributed again when next needed."""
    from store.derived.speakers import store_speakers

    path = tmp_path / "v11.db"
    old = connect(path, target=11)
    sync(old, corpus)
    ids = [aid for (aid,) in old.conn.execute("SELECT id FROM articles ORDER BY id")]
    with old.conn:
        for aid in ids:
            store_speakers(old, aid, [Speaker("Planted Person")])  # as the old attribution stored them
    old.close()
    db = connect(path)
    try:
        for aid in ids:
            got = sentence_speakers(db, aid)
            assert "Planted Person" not in {s.name for s in got.values()} and got
            assert all(s.evidence for s in got.values())
        assert {a for (a,) in db.conn.execute("SELECT DISTINCT algorithm FROM speaker_state")} == {ALGORITHM}
        with db.conn:
            store_speakers(db, ids[0], [Speaker("Planted Person")])
            db.conn.execute("UPDATE speaker_state SET algorithm = ? WHERE article_id = ?", (ALGORITHM - 1, ids[0]))
        assert "Planted Person" not in {s.name for s in sentence_speakers(db, ids[0]).values()}
    finally:
        db.close()


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
