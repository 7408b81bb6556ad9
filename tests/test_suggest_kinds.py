"""Issue 16, the suggestion kind: the default cues find findings stated without cue words and stay quiet on
narration that is not a finding, response or commitment (docs/labelling.md, section 3).

Each kind is shown on real sentences of the corpus's DEV pairs (quoted, with the pair and sentence; the
speaker is the gold label's, with the words that named it as store.speakers gives them, so these tests do not
depend on store.speakers) and on variants written here. The last test runs `pressmark suggest` on whole dev
articles.
"""
from __future__ import annotations

import json
import shutil
from itertools import product
from pathlib import Path

import pytest

from store.cues import default_cues, propose
from store.files import read_article
from store.segment import segment
from store.speakers import Speaker, attribute

CORPUS = Path(__file__).parent / "data" / "corpus"

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


# --------------------------------------------------------------------------- the article around a sentence
# A response needs someone being judged (docs/labelling.md §3.2): the cues read who found, judged or decided
# something in the article, and whether it gives the others anything to react to (store.cues.Scene). The
# speakers carry the words that named them, as store.speakers gives them (its ``evidence``).


def article(*sentences: tuple[str, Speaker | None]) -> list[dict[str, str]]:
    """Tag -> reason for each sentence of an article made of the given (text, speaker) sentences."""
    texts, speakers = [t for t, _ in sentences], [s for _, s in sentences]
    out: list[dict[str, str]] = [{} for _ in texts]
    for n, tag, reason in propose(texts, speakers, CUES):
        out[n - 1][tag] = reason
    return out


INVISTA = Speaker("INVISTA", None, False, "INVISTA … announced")
MURTON = Speaker("Matt Murton", "Maitland Plant Manager", True, "said Matt Murton, Maitland Plant Manager")
MURPHY = Speaker("Francis Murphy", "INVISTA president and CEO", True, "said Murphy")
# 05 r1, r2, r4, r5, r8, r9: a company celebrating and announcing an investment
ANNOUNCEMENT = [
    ("INVISTA Maitland Celebrates History and Announces Plans for the Future", INVISTA),
    ("MAITLAND, Ontario, Canada (July 24, 2024) INVISTA, one of the world's largest integrated producers of chemical "
     "intermediates, polymers and fibers, announced its intention to invest approximately $23 million CAD ($17 million "
     "USD) in the re-commissioning of hexamethylene diamine (HMD) assets at its Maitland, Ontario, Canada, site.",
     INVISTA),
    ("“We’re proud of our 71-year history of operating in the Maitland community,” said Matt Murton, Maitland Plant "
     "Manager.", MURTON),
    ("“As we celebrate our past, we’re looking forward to continued investment and innovation as we strive to "
     "transform our competitiveness for the future.”", MURTON),
    ("“I’d like to thank our Maitland employees for their significant contributions to the long-term success of "
     "INVISTA,” said Murphy.", MURPHY),
    ("“I’m so pleased to join in today’s celebration with our local team and community stakeholders.”", MURPHY),
]


def test_an_announcement_gives_nobody_anything_to_respond_to_on_real_text():
    said = article(*ANNOUNCEMENT)
    assert [set(tags) for tags in said] == [{"commitment"}, {"commitment"}, set(), {"commitment"}, set(), set()]


@pytest.mark.parametrize("finding", [
    "The company was fined £20,000 at Leeds Crown Court last year.",
    "Inspectors rated the plant inadequate in March.",
    "The Health and Safety Executive found that the company had failed to guard the machine.",
])
def test_the_same_words_after_a_finding_are_responses_that_say_what_they_answer(finding):
    said = article((finding, None), *ANNOUNCEMENT[2:])
    assert all("response" in tags for tags in said[1:])
    assert said[1]["response"] == "cue: Matt Murton speaks after the findings — response"


TRUST = "Trussell Trust"
REVIE = Speaker("Emma Revie", "Trussell Trust chief executive", True, "Emma Revie … said:")


def test_a_body_stating_its_own_figures_and_its_staff_are_not_responding_on_real_text():
    # 10 s2, s5, s9, s10, s12: the charity publishes its figures and its conclusions; its chief executive speaks
    said = article(
        ("The Trussell Trust said that its outlets had experienced a 33 per cent increase in the number of parcels "
         "they distributed between April 2020 and March 2021.", Speaker(TRUST, None, False, "The Trussell Trust said")),
        ("The Trussell Trust said poverty was the main driver of food bank use, mainly caused by the low level of "
         "benefits, increasing numbers of families hit by the benefit cap policy, and gaps and in the social security "
         "system.", Speaker(TRUST, None, False, "The Trussell Trust said")),
        ("Candidates elected in the local elections should commit to this plan, it adds.",
         Speaker(TRUST, None, False, "it … adds")),
        ("Trussell Trust chief executive Emma Revie last night said: 'No one should face the indignity of needing "
         "emergency food.", REVIE),
        ("'This is not right but we know we can build a better future.", REVIE))
    assert [set(tags) for tags in said] == [{"finding"}, set(), set(), set(), set()]


@pytest.mark.parametrize("body, figures", product(
    ["The Food Alliance", "Shelter Cymru", "The Kirkdale Advice Network (KAN)"],
    ["its advisers saw a 12% rise in cases", "its own survey shows record numbers of families in debt",
     "it estimates that 4,000 households are behind on rent"]))
def test_every_body_publishing_its_figures_speaks_for_itself_and_a_third_party_responds(body, figures):
    short = body.removeprefix("The ")
    acronym = body[body.index("(") + 1:-1] if "(" in body else short
    speaker = Speaker(short, None, False, f"{body} said" if "estimates" not in figures else f"{body} … estimates")
    staff = Speaker("Jo Marsh", f"{acronym} director", True, "Jo Marsh said:")
    mp = Speaker("Tom Hale", "MP for Kirkdale", False, "Tom Hale said")
    said = article((f"{body} said {figures}.", speaker),
                   (f"{body} said the findings should worry ministers.", speaker),
                   ("Jo Marsh said: “Families are making impossible choices every week.”", staff),
                   ("Tom Hale said the figures were shocking and he would raise them in Parliament.", mp))
    assert all("response" not in tags for tags in said[:3])
    assert said[3]["response"] == f"cue: Tom Hale speaks after {short}’s findings — response"


WEILER = Speaker("Martin Weiler", "for the Environment Agency", True, "said Martin Weiler for the Environment Agency")


def test_a_body_that_found_what_went_wrong_but_apologises_is_the_one_judged_on_real_text():
    # 14 r1, r9, r10, r11, r13, r15: the Environment Agency was fined, investigated its contractor's work and
    # apologised; the judge is the finder. Its staff's words are responses.
    agency = Speaker("Environment Agency", None, False, "The Environment Agency … apologised")
    said = article(
        ("17-May-2006 - The Environment\nAgency has unreservedly apologised after work\nbeing carried out on its "
         "behalf by a contractor\nkilled hundreds of fish in a tributary of the\nRiver Exe in Somerset last year.",
         agency),
        ("It found concrete grout had got\ninto pumps on the construction site and untreated\nwater had been pumped "
         "back into the river.", Speaker("Environment Agency", None, False, "It found")),
        ("‘We unreservedly apologise for\nthis incident.", WEILER),
        ("We deeply regret the pollution\nand fish kill particularly as our whole business\nis about protecting and "
         "improving the environment.", WEILER),
        ("‘We have learned lessons and\nimproved our procedures and practices for managing\ncontractors.", WEILER),
        ("Sentencing Judge Griggs said\nthat it was clearly very serious and the Agency\nwas ashamed and embarrassed.",
         Speaker("Jeremy Griggs", "Judge", False, "Sentencing Judge Griggs said")))
    assert ["response" in tags for tags in said] == [True, False, True, True, True, False]
    assert "finding" in said[1] and "finding" in said[5]
    assert "Martin Weiler speaks after Jeremy Griggs’s findings" in said[3]["response"]


POLICE = Speaker("Lisa Winward and Andrew Brodie and Julia Mulligan", None, True, "Lisa Winward … said:")


def test_whoever_decides_is_not_responding_and_the_others_react_to_the_decision_on_real_text():
    # 11 s4, s5, s6, s8: the Prime Minister orders a lockdown; police chiefs react to his instructions
    johnson = "Boris Johnson"
    said = article(
        ("Last night, Boris Johnson detailed a short list of reasons why individuals can leave their homes as he "
         "ordered the immediate closure of all shops selling non-essentials items.",
         Speaker(johnson, "Prime Minister", False, "Boris Johnson … detailed")),
        ("He ordered people to only leave the house to shop for basic necessities “as infrequently as possible” and "
         "to perform one form of exercise a day.", Speaker(johnson, "Prime Minister", False, "He ordered")),
        ("Or they could seek medical help, provide care to a vulnerable person or travel to work if “absolutely "
         "necessary”, he said in a televised address from within Downing Street.",
         Speaker(johnson, "Prime Minister", False, "he … said")),
        ("\"We know the vast majority of you have already been taking action to stop the spread of Coronavirus, and "
         "we thank you for those efforts.", POLICE))
    assert [set(tags) for tags in said] == [set(), set(), set(), {"response"}]
    assert "speaks after Boris Johnson’s decision" in said[3]["response"]


def test_a_statement_following_instructions_reacts_to_them_on_real_text():
    # 11 r1, r6, r7: no finding anywhere; the statement follows the Prime Minister's instructions. The line that
    # only says a statement was issued is attribution (docs/labelling.md §3.4).
    said = article(
        ("The Police and Fire Service have issued a joint statement following the instructions to stay at home from "
         "the Prime Minister.", Speaker("Police and Fire Service", None, False, "The Police and … joint statement")),
        ("It is our job to keep North Yorkshire safe and we can only do that if you follow the instruction to stay at "
         "home, protect the NHS and save lives.", POLICE),
        ("We know the vast majority of you have already been taking action to stop the spread of Coronavirus, and we "
         "thank you for those efforts.", POLICE))
    assert [set(tags) for tags in said] == [set(), {"response"}, {"response"}]
    assert said[1]["response"] == f"cue: {POLICE.name} speaks after the instructions — response"


ENTWISLE = Speaker("Simon Entwisle", "director of operations at the Information Commissioner's Office (ICO)", True,
                   "said Simon Entwisle, … Office (ICO)")


def test_a_regulators_warnings_and_wishes_are_not_findings_on_real_text():
    # 01 s3, s15, s16, s17: the ICO's director warns, states the penalty and wants the law changed
    said = article(
        ("Tameside Energy Services, based in Denton, Manchester, was fined £45,000 for making unwanted marketing "
         "calls.", None),
        ("\"These companies need to listen - bombarding the public with cold calls will not be tolerated.", ENTWISLE),
        ("Were it not for the company's poor financial position, this monetary penalty would have been £90,000.",
         ENTWISLE),
        ("\"We would like to see the law changed to make it simpler for us to punish companies responsible for "
         "repeated and continuous breaches of the law.\"", ENTWISLE))
    assert [set(tags) for tags in said] == [{"finding"}, {"commitment"}, {"finding"}, set()]


@pytest.mark.parametrize("finder", [Speaker("Ruth Ames", "Ofsted’s regional director", True, "Ruth Ames said:"),
                                    Speaker("Care Quality Commission (CQC)", None, False, "The CQC … found"),
                                    Speaker("Dev Patel", "HSE inspector", True, "said HSE inspector Dev Patel")])
def test_every_finders_warnings_wishes_and_ongoing_work_are_not_findings(finder):
    for text in ("Providers who put people at risk will not be tolerated.",
                 "We will not hesitate to take action against providers who put people at risk.",
                 "We would like to see new powers to act sooner.", "We want to see tougher penalties in law.",
                 "We are continuing our work with councils on safer staffing."):
        said = article(("The home was rated inadequate.", None), (text, finder))
        assert "finding" not in said[1] and "response" not in said[1], text
    # What the finder found still is one.
    assert "finding" in article(("The home was rated inadequate.", None),
                                ("We found that medicines were not stored safely.", finder))[1]


WALKER = Speaker("Caroline Walker", "trust chief executive", False, "Caroline Walker … said")


def test_a_respondents_words_on_the_report_or_its_rating_are_no_finding_on_real_text():
    # 09 s2 9, s2 4, s2 13; 04 s11: the trust's chief executive on the rating and the report; the deputy mayor on
    # what inspectors judged, which is a finding too
    said = article(
        ("The CQC also found that Stamford and Rutland Hospital's minor injuries unit had got worse since the last "
         "visit.", Speaker("Care Quality Commission", None, False, "The CQC … found")),
        ("Caroline Walker, trust chief executive, said the rating was \"disappointing\".", WALKER),
        ("Mrs Walker said they would use the report \"as a good source of information to progress our continuous "
         "improvement\".", Speaker("Caroline Walker", "trust chief executive", False, "Mrs Walker said")),
        ("She said she was pleased inspectors judged staff were well-supported and social workers knew children well.",
         Speaker("Sarah Russell", "Leicester's deputy mayor", False, "She said")))
    assert [set(tags) for tags in said] == [{"finding"}, {"response"}, {"commitment", "response"},
                                            {"finding", "response"}]


@pytest.mark.parametrize("respondent, words", product(
    [Speaker("Kirkdale Council", None, False, "Kirkdale Council said"),
     Speaker("Amir Shah", "the home’s manager", True, "said Amir Shah")],
    ["The report makes difficult reading for all of us.", "We will study the rating carefully.",
     "We have shared the report with every member of staff.", "Inspectors spent two days with our teams."]))
def test_every_respondent_mentioning_the_report_or_inspectors_is_responding(respondent, words):
    said = article(("Inspectors rated the home inadequate.", Speaker("Ofsted", None, False, "Inspectors rated")),
                   (words, respondent))
    assert "response" in said[1] and "finding" not in said[1], words


REAL_BACKGROUND = [
    # 11 s3: a fine threatened is no fine
    ("It comes after the Prime Minister placed the nation on lockdown to tackle the coronavirus, threatening police "
     "fines for anyone who ignores the new measures.", None),
    # 14 s2: "found themselves" finds nothing
    ("Officers more used to prosecuting court actions than defending them found themselves before a judge this week "
     "after the Environment Agency caused a serious pollution incident on the River Exe.", None),
]


@pytest.mark.parametrize("text, speaker", REAL_BACKGROUND)
def test_background_with_judging_words_gets_no_tag_on_real_text(text, speaker):
    assert tags(text, speaker) == set()


@pytest.mark.parametrize("who, amount", product(["The firm", "Drivers who ignore the ban", "Care providers"],
                                                 ["£20,000", "£1m"]))
def test_a_fine_threatened_or_possible_is_no_finding_but_a_fine_is(who, amount):
    for text in (f"{who} could face a fine of {amount}.", f"{who} face fines of up to {amount}.",
                 f"{who} risk fines of {amount} under the new rules.",
                 f"The minister is threatening fines of {amount} for {who.lower()}."):
        assert "finding" not in tags(text), text
    assert "finding" in tags(f"The firm was fined {amount} at Leeds Crown Court.")
    for pronoun in ("themselves", "himself", "herself", "itself"):
        assert "finding" not in tags(f"{who} found {pronoun} in court after a worker was hurt.")


def test_work_on_someones_behalf_is_no_plan_on_real_text():
    # 14 s5
    text = ("The agency entered a guilty plea at Exeter Crown Court which heard how contractors who were working on "
            "its behalf setting up a flow monitoring station last September had accidentally released toxic building "
            "waste into the river, killing upwards of 300 fish.")
    assert tags(text) == {"response"}
    assert "commitment" in tags("The council said it was working on a new plan.", Speaker("The council"))


@pytest.mark.parametrize("pair, role", [("05-invista-maitland", "release"), ("11-north-yorkshire-joint-statement", "story"),
                                        ("10-trussell-trust-2021", "story")])
def test_pressmark_suggest_reads_the_article_as_propose_does_on_real_text(run_cli, tmp_path, pair, role):
    """The stored speakers (with the words that named them) give `pressmark suggest` and the reader the same
    scene as the speakers attributed afresh: the same suggestions, reasons included."""
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(CORPUS / pair / f"{role}.md", folder / f"{pair}.md")
    assert run_cli("sync", folder).code == 0
    result = run_cli("suggest", pair, "--format", "json")
    assert result.code == 0, result.err
    text = read_article(folder / f"{pair}.md").text
    sentences = segment(text)
    fresh = propose([text[s.start:s.end] for s in sentences], attribute(text, sentences), CUES)
    assert [(r["n"], r["tag"], r["reason"]) for r in json.loads(result.out)] == fresh
    if pair.startswith("05"):  # an announcement: nobody responds
        assert "response" not in {tag for _, tag, _ in fresh}
