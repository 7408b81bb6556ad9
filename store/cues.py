"""The cue codebook and its rules: what store.suggest suggests from and store.learn starts from.

The rules are data, not code. Each row of the ``cues`` table (seeded from
``store.default_cues`` by the migrations; ``pressmark cues --export`` /
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
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass

from store.db import Database, write
from store.default_cues import CUE_COLUMNS, DEFAULT_CUES, SENTENCE_WHENS, cue_rows_csv
from store.errors import StoreError
from store.speakers import Speaker
from store.untrusted import csv_fields, csv_problem

__all__ = [
    "CONTEXT_WHENS", "CUE_COLUMNS", "DEFAULT_CUES", "MATCHES", "SENTENCE_WHENS", "THRESHOLD", "WHENS", "Cue", "Scene",
    "article_hits", "article_scene", "compile_cues", "cue_hits", "cue_tags", "cues_csv", "default_cues", "expression",
    "load_cues", "parse_cues", "propose", "save_cues", "unusable_cues",
]

THRESHOLD = 1.0
CUE_MAX = 1000  # characters in one cue: a phrase or an expression, not a program
# Characters of a sentence the cues read. Prose sentences are far shorter; a longer one is a run-on line
# (sync keeps such a line as one "sentence"), and the phrase patterns, run by Python's re, hold the GIL.
CUE_TEXT_MAX = 10_000
MATCHES = ("phrase", "regex", "speaker")
CONTEXT_WHENS = ("finder", "respondent")  # read the article around the sentence: its Scene
WHENS = SENTENCE_WHENS + CONTEXT_WHENS
MAX_WEIGHT = 100.0  # a weight beyond it decides alone whatever else fires (the threshold is 1)
CUE_FIELD_MAX = 10_000  # characters in one field: a phrase, an expression or a note, not a document



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
    return cue_rows_csv((c.tag, c.match, c.cue, c.when, c.weight, c.note) for c in cues)


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
