"""The default cue codebook, as data: what a new database's ``cues`` table starts with.

Below ``store.schema``, whose migrations seed it and recognise an unedited codebook by the sha256 of its CSV,
without calling the code that reads and matches cues (``store.cues``, which checks every row of it).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

CUE_COLUMNS = ("tag", "match", "cue", "when", "weight", "note")
SENTENCE_WHENS = ("any", "quoted", "reported", "speaker", "narration")

CueRow = tuple[str, str, str, str, float, str]  # as CUE_COLUMNS

# The default codebook, as the CSV that `pressmark cues --export` writes.
DEFAULT_CUES = """\
tag,match,cue,when,weight,note
finding,speaker,ofsted|inspect|\\bcommission\\b|\\bcqc\\b|\\bhmi|healthwatch|ombudsman|regulator|watchdog|health and safety executive|\\bhse\\b|information commissioner|\\bico\\b|\\bjudge\\b|\\bcourt\\b|magistrate|coroner|audit|tribunal|investigat|research|universit|\\bstudy\\b|\\bsurvey\\b,any,1,{speaker} is an inspector
finding,regex,\\bwould like\\b|\\bwants? to see\\b|\\bwill not (?:be )?tolerat\\w*|\\bwill not hesitate\\b|\\bcontinu(?:e|es|ing) our\\b,finder,-1,
finding,regex,\\bthe report\\b|\\bratings?\\b|\\binspectors\\b|\\brequires? improvement\\b,respondent,-1,
finding,regex,\\bfound\\b,any,1,found
finding,regex,\\bfound (?:themselves|himself|herself|itself|ourselves|myself|yourself)\\b,any,-1,
finding,phrase,find that,any,1,
finding,phrase,finds that,any,1,
finding,phrase,acknowledge that,any,1,
finding,phrase,acknowledges that,any,1,
finding,phrase,inspectors,any,1,
finding,phrase,recognised,any,1,
finding,phrase,recognises,any,1,
finding,phrase,identified,any,1,
finding,phrase,highlights,any,1,
finding,phrase,the report,any,1,
finding,phrase,the letter,any,1,
finding,phrase,too slow,any,1,
finding,phrase,has improved,any,1,
finding,phrase,have improved,any,1,
finding,regex,\\b(?:re-?)?rated\\b|\\bratings?\\b,any,1,rated
finding,phrase,judged,any,1,
finding,phrase,deemed,any,1,
finding,phrase,graded,any,1,
finding,phrase,inadequate,any,1,
finding,regex,\\brequires? improvement\\b|\\bneeds? to improve\\b|\\bneeded to\\b|\\bcould be improved\\b|\\bshould be better\\b,any,1,needs to improve
finding,phrase,concludes,any,1,
finding,phrase,concluded,any,1,
finding,regex,\\b(?:determined|revealed|reveals|showed|shows|show) that\\b|\\bsurveys? shows?\\b|\\bstudy (?:found|shows)\\b,any,1,shows that
finding,phrase,highlighted,any,1,
finding,phrase,must improve,any,1,
finding,phrase,told to improve,any,1,
finding,phrase,strengths,any,1,
finding,phrase,weaknesses,any,1,
finding,regex,\\bfined\\b|\\bfines\\b|(?:\\b(?:a|the|its|their)|\\d) fine\\b|\\bpenalty\\b|\\bordered to pay\\b|\\bsentenced\\b|\\bconvicted\\b|\\bfound guilty\\b,any,1,a fine or sentence
finding,regex,"\\b(?:threaten(?:s|ed|ing)?|(?:could|would|may|might|will) face|fac(?:e|es|ing)|risk(?:s|ing)?)\\b[^.]{0,30}\\bfines?\\b|\\bfines? of up to\\b",any,-1,
finding,regex,\\brul(?:ed|ing)\\b|\\bverdict\\b|\\bcriticis(?:ed|es|m)\\b|\\bcriticiz(?:ed|es)\\b|\\bpraised\\b|\\brecommend(?:s|ed|ations?)?\\b|\\b(?:enforcement|warning) notices?\\b,any,1,a judgment
finding,regex,\\b(?:in)?appropriate(?:ly)?\\b|\\b(?:in)?effective(?:ly)?\\b|\\badequate(?:ly)?\\b|\\binsufficient\\b|\\bpoor(?:ly)?\\b|\\brobust\\b|\\bkindness\\b|\\bcompassion\\b|\\bdignity\\b|\\bwell[- ](?:led|supported|managed)\\b|\\bunsafe\\b|\\bsafely\\b|\\btimely\\b|\\bnot enough\\b|\\bgood practice\\b|\\bshortfalls?\\b|\\blacked\\b,reported,1,an assessment
finding,regex,\\b(?:in)?appropriate(?:ly)?\\b|\\b(?:in)?effective(?:ly)?\\b|\\badequate(?:ly)?\\b|\\binsufficient\\b|\\bpoor(?:ly)?\\b|\\brobust\\b|\\bkindness\\b|\\bcompassion\\b|\\bdignity\\b|\\bwell[- ](?:led|supported|managed)\\b|\\bunsafe\\b|\\bsafely\\b|\\btimely\\b|\\bnot enough\\b|\\bgood practice\\b|\\bshortfalls?\\b|\\blacked\\b,narration,1,an assessment
finding,regex,"\\braised\\b[^.]{0,30}\\bconcerns\\b",narration,1,concerns
finding,regex,"\\braised\\b[^.]{0,30}\\bconcerns\\b",reported,1,concerns raised
finding,regex,"\\d\\s*%|\\d\\s*per ?cent\\b|(?:^|[\\s(])[\\d.,]+\\s+(?:million|billion)\\b|\\b(?:one|two|three|four|five|six|seven|eight|nine|ten)\\s+million\\b|\\brecord\\b|\\b(?:more than|over|almost|nearly|at least|up from|higher than)\\s+[\\d,.]+\\d\\b|\\b\\d[\\d,]*\\s+(?:complaints|cases|incidents)\\b",any,1,figures
finding,regex,\\bdeteriorat\\w*|\\bgot worse\\b|\\bhad declined\\b|\\bamong the (?:best|worst)\\b|\\b(?:better|worse) than\\b,any,1,a comparison judged
finding,phrase,improved,narration,1,
finding,phrase,too long,narration,1,
finding,phrase,too many,narration,1,
finding,regex,\\bfail(?:ed|ing) to\\b|\\bdid not\\b|\\bhad not\\b|\\bwere not\\b|\\black of\\b|\\bbreach(?:ed|es)?\\b|\\bbroke the\\b,narration,1,a failure narrated
finding,phrase,not always,narration,1,
finding,regex,"\\b(?:ofsted|inspectors?|the (?:report|letter|inspection|regulator|watchdog))\\b[^.]{0,40}?\\b(?:say|says|said|found|recognis\\w*|identif\\w*|highlight\\w*|clear|praised)\\b",quoted,1,an inspection body's view quoted
finding,regex,\\bplead(?:ed)? guilty\\b|\\bguilty plea\\b,any,-1,
finding,regex,"^.{0,160}\\b(?:said|says|added|adds|stated|commented)\\s*[:;,]?\\s*$|^(?:that|this) (?:is|was) according to\\b",any,-100,
finding,regex,\\bvisited\\b|\\bvisit took place\\b|\\blooked at\\b|\\bcarried out in\\b|\\bwas conducted\\b|\\bpublished (?:its|the|a) report\\b|\\bdeclined to comment\\b|\\bavailable (?:on|at|from)\\b|\\b(?:can|could|may) be (?:found|read|downloaded)\\b|\\blink to\\b,any,-1,
response,speaker,.,respondent,1,{speaker} speaks after {stimulus}
response,speaker,.,finder,-3,
response,regex,\\bwelcom(?:e|ed|es|ing)\\b,any,1,welcome
response,phrase,we are,quoted,1,
response,phrase,we know,quoted,1,
response,regex,\\bapologi[sz](?:e|ed|es|ing)\\b|\\bapology\\b|\\bsorry\\b|\\bregrets?\\b|\\bregretted\\b,any,1,apology or regret
response,regex,\\bdisappoint(?:ed|ing)\\b|\\bhit(?:s)? back\\b|\\baccurately reflect\\b|\\bdisagree\\w*\\b,any,1,a reaction
response,regex,\\bden(?:y|ies|ied)\\b|\\bplead(?:ed)? not guilty\\b|\\b(?:appeal|challenge|fight|contest)s? (?:the|this|its|a|their) (?:fine|decision|ruling|penalty|verdict|judgment|rating|findings?|report)\\b|\\bappeal(?:ed|ing) against\\b,any,1,a denial or appeal
response,regex,\\bdeclined to comment\\b|\\bno comment\\b|\\brefused to comment\\b,any,4,declined to comment
response,regex,\\bplead(?:ed)? guilty\\b|\\bguilty plea\\b|\\baccept(?:s|ed)? (?:culpability|liability|responsibility|the findings|all the recommendations|the recommendations)\\b|\\blearn(?:ed|t) lessons\\b,any,1,a plea or acceptance
response,regex,\\breferral\\b|\\bsuspended\\b|\\bsack(?:ed|ing)\\b|\\bresign(?:ed|ation)\\b|\\bstepped down\\b|\\bimprovement plan\\b|^(?:in response to|responding to)\\b|\\bstatement (?:in response to|responding to)\\b|\\btaken action\\b,any,1,an action in reaction
response,regex,\\b(?:found|finds|concluded|reports|reported|estimates|revealed)\\b,speaker,-1,
response,regex,"^.{0,160}\\b(?:said|says|added|adds|stated|commented)\\s*[:;,]?\\s*$|^(?:that|this) (?:is|was) according to\\b",any,-100,
response,regex,"\\d\\s*%|\\d\\s*per ?cent\\b|(?:^|[\\s(])[\\d.,]+\\s+(?:million|billion)\\b|\\b(?:one|two|three|four|five|six|seven|eight|nine|ten)\\s+million\\b|\\brecord\\b|\\b(?:more than|over|almost|nearly|at least|up from|higher than)\\s+[\\d,.]+\\d\\b|\\b\\d[\\d,]*\\s+(?:complaints|cases|incidents)\\b",any,-1,
response,regex,\\bcall(?:s|ed|ing)? (?:on|for)\\b|\\burg(?:e|es|ed|ing)\\b,any,-1,
response,regex,\\bannounc(?:e|es|ed|ing|ement)\\b,any,-1,
response,regex,\\b(?:issued|released|made|published) (?:a|an|the|their|its) (?:joint )?(?:statement|announcement)\\b,any,-1,
commitment,regex,\\bwill\\b,any,1,will
commitment,regex,\\bwill be (?:re-?)?inspected\\b,any,-1,
commitment,regex,\\b(?:confident|expects?|expected|predicts?|predicted|likely|hopes?|believes?) that\\b,any,-1,
commitment,phrase,committed to,any,1,
commitment,phrase,commitment to,any,1,
commitment,phrase,focusing on,any,1,
commitment,regex,\\bplan(?:s|ning)? (?:to|for)\\b|\\bintention to\\b|\\bintends? to\\b|\\baims? to\\b|\\bhopes? to\\b,any,1,plans to
commitment,regex,\\bcall(?:s|ed|ing)? (?:on|for)\\b|\\burg(?:e|es|ed|ing)\\b,any,-1,
commitment,regex,\\bpledg(?:e|es|ed|ing)\\b|\\bpromis(?:e|es|ed|ing)\\b|\\bvow(?:s|ed)?\\b|\\bdetermined to\\b,any,1,pledged
commitment,phrase,keen to,any,1,
commitment,phrase,would,reported,1,
commitment,phrase,make sure,any,1,
commitment,phrase,priority now,any,1,
commitment,regex,\\blooking forward to\\b|\\b(?:are|is|am|was|were) working on\\b|\\bcontinu(?:e|es|ing) our\\b|\\bagreed to\\b,any,1,plans or continues
commitment,regex,\\bworking on (?:its|their|his|her|our|my|your) behalf\\b,any,-1,
commitment,regex,"^.{0,160}\\b(?:said|says|added|adds|stated|commented)\\s*[:;,]?\\s*$|^(?:that|this) (?:is|was) according to\\b",any,-100,
"""


def default_cue_rows() -> list[CueRow]:
    """``DEFAULT_CUES`` as rows, in order."""
    return [(r["tag"], r["match"], r["cue"], r["when"], float(r["weight"]), r["note"])
            for r in csv.DictReader(io.StringIO(DEFAULT_CUES, newline=""))]


def cue_rows_csv(rows: Iterable[Sequence]) -> str:
    """Cue rows (as ``CUE_COLUMNS``) as the CSV that `pressmark cues --export` writes."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CUE_COLUMNS)
    for tag, match, cue, when, weight, note in rows:
        writer.writerow([tag, match, cue, when, f"{weight:g}", note])
    return out.getvalue()
