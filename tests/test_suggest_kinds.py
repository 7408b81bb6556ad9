"""Issue 16, the suggestion kind: the default cues find findings stated without cue words and stay quiet on
narration that is not a finding, response or commitment (docs/labelling.md, section 3).

Each kind is shown on real sentences of the corpus's DEV pairs (quoted, with the pair and sentence; the
speaker is the gold label's, so these tests do not depend on store.speakers) and on variants written here.
"""
from __future__ import annotations

from itertools import product

import pytest

from store.speakers import Speaker
from store.suggest import default_cues, propose

CUES = default_cues()


def tags(text: str, speaker: Speaker | None = None) -> set[str]:
    return {tag for _, tag, _ in propose([text], [speaker], CUES)}


# --------------------------------------------------------------------------- findings without cue words

REAL_FINDINGS = [
    # 08 r13: a court's fine
    (("The company was fined £28,000 and ordered to pay costs of £3,616 at Birmingham Magistrates’ Court on "
      "19 September 2024."), None),
    # 01 r1: a headline with the penalty
    ("ICO continues crackdown on nuisance calls as energy company fined £45,000", None),
    # 01 s2 2: the penalty as a sum
    (("Tameside Energy Services would have been hit with a £90,000 fine but the ICO cut it in half due to the "
      "company’s poor financial situation."), None),
    # 10 r2: figures from the body's own count
    (("Record 2.5 million emergency food parcels given to people across UK with just under 1m going to children – "
      "that’s two parcels every minute."), None),
    # 01 s2 3: a failure narrated
    (("The firm should not have called anyone registered with the TPS, but it did not carry out appropriate "
      "checks."), None),
    # 03 r3: a comparison judged
    ("It means that children’s services in the city are among the best in the East Midlands.", None),
    # 09 s2 5: the regulator's judgment that services got worse
    (("The Care Quality Commission (CQC) visited the hospitals between 30 July and 13 September and said a number "
      "of services \"had deteriorated\" since their last visit in 2018."), Speaker("Care Quality Commission")),
]


@pytest.mark.parametrize("text, speaker", REAL_FINDINGS)
def test_findings_without_cue_words_on_real_text(text, speaker):
    assert "finding" in tags(text, speaker)


@pytest.mark.parametrize("text, speaker", [
    # 10 s 2: a charity reporting its own figures is stating a finding, not responding
    (("The Trussell Trust said that its outlets had experienced a 33 per cent increase in the number of parcels "
      "they distributed between April 2020 and March 2021."), Speaker("Trussell Trust")),
    # 14 r9: the body that investigated states what it found
    (("It found concrete grout had got\ninto pumps on the construction site and untreated\nwater had been pumped "
      "back into the river."), Speaker("Environment Agency")),
])
def test_a_body_stating_its_findings_or_figures_is_not_responding(text, speaker):
    assert tags(text, speaker) == {"finding"}


COMPANIES = ["Northgate Plastics Ltd", "A Leeds care provider", "The haulage firm"]


@pytest.mark.parametrize("company, amount", product(COMPANIES, [4_500, 120_000]))
def test_fines_penalties_and_costs_are_findings(company, amount):
    for text in (f"{company} was fined £{amount:,} at Leeds Crown Court.",
                 f"{company} was ordered to pay £{amount:,} in costs.",
                 f"{company} received a monetary penalty of £{amount:,}.",
                 f"Care home fined £{amount:,} after resident fell"):
        assert "finding" in tags(text), text


@pytest.mark.parametrize("figure", ["a 33% rise", "a 12 per cent fall", "more than 1,200 complaints",
                                    "2.1 million meals", "a record number of referrals"])
def test_figures_from_a_count_are_findings(figure):
    assert "finding" in tags(f"Last year the network recorded {figure}.")
    assert tags(f"The charity said its network recorded {figure}.", Speaker("The charity")) == {"finding"}


# --------------------------------------------------------------------------- narration that is not a tag

REAL_NO_TAG = [
    # 01 r9, 07-like introducers: the line only introduces the quotation (docs/labelling.md section 3.4)
    ("Simon Entwisle, Director of Operations said,", Speaker("Simon Entwisle", "Director of Operations", True)),
    # 11 r5
    ("Speaking today, they jointly said:", Speaker("Lisa Winward and Andrew Brodie and Julia Mulligan", None, True)),
    # 11 s2: attribution only
    (("That is according to a statement issued this morning (Tuesday) from police and fire chiefs in North "
      "Yorkshire."), Speaker("Lisa Winward and Andrew Brodie and Julia Mulligan")),
    # 04 r2: background, when and why the inspection took place
    (("Inspectors visited Leicester City Council in September last year to review all aspects of children’s social "
      "care, including adoption and fostering, early help services, staff development and out-of-hours support."),
     None),
    # 04 s6: where the report is
    (("The inspection was carried out in September, and Ofsted has now published its report, which highlights the "
      "city's diverse young population."), None),
    # 14 r7: a case referred on by a court is procedure, not anybody's reaction
    (("The case, which was brought privately by River\nExe riparian owner Ian Cook, was referred to crown\ncourt for "
      "sentencing."), None),
    # 10 r3: a charity's call on the government is no commitment and reacts to nothing
    (("The Trussell Trust is urgently calling on all levels of government across the UK to commit to developing a "
      "plan to end the need for food banks once and for all."), Speaker("Trussell Trust")),
]


@pytest.mark.parametrize("text, speaker", REAL_NO_TAG)
def test_narration_that_states_nothing_gets_no_tag_on_real_text(text, speaker):
    assert tags(text, speaker) == set()


def test_an_organisations_own_announcement_is_a_commitment_not_a_response():
    # 05 s1: INVISTA announces an investment: it reacts to nothing
    text = ("MAITLAND – INVISTA, announced on Wednesday its intention to invest approximately $23 million CAD "
            "($17 million USD) in the re-commissioning of hexamethylene diamine (HMD) assets at its Maitland, "
            "Ontario site.")
    assert tags(text, Speaker("INVISTA")) == {"commitment"}


def test_declining_to_comment_is_the_inspectors_response():
    # 04 s5
    assert tags("Ofsted declined to comment.", Speaker("Ofsted")) == {"response"}


NAMES = [("Jo Freeman", "Director of Children’s Services"), ("Cllr Amina Shah", "Cabinet Member for Children"),
         ("Professor Ted Baker", "CQC chief inspector of hospitals")]


@pytest.mark.parametrize("name, role", NAMES)
def test_bare_introducers_get_no_tag(name, role):
    speaker = Speaker(name, role, True)
    for text in (f"{name}, {role}, said:", f"{role} {name} said:", f"{name} added,", f"{name} said;",
                 f"Speaking after the hearing, {name} said:"):
        assert tags(text, speaker) == set(), text
    # A sentence that says something besides who speaks is tagged by what it says.
    assert tags(f"{name} said the council welcomed the report.", speaker)


@pytest.mark.parametrize("subject, when", product(["Inspectors", "The inspection team"], ["in March", "last year"]))
def test_background_of_an_inspection_is_not_a_finding(subject, when):
    assert "finding" not in tags(f"{subject} visited the trust {when}.")
    assert "finding" not in tags("The full report is available on the Ofsted website.")


@pytest.mark.parametrize("body", ["The charity", "The union", "The Local Government Association"])
def test_calls_on_others_are_not_commitments(body):
    speaker = Speaker(body)
    assert "commitment" not in tags(f"{body} is calling on the government to develop a plan to end the crisis.",
                                    speaker)
    assert "commitment" not in tags(f"{body} urged ministers to act.", speaker)
    assert "commitment" in tags(f"{body} said it will publish a plan.", speaker)  # its own promise is one


def test_a_narrated_assessment_is_a_finding():
    # 04 r5: what inspectors judged, narrated without a verb of finding
    assert "finding" in tags("The use of child protection plans and processes to bring children into the care of "
                             "the local authority were appropriate.")
    for text in ("Staff treated patients with kindness and compassion.", "Medicines were not stored safely.",
                 "The service was well-led and staff were well-supported.", "Record keeping was poor."):
        assert "finding" in tags(text), text


@pytest.mark.parametrize("finder", [Speaker("Petra Jones", "lead researcher at Cardiff University"),
                                    Speaker("the National Audit Office", None),
                                    Speaker("Sam Lee", "head of the investigation team", True)])
def test_every_kind_of_finder_is_a_finder_not_a_respondent(finder):
    said = tags("The findings are clear and the risks are real.", finder)
    assert "finding" in said and "response" not in said


def test_a_prediction_about_others_is_not_a_commitment():
    # docs/labelling.md section 3.3: "we're confident that the trust … will continue to work with staff"
    speaker = Speaker("Tom Page", "regional organiser", True)
    assert "commitment" not in tags("We are confident that the trust will continue to work with staff.", speaker)
    assert "commitment" in tags("We will continue to work with staff.", speaker)
