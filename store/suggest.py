"""Suggested tags: a transparent, rule-based suggester driven by an editable cue codebook.

The rules are data, not code. Each row of the ``cues`` table (seeded from
``DEFAULT_CUES`` by the schema-5 migration; ``pressmark cues --export`` /
``--import`` round-trips it as CSV) says: *this cue, where it applies, adds
this weight to this tag*. Columns:

``tag``
    a tag of the codebook (``finding``, ``response``, ``commitment`` ...).
``match``
    ``phrase``: the words appear in the sentence (case-insensitive, whole words,
    ’ and ' alike, any run of spaces); ``regex``: a regular expression
    found in the sentence (case-insensitive); ``speaker``: a regular
    expression found in the sentence's speaker, written ``name; role``
    (only sentences that have a speaker; ``.`` matches any speaker).
    Expressions are RE2's (the syntax of Python's ``re`` without look-ahead,
    look-behind or back-references; ``\\b`` and ``\\w`` know ASCII letters
    only), matched in time linear in the text whatever the expression: a cue
    such as ``(a+)+$`` cannot freeze the suggester, as it would Python's
    backtracking ``re``.
``cue``
    the phrase or expression.
``when``
    ``any``; ``quoted`` (direct quotation), ``reported`` (reported speech),
    ``speaker`` (either), ``narration`` (no speaker); and two that read the
    article around the sentence (its :class:`Scene`): ``finder`` (the speaker
    found, judged or decided something in the article: an inspector, a court,
    a body stating its own figures, their staff) and ``respondent`` (a speaker
    who did not, in an article that states a finding or decision for them to
    react to: an announcement gives them none).
``weight``
    what the cue adds to its tag, from -100 to 100; a tag is suggested when its cues add up to
    at least 1 (``THRESHOLD``). A negative weight holds a tag back (an
    inspector's "we found ..." is not a response).
``note``
    optional: how the reason names the cue instead of the raw expression;
    ``{speaker}`` in it is replaced by the sentence's speaker, ``{stimulus}``
    by what the article gives them to react to ("the ICO’s findings").

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

import contextlib
import csv
import io
import re
import sqlite3
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from store.db import Database, has_table, is_readonly, now, write
from store.errors import StoreError, disk_full
from store.sentences import sentence_text, spans, texts
from store.speakers import Speaker, sentence_speakers
from store.untrusted import csv_fields, csv_problem

__all__ = [
    "CONTEXT_WHENS",
    "CUE_COLUMNS",
    "DEFAULT_CUES",
    "MATCHES",
    "SENTENCE_WHENS",
    "THRESHOLD",
    "WHENS",
    "Cue",
    "Scene",
    "Suggestion",
    "accept",
    "accept_all",
    "article_hits",
    "article_scene",
    "article_suggestions",
    "compile_cues",
    "cue_hits",
    "cue_tags",
    "cues_csv",
    "default_cues",
    "dismiss",
    "evaluate",
    "export_cues",
    "import_cues",
    "load_cues",
    "unusable_cues",
    "open_suggestions",
    "parse_cues",
    "propose",
    "reopen",
    "save_cues",
    "suggest",
    "suggested_annotations",
    "suggestions_by_sentence",
]

THRESHOLD = 1.0
CUE_MAX = 1000  # characters in one cue: a phrase or an expression, not a program
# Characters of a sentence the cues read. Prose sentences are far shorter; a longer one is a run-on line
# (sync keeps such a line as one "sentence"), and the phrase patterns, run by Python's re, hold the GIL.
CUE_TEXT_MAX = 10_000
CUE_COLUMNS = ("tag", "match", "cue", "when", "weight", "note")
MATCHES = ("phrase", "regex", "speaker")
SENTENCE_WHENS = ("any", "quoted", "reported", "speaker", "narration")
CONTEXT_WHENS = ("finder", "respondent")  # read the article around the sentence: its Scene
WHENS = SENTENCE_WHENS + CONTEXT_WHENS
MAX_WEIGHT = 100.0  # a weight beyond it decides alone whatever else fires (the threshold is 1)
CUE_FIELD_MAX = 10_000  # characters in one field: a phrase, an expression or a note, not a document
CUES_FILE_MAX = 1024 * 1024  # bytes: some 250 times the default codebook

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


@dataclass(frozen=True, slots=True)
class Cue:
    tag: str
    match: str  # phrase | regex | speaker
    cue: str
    when: str = "any"
    weight: float = 1.0
    note: str = ""

    def describe(self, speaker: Speaker | None = None, scene: Scene | None = None) -> str:
        """How a reason names this cue (``{speaker}`` in the note is the sentence's speaker, ``{stimulus}``
        what the article gives them to react to)."""
        text = self.note or (f"'{self.cue}'" if self.match == "phrase" else f"/{self.cue}/")
        if "{speaker}" in text:
            text = text.replace("{speaker}", speaker.name if speaker else "nobody")
        if "{stimulus}" in text:
            text = text.replace("{stimulus}", scene.stimulus if scene and scene.stimulus else "nothing")
        if self.match == "speaker" and not self.note:
            text = f"speaker {text}"
        suffix = {"quoted": " (quoted)", "reported": " (reported speech)", "speaker": " (speech)",
                  "narration": " (narration)", "finder": " (a finder)"}.get(self.when, "")
        return text + suffix


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed tag for one sentence. ``status``: open, accepted (for that annotator) or dismissed."""

    article_id: int
    n: int
    tag: str
    reason: str
    status: str = "open"


# --------------------------------------------------------------------------- the codebook


def parse_cues(text: str, known_tags: Iterable[str] | None = None, source: str = "cues") -> list[Cue]:
    """Read a cue codebook in CSV (``CUE_COLUMNS``; ``note`` and ``weight`` optional), validating every row."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        with csv_fields(CUE_FIELD_MAX):
            return _parse_cues(reader, known_tags, source)
    except csv.Error as exc:
        raise StoreError(f"{source}, line {reader.line_num + 1}: {csv_problem(exc, CUE_FIELD_MAX)}") from None


def _parse_cues(reader: csv.DictReader, known_tags: Iterable[str] | None, source: str) -> list[Cue]:
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("tag", "match", "cue") if c not in header]
    if missing:
        raise StoreError(f"{source}: not a cue codebook (no {', '.join(missing)} column; "
                         f"expected {','.join(CUE_COLUMNS)})")
    reader.fieldnames = header
    tags = set(known_tags) if known_tags is not None else None
    cues = []
    for line, row in enumerate(reader, 2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(row.values()):
            continue
        where = f"{source}, line {line}"
        tag, match, cue = row["tag"], row["match"].lower(), row["cue"]
        when = (row.get("when") or "any").lower()
        if tags is not None and tag not in tags:
            raise StoreError(f"{where}: unknown tag {tag!r} (the codebook has: {', '.join(sorted(tags))})")
        if match not in MATCHES:
            raise StoreError(f"{where}: match must be one of {', '.join(MATCHES)}, not {match!r}")
        if when not in WHENS:
            raise StoreError(f"{where}: when must be one of {', '.join(WHENS)}, not {when!r}")
        if not cue:
            raise StoreError(f"{where}: empty cue")
        try:
            weight = float(row.get("weight") or 1)
        except ValueError:
            raise StoreError(f"{where}: weight must be a number, not {row.get('weight')!r}") from None
        if not -MAX_WEIGHT <= weight <= MAX_WEIGHT:  # also NaN; and inf, which 1e400 is
            raise StoreError(f"{where}: weight must be from {-MAX_WEIGHT:g} to {MAX_WEIGHT:g}, not {row['weight']!r}")
        if len(cue) > CUE_MAX:
            raise StoreError(f"{where}: the cue has {len(cue)} characters; at most {CUE_MAX}")
        if match != "phrase":
            try:
                expression(cue)
            except StoreError as exc:
                raise StoreError(f"{where}: {exc}") from None
        cues.append(Cue(tag, match, cue, when, weight, row.get("note") or ""))
    return cues


def cues_csv(cues: Iterable[Cue]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CUE_COLUMNS)
    for c in cues:
        writer.writerow([c.tag, c.match, c.cue, c.when, f"{c.weight:g}", c.note])
    return out.getvalue()


def default_cues() -> list[Cue]:
    return parse_cues(DEFAULT_CUES, source="DEFAULT_CUES")


def load_cues(db: Database) -> list[Cue]:
    """The database's cue codebook, in order; cues for tags no longer in the tag codebook are left out."""
    return [Cue(*row) for row in db.conn.execute(
        'SELECT c.tag, c.match, c.cue, c."when", c.weight, c.note FROM cues c JOIN tags t ON t.name = c.tag'
        " ORDER BY c.position, c.id")]


def save_cues(db: Database, cues: Sequence[Cue]) -> None:
    """Replace the codebook (in the current transaction, or one of its own)."""
    with write(db):
        db.conn.execute("DELETE FROM cues")
        db.conn.executemany(
            'INSERT INTO cues (tag, match, cue, "when", weight, note, position) VALUES (?, ?, ?, ?, ?, ?, ?)',
            [(c.tag, c.match, c.cue, c.when, c.weight, c.note, i) for i, c in enumerate(cues)])


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
        from store.export import _refuse_precious  # never overwrite the database or an article

        _refuse_precious(db, Path(path))
        if Path(path).is_dir():
            raise StoreError(f"{path}: is a folder; give a file name such as {Path(path) / 'cues.csv'}")
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return text


# --------------------------------------------------------------------------- the rules


def _phrase_re(phrase: str) -> str:
    words = [re.escape(w).replace("’", "['’]").replace("'", "['’]") for w in phrase.split()]
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


def expression(cue: str):
    """A regex or speaker cue compiled by RE2 (case-insensitive): matching takes time linear in the text,
    the program is bounded in memory, and the search lets go of the GIL, so the reader's keys never wait
    for it. Raises StoreError, saying why, for an expression RE2 does not take."""
    import re2  # here: only the suggester needs it

    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # RE2 would print its own complaint on the terminal
    options.max_mem = 8 << 20
    try:
        return re2.compile(cue, options)
    except re2.error as exc:
        why = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        hint = " (look-ahead, look-behind and back-references are not supported)" \
            if re.search(r"\(\?<?[=!]|\\[1-9]", cue) else ""
        raise StoreError(f"bad regular expression {cue!r}: {why}{hint}") from None


def _pattern(cue: Cue):
    """Phrases become Python patterns built from escaped words, which cannot backtrack badly; expressions
    go to RE2 (:func:`expression`)."""
    return re.compile(_phrase_re(cue.cue), re.IGNORECASE) if cue.match == "phrase" else expression(cue.cue)


def compile_cues(cues: Iterable[Cue]) -> list[tuple[Cue, object]]:
    """(cue, pattern) for every usable cue: one RE2 refuses (see :func:`unusable_cues`) is left out."""
    out = []
    for cue in cues:
        with contextlib.suppress(StoreError):
            out.append((cue, _pattern(cue)))
    return out


def unusable_cues(cues: Iterable[Cue]) -> list[tuple[Cue, str]]:
    """The cues the suggester leaves out, with why: expressions stored before RE2 checked them on entry."""
    out = []
    for cue in cues:
        try:
            _pattern(cue)
        except StoreError as exc:
            out.append((cue, str(exc)))
    return out


def _applies(when: str, speaker: Speaker | None, scene: Scene | None) -> bool:
    if when == "any":
        return True
    if when == "narration":
        return speaker is None
    if speaker is None:
        return False
    if when in CONTEXT_WHENS:
        if scene is None:
            return False
        if when == "finder":
            return speaker.name in scene.finders
        return speaker.name not in scene.finders and scene.stimulus is not None
    return when == "speaker" or (when == "quoted") == speaker.quoted


def propose(texts: Sequence[str], speakers: Sequence[Speaker | None],
            cues: Iterable[Cue] | list[tuple[Cue, object]]) -> list[tuple[int, str, str]]:
    """(sentence n, tag, reason) for every tag the cues suggest; pure, in sentence then codebook order."""
    compiled = _compiled(cues)
    hits, scene = article_hits(texts, speakers, compiled)
    return [(n, tag, reason) for n, (fired, speaker) in enumerate(zip(hits, speakers), 1)
            for tag, reason in cue_tags(fired, speaker, compiled, scene).items()]


def _compiled(cues: Iterable[Cue] | list[tuple[Cue, object]]) -> list[tuple[Cue, object]]:
    compiled = list(cues)
    return compile_cues(compiled) if compiled and isinstance(compiled[0], Cue) else compiled


def cue_hits(text: str, speaker: Speaker | None, compiled: Sequence[tuple[Cue, object]],
             scene: Scene | None = None, whens: Container[str] = WHENS) -> list[int]:
    """The positions in ``compiled`` of the cues that fire on the sentence (of those whose ``when`` is in
    ``whens``); the ``finder`` and ``respondent`` cues fire only with the article's ``scene``."""
    text = text[:CUE_TEXT_MAX]
    who = f"{speaker.name}; {speaker.role or ''}" if speaker else None
    hits = []
    for i, (cue, pattern) in enumerate(compiled):
        if cue.when in whens and _applies(cue.when, speaker, scene):
            target = who if cue.match == "speaker" else text
            if target is not None and pattern.search(target):
                hits.append(i)
    return hits


def cue_tags(hits: Iterable[int], speaker: Speaker | None, compiled: Sequence[tuple[Cue, object]],
             scene: Scene | None = None) -> dict[str, str]:
    """Tag -> reason for every tag whose fired cues add up to ``THRESHOLD``, in codebook order."""
    score = {c.tag: 0.0 for c, _ in compiled}
    fired: dict[str, list[Cue]] = {}
    for i in hits:
        cue = compiled[i][0]
        score[cue.tag] += cue.weight
        if cue.weight > 0:
            fired.setdefault(cue.tag, []).append(cue)
    out = {}
    for tag, total in score.items():
        if total >= THRESHOLD - 1e-9:
            named = list(dict.fromkeys(c.describe(speaker, scene) for c in fired[tag]))
            out[tag] = f"{'cue' if len(named) == 1 else 'cues'}: {', '.join(named)} — {tag}"
    return out


# --------------------------------------------------------------------------- the article around a sentence

# The words that name a speaker (store.speakers' evidence: "The CQC … found", "Trussell Trust … reports",
# "He ordered") say whether they found, judged or decided something in the article ...
_FINDS = re.compile(
    r"\b(?:found|finds?|determined|conclude[ds]?|(?:re-?)?rated|rates|judged|deemed|graded|revealed|reveals|"
    r"highlight(?:s|ed)|noted|identified|praised|critici[sz]ed|recommend(?:s|ed)|ruled|fined|sentenced|reports?|"
    r"reported|estimate[sd]?|inspected|gave)\b", re.IGNORECASE)
_DECIDES = re.compile(r"\b(?:ordered|orders|instructed|decided|banned)\b", re.IGNORECASE)
# ... or the party states its own figures or study (docs/labelling.md §3.1: "its figures", "a 33 per cent rise") ...
_OWN_FIGURES = re.compile(
    r"\b(?:its|their|our) (?:own )?(?:figures|data|statistics|surveys?|research|study)\b|\d\s*%|\d\s*per ?cent\b|"
    r"\brecord (?:numbers?|levels?)\b", re.IGNORECASE)
# ... unless it reacts as the judged party does: a body fined or rated that apologises is not a finder, even
# where it "found" what went wrong (docs/labelling.md §3.2).
_REACTS = re.compile(
    r"\bapologi[sz]\w*|\bsorry\b|\bregrett?(?:s|ed|ing)?\b|\bwelcom(?:e|ed|es|ing)\b|\bdisappoint(?:ed|ing)\b|"
    r"\bhits? back\b|\bdisagree\w*|\bden(?:y|ies|ied)\b|\bappeal(?:s|ed|ing)?\b|\bplead(?:s|ed)? (?:not )?guilty\b|"
    r"\baccept(?:s|ed)? (?:that|the|its|their|all|culpability|liability|responsibility)\b|\blearn(?:ed|t) lessons\b",
    re.IGNORECASE)
# What speech reacts to when no finder speaks: "following the instructions", "in response to the report".
_REACTS_TO = re.compile(
    r"\b(?:following|after|in response to|responding to|reacting to|in reaction to|in the wake of)\s+"
    r"(?:the|a|an|this|these|its|their|his|her)\s+(?:[\w’'-]+\s+){0,3}?(instructions?|orders?|decision|ruling|"
    r"report|findings|inspection|verdict|judge?ment|measures|criticism|allegations?|accusations?|complaints|"
    r"announcement|sentencing|hearing|fine|penalty)\b", re.IGNORECASE)
_ACRONYM = re.compile(r"\s*\(([A-Z][A-Za-z&]{1,9})\)$")  # "Care Quality Commission (CQC)"
_NAME_WORD = re.compile(r"[^\W_]+(?:[’'&.-][^\W_]+)*")
_NAME_WORDS = 12  # words in the longest name a role is searched for
FINDING = "finding"  # the tag whose cues say that a sentence states a finding


@dataclass(frozen=True, slots=True)
class Scene:
    """What the ``finder`` and ``respondent`` cues know of a sentence's article: the parties (speaker names)
    that found, judged or decided something in it, and what the others' speech reacts to (``stimulus``: "the
    ICO's findings"; None when the article states no finding, decision or reaction: an announcement)."""

    finders: frozenset[str] = frozenset()
    stimulus: str | None = None


def article_hits(texts: Sequence[str], speakers: Sequence[Speaker | None], compiled: Sequence[tuple[Cue, object]],
                 pace: Callable[[], None] | None = None) -> tuple[list[list[int]], Scene]:
    """Every sentence's cue hits (``cue_hits``) and the article's scene, which the ``finder`` and ``respondent``
    cues read: one pass over the sentences, then those cues (``pace`` is called every 16 sentences)."""
    hits = []
    for i, (text, speaker) in enumerate(zip(texts, speakers)):
        if pace is not None and i % 16 == 15:
            pace()
        hits.append(cue_hits(text, speaker, compiled, whens=SENTENCE_WHENS))
    scene = article_scene(texts, speakers, hits, compiled)
    if any(c.when in CONTEXT_WHENS for c, _ in compiled):
        for i, (text, speaker) in enumerate(zip(texts, speakers)):
            if speaker is not None:
                hits[i] = sorted(hits[i] + cue_hits(text, speaker, compiled, scene, CONTEXT_WHENS))
    return hits, scene


def article_scene(texts: Sequence[str], speakers: Sequence[Speaker | None], hits: Sequence[Sequence[int]],
                  compiled: Sequence[tuple[Cue, object]]) -> Scene:
    """Who found, judged or decided something in the article, and what the others' speech reacts to.

    A speaker is a finder when a ``finding`` cue that reads the speaker fires on them (the codebook's
    inspectors, courts and regulators), when the words that name them use a verb of finding, judging or
    deciding ("Ofsted … rated", "the charity estimates", "He ordered"), when they state their own figures, or
    when their role names a finder ("ICO director of operations"); but not when they react as the party judged
    does (apologise, welcome, accept, appeal: "The Environment Agency … apologised" where "It found" what went
    wrong), nor does their staff. The others' speech reacts to the first finder's findings or decision; with no
    finder, to the findings the article states, to what it says they follow ("following the instructions"), or
    to what they react to; an article with none of these (an announcement) gives them nothing to react to.
    """
    sentences: dict[str, list[int]] = {}
    for i, speaker in enumerate(speakers):
        if speaker is not None:
            sentences.setdefault(speaker.name, []).append(i)
    finds, decides, judged = set(), set(), set()
    for name, ns in sentences.items():
        evidence = " ".join(speakers[i].evidence or "" for i in ns)
        if _REACTS.search(evidence) or any(_REACTS.search(texts[i][:CUE_TEXT_MAX]) for i in ns):
            judged.add(name)
        elif any(compiled[h][0].match == "speaker" and compiled[h][0].tag == FINDING and compiled[h][0].weight > 0
                 for i in ns for h in hits[i]) or _FINDS.search(evidence) \
                or any(_OWN_FIGURES.search(texts[i][:CUE_TEXT_MAX]) for i in ns):
            finds.add(name)
        elif _DECIDES.search(evidence):
            decides.add(name)
    bodies, known = _name_index(finds | judged), finds | judged | decides
    for name, ns in sentences.items():  # a finder's staff: "Emma Revie, Trussell Trust chief executive"
        role = speakers[ns[0]].role
        if role and name not in known and (body := _named_in(role, bodies)) is not None:
            (judged if body in judged else finds).add(name)
    finders = finds | decides
    first = min(finders, key=lambda name: sentences[name][0], default=None)
    if first is not None:
        return Scene(frozenset(finders), f"{first}’s {'findings' if first in finds else 'decision'}")
    if any(sum(compiled[h][0].weight for h in fired if compiled[h][0].tag == FINDING) >= THRESHOLD - 1e-9
           for fired in hits):
        return Scene(stimulus="the findings")
    for text in texts:
        if (m := _REACTS_TO.search(text[:CUE_TEXT_MAX])) is not None:
            return Scene(stimulus=f"the {m.group(1).lower()}")
    if any(_REACTS.search(text[:CUE_TEXT_MAX]) for text in texts):
        return Scene(stimulus="what they react to")
    return Scene()


def _name_index(names: Iterable[str]) -> dict[tuple[str, ...], str]:
    """Each name's words (lower case) and its acronym, if given ("Care Quality Commission (CQC)": "CQC" as
    written) -> the name: the keys :func:`_named_in` looks for."""
    index = {}
    for name in names:
        acronym = _ACRONYM.search(name)
        words = tuple(w.casefold() for w in _NAME_WORD.findall(name[:acronym.start()] if acronym else name))
        if 0 < len(words) <= _NAME_WORDS:
            index.setdefault(words, name)
        if acronym:
            index.setdefault((acronym.group(1),), name)
    return index


def _named_in(role: str, index: dict[tuple[str, ...], str]) -> str | None:
    """The first name of the index that the role names, by its words or its acronym ("ICO director of
    operations" names "Information Commissioner’s Office (ICO)"): a lookup per run of up to ``_NAME_WORDS``
    words of the role, so linear in the role whatever the index holds."""
    if not index:
        return None
    words = _NAME_WORD.findall(role[:CUE_TEXT_MAX])
    folded = [w.casefold() for w in words]
    for i, word in enumerate(words):
        if (word,) in index and word.isupper():
            return index[(word,)]
        for n in range(1, min(_NAME_WORDS, len(words) - i) + 1):
            if (key := tuple(folded[i:i + n])) in index:
                return index[key]
    return None


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
    from store.annotate import Action, _known_tag, _new_row, _Recorder, _tag_row

    rec = _Recorder(db, annotator, label)
    first = None
    for s in items:
        _known_tag(db, s.tag)
        if _tag_row(db, article_id, s.n, s.tag, annotator) is None:
            rec.insert(_new_row(db, article_id, s.n, annotator, tag=s.tag))
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
    from store.annotate import _Recorder

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
        rec = _Recorder(db, by, f"dismiss suggestion{'s' if len(found) > 1 else ''}: "
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
