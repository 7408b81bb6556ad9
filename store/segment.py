"""Rule-based English sentence segmentation with character offsets.

``segment(text)`` returns :class:`Sentence` spans such that ``text[s.start:s.end]``
is the sentence with surrounding whitespace removed.  Sentences are in order, never
overlap, never cross a paragraph break, and ``para`` (1-based) is non-decreasing.
Pure standard library; the hot paths are precompiled regexes plus one small Python
decision per *candidate* boundary (a ``.``/``?``/``!``/``…`` followed by whitespace,
or a bullet), never a loop per character.  The rules follow ``docs/labelling.md`` §2.

Paragraphs
----------
The input is cleaned text (LF newlines).  Lines are grouped into *blocks*
separated by blank lines.  Inside a block each line break is a paragraph break
(news articles store one paragraph per line, headline first) **unless the block
looks hard-wrapped**, in which case a line break that merely wraps is a space:

* a block can only be hard-wrapped if it has at least two lines and its longest
  line ``W`` is between 40 and 100 columns (one-paragraph-per-line text almost
  always has longer lines, lists of short lines are narrower);
* a line *fills* the width when ``len(line) + 1 + len(first word of next line)
  > 0.8 * W`` (a greedy wrapper would have had to break it);
* a line *looks wrapped* when it fills the width and does not end with
  sentence punctuation (``. ! ? … :`` optionally followed by closing quotes or
  brackets); *strongly* so when also the next line starts with a lowercase
  letter, or the line ends with ``, ; - – — ( / &`` or with a lowercase
  function word (``to``, ``the``, ``of``, ``and`` ...);
* the block is hard-wrapped when it has one strong or two looks-wrapped lines;
  then every line that fills the width continues its paragraph (even after a
  full stop, which still ends the sentence) and a short line ends it -- unless
  its sentence visibly runs on: it does not end with sentence punctuation and the
  next line starts with a lowercase letter, or it ends with ``; - – — ( / &`` or a
  function word, or it opens with a dateline (``17-May-2006 - The Environment`` /
  ``Agency has…``; a text whose paragraphs start with a short line).  A short line
  ending with a comma still stands alone (``…Director of Operations said,``);
* "structural" lines always stand alone: list items (``- x``, ``* x``, ``• x``,
  ``⁃ x``, ``1. x``, ``1) x``, ``1.) x``, ``(a) x``, ``a. x``, ``iv. x``), Markdown
  headings (``# x``) and lines without any letter or digit (``***``, ``|``, ``—``);
* the first line of a block is a headline (never wrapped) when it is in Title
  Case or ALL CAPS (at least 60% of its words, and at least two, start with a
  capital), ends with neither sentence punctuation nor a continuing character,
  does not open with a dateline, and the next line does not start with a
  lowercase letter.  Sentence-case headlines are caught by the width test: they
  are rarely as long as the wrap width, and a lone looks-wrapped line is not enough.

A block of more than ``MAX_BLOCK_LINES`` (10,000) lines is decided as blocks of that many lines,
so that memory stays bounded on a huge file with no blank line.

Paragraphs (and sentences) without any letter are dropped; ``para`` numbers only
the paragraphs that keep at least one sentence, so they run 1..N without gaps.
List markers stay inside the item's sentence span.

Sentence boundaries
-------------------
A candidate is ``.``, ``?``, ``!``, ``…``, ``...`` or ``. . .``, optionally
followed by closing quotes/brackets (``” " ’ ' » ) ]``, which stay with the
sentence they close), then whitespace -- or a full stop with no space after it
between a lowercase letter or digit and a capitalised word (``…five years
ago.It is also…``, but not ``www.Bradford.gov.uk``).  Colons and semicolons never
end a sentence.  A candidate followed by a word starting with a lowercase letter
never splits (``etc. and``, ``“Why?” he asked``, ``wait... what``), unless that
word is a list marker (``staff. b. Train them``).  Before a capital (or a symbol)
a full stop splits, except after abbreviations:

* ``e.g. i.e. vs. v. cf. viz. approx. ca. incl. excl. esp.``: never split;
* titles and name suffixes (``Mr Mrs Ms Dr Prof Cllr Coun St Rev Sgt Insp
  Supt Capt Gen ... Jr Snr``), single-letter initials (``J. K. Rowling``,
  ``Mark J. Douglas``, ``p. 5``) and dotted acronyms (``U.S.``, ``Ph.D.``): do not split, unless the next word is a
  function word that cannot be part of a name (``The``, ``He``, ``But``, ``In``
  ...), e.g. ``lives on Elm St. The house`` or ``in the U.S. It was`` split;
* ``a.m.``/``p.m.`` and capitalised month/weekday abbreviations (``Jan.``,
  ``Fri.``): split before a capital, unless the time goes on (a weekday, month or
  time zone, or ``<Place> time``: ``10 a.m. Monday``, ``9 p.m. GMT``, ``10 a.m.
  London time``) or the sentence so far is only a time phrase, which cannot be a
  sentence by itself (``At 5 a.m. Mr Smith said…``, ``Shortly after 9 p.m. Police
  were called``).  What follows is no evidence (a name starts sentences as often
  as it continues them), so ``It started at 5 a.m. Mr Smith said…`` splits;
* ``etc.``, ``et al.``, ``Ltd. Inc. Co. plc``,
  ``No. Nos. N°. Fig. Vol. pp.``: split before a capital (``No. We won't``),
  except ``etc.`` inside the name of a statute (``Health and Safety at Work etc.
  Act 1974``, ``… etc. (Scotland) Act``, ``etc. Regulations 1999``);
* before a digit, any known abbreviation, initial or acronym does not split
  (``No. 10``, ``N°. 5``, ``Jan. 5``, ``approx. 30``); an ordinary word does (``in 2021. 2022``).

Ellipses (``…``, ``...``, ``. . .``) that do not end a paragraph:

* one that opens the sentence, a quotation or a bracket marks words left out and
  ends nothing (``… and then``, ``“… And then``, ``[…]``, ``[...]``, ``(…)``);
* before a lowercase word it is inside the sentence (``we were … disappointed``);
* after closing quotes/brackets it ends the sentence (``“We will see…” Then``);
* before a capital it ends the sentence only when the word is one that starts
  sentences and is never part of a name (``waited… Then the letter came``), not
  before a name or a number (``the trust … Peterborough City Hospital``);
* followed by a full stop (``….``) it ends the sentence like a full stop.

Lists written inline (items following one another in one paragraph):

* a bullet (``• ⁃ ▪ ◦ ‣``) after whitespace starts a new sentence, the item, as a
  list item on its own line does (§2.1-2); bullets have no other use in a sentence.
  ``-`` and ``*`` are dashes and footnote marks inside a paragraph, and never split;
* an enumerator (``1.`` ``1)`` ``1.)`` ``(a)`` ``a.`` ``iv.``) does not split by
  itself: ``The plan has three parts: 1) more staff, 2) better training and 3) new
  IT.`` is one sentence.  Items split where a sentence ends before the marker
  (``Recommendations: 1. Hire staff. 2. Train them.`` gives ``…: 1. Hire staff.``
  and ``2. Train them.``), and the marker stays with the item it opens;
* a number, letter or roman numeral with a full stop is a marker, not a sentence
  end, when it opens the sentence, when it is the first of a list after a colon
  (``must: 1. The trust``, ``must: a. Hire``), or when it follows the previous
  marker of the paragraph in sequence (``1. Hire staff 2. Train them``).

Decimals, dates, URLs and e-mails (``3.5``, ``£1.2m``, ``28.04.2021``,
``www.bradford.gov.uk``, ``a.b@c.org``) never contain a dot followed by
whitespace, so they are never candidates; at the end of a sentence they split
like any word.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

__all__ = ["Sentence", "segment"]


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as offsets into the stored text: ``text[start:end]`` is the sentence."""

    start: int
    end: int
    para: int  # 1-based paragraph number


# --------------------------------------------------------------------------- #
# Tunables of the hard-wrap heuristic
WRAP_MIN = 40  # narrowest block width considered hard-wrapped
WRAP_MAX = 100  # widest block width considered hard-wrapped
WRAP_FILL = 0.8  # a line "fills" the block when line + next word > FILL * width
MAX_BLOCK_LINES = 10_000  # a longer block (no blank line) is decided as blocks of this many lines
_CHUNK = 64 * 1024  # characters split into lines at a time

_OPENERS = "“\"‘'([{«"
_CLOSERS = "”\"’'»)]}"

# Candidate boundary: terminal punctuation, closers, then whitespace and the next
# token (openers skipped) -- or the end of the paragraph; a full stop right after a
# lowercase letter or digit and right before a capitalised word ("ago.It is"); or a
# bullet that opens an item inside a paragraph.
_BULLETS = "•⁃▪◦‣"
_CANDIDATE = re.compile(
    # a bare character class first lets the regex engine scan fast for it
    r"[.?!…•⁃▪◦‣]([.?!…]*(?:(?:[ \u00a0]\.){2,})?)"  # 1: rest of the punctuation
    r"([”\"’'»)\]}]*)"  # 2: closers
    r"(?=(\s+|(?<=[^\W_A-Z]\.)(?=[A-Z][a-z]+(?![\w.@])))[“\"‘'(\[{«]*(\S*)|\s*$)"  # 3: space, 4: next token
)
# A lowercase list marker as the next token: "b." "b.)" "b)" "iv." (the "(" of "(b)" is skipped).
_MARKER = re.compile(r"(?:\d{1,3}|[a-z]|[ivx]{1,4})(?:\.\)?|\))")
# The two characters before the full stop of a possible marker ("(1", " a", " B", "12", "iv"; "" at the start
# of the text): only then is the token looked at.
_MARKER_ENDINGS = frozenset(
    [""]
    + [a + b for a in " \t\n\u00a0(" for b in "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    + [a + b for a in "0123456789" for b in "0123456789"]
    + [a + b for a in "ivx" for b in "ivx"]
    + [a + b for a in "IVX" for b in "IVX"]
)
# A dateline opening a line: a date, then a dash ("17-May-2006 - The ...").
_DATELINE = re.compile(
    r"[ \t]*(?:\d{1,2}(?:st|nd|rd|th)?[-/. ](?:[A-Za-z]{3,9}\.?|\d{1,2})[-/. ]\d{2,4}"
    r"|[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4})[ \t]+[-–—][ \t]"
)
_WORD = re.compile(r"[^\W\d_]+(\.?)")  # leading letters of a token (+ a dot)
_LETTER = re.compile(r"[^\W\d_]")
_WORDS = re.compile(r"[^\W\d_][\w’'-]*")
_ALNUM = re.compile(r"[^\W_]")
_CONTINUES = ",;-–—(/&"  # a line ending with one of these continues
_RUNS_ON = ";-–—(/&"  # ... even when it is short (an introducer may end with a comma)
# Lowercase words that rarely end a sentence or a headline: a line ending in
# one of them was wrapped.
_FUNCTION_WORDS = frozenset(
    """a an the of to in on at for with by from into onto over under about
    and or but nor that which who whom whose as than is are was were be been
    being has have had its their our his her my your this these those if
    when while where after before because since although though not very""".split()
)
_DOTTED = re.compile(r"(?:[A-Za-z]{1,2}\.)+[A-Za-z]{1,2}\Z")  # U.S, Ph.D, J.K
_STRUCTURAL = re.compile(
    r"[ \t]*(?:[-*+•⁃·‣▪◦][ \t]|(?:\d{1,3}|[a-z]|[ivx]{1,4})(?:\.\)?|\))[ \t]|\(?[A-Za-z0-9]{1,2}\)[ \t]"
    r"|#{1,6}[ \t])"
)

# Abbreviations ------------------------------------------------------------- #
# Never end a sentence (compared lowercased; a capital "V." is an initial).
_NEVER = frozenset(
    "e.g eg i.e cf vs v viz approx ca incl excl esp resp".split()
)
# Titles and name-like abbreviations (case-sensitive; ALL-CAPS variants accepted).
_TITLES = frozenset(
    """Mr Mrs Ms Mx Messrs Mmes Mme Mlle Dr Drs Prof Profs Cllr Cllrs Coun St Ste
    Sts Mt Ft Rev Revd Rt Hon Sgt Insp Supt Det Ch Con Capt Cmdr Cdr Col Gen Lt
    Maj Cpl Pte Brig Adm Gov Sen Rep Pres Fr Br Sr Jr Snr Jnr Esq Hr""".split()
)
# Abbreviations that may end a sentence (compared lowercased, after the titles
# and single letters, so "Ch. Supt." and "John P. Smith" stay whole).
_ENDS = frozenset(
    """etc a.m p.m pm ltd inc corp co cos plc llc llp bros pty al
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur
    thurs fri sat sun no nos n° nº n°s nºs nr fig figs vol vols art pp para paras ch chap sec
    sect ext tel ref op ave rd blvd sq dept govt univ est yr yrs hr hrs min mins
    oz lb lbs ft reg regs""".split()
)
# Abbreviations of times and dates: they end a sentence before a capital unless the time goes on.
_TIME = frozenset(["a.m", "p.m", "pm"])
_DATES = frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun".split()
)
# Words that may follow a.m./p.m. (or a month or weekday abbreviation) inside the same sentence.
_TIME_CONTINUATIONS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february
    march april may june july august september october november december gmt bst
    utc cet cest est edt cst cdt mst mdt pst pdt et pt ct ist aest aedt jst eastern pacific""".split()
)
_ZONE_TIME = re.compile(r"(?:[A-Z][\w'.-]*[ \u00a0]+){1,3}[Tt]ime\b")  # "London time", "New York Time"
# Words of a time phrase ("At 5 a.m.", "Shortly after 9 p.m. on Friday"): a sentence cannot be only that.
_TIME_WORDS = _TIME_CONTINUATIONS | _DATES | frozenset(
    """a.m p.m pm noon midnight o'clock at by from to until till on before after around about approximately
    approx roughly shortly just since between and or the of in early late this last next every each morning
    afternoon evening night today yesterday tomorrow tonight""".split()
)
# After "etc." the name of a statute goes on: "Health and Safety at Work etc. Act 1974".
_STATUTE = re.compile(r"(?:\([^()\n]{1,40}\)\s+)?(?:Act\b|(?:Acts|Bill|Order|Regulations|Rules)\s+\d{4}\b)")
_ELLIPSES = frozenset(["…", "...", ". . .", ".\u00a0.\u00a0."])


def _ordinal_table() -> dict[str, tuple[frozenset, frozenset]]:
    """List-marker cores ("1", "a", "B", "iv") -> (their places in a sequence, the places of the marker
    that would follow them); "i" is both the ninth letter and roman one."""
    table: dict[str, set[tuple[str, int]]] = {str(n): {("1", n)} for n in range(1, 1000)}
    for n, letter in enumerate("abcdefghijklmnopqrstuvwxyz", 1):
        table[letter] = {("a", n)}
        table[letter.upper()] = {("A", n)}
    for n, roman in enumerate("i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii".split(), 1):
        table.setdefault(roman, set()).add(("i", n))
        table.setdefault(roman.upper(), set()).add(("I", n))
    return {
        core: (frozenset(places), frozenset((kind, n + 1) for kind, n in places)) for core, places in table.items()
    }


_ORDINALS = _ordinal_table()
_FIRSTS = frozenset([("1", 1), ("a", 1), ("A", 1), ("i", 1), ("I", 1)])
_NONE: frozenset = frozenset()
# Capitalised words that start sentences but are never part of a name: after a
# title or an initial they mean the abbreviation ended the sentence.
_STARTERS = frozenset(
    """the a an he she it they we i you this that these those there then their
    his her its our my your but and or so yet however meanwhile in on at for
    if when while after before as although though since because now today
    yesterday tomorrow last next some many most all both each one what who why
    how where is was are were has have had do does did will would can could
    should not also""".split()
)


def _is_title(core: str) -> bool:
    return core in _TITLES or (core.isupper() and core.capitalize() in _TITLES)


def _is_abbrev(core: str) -> bool:
    """Any known abbreviation, initial or dotted acronym (used before digits)."""
    if not core:
        return False
    low = core.lower()
    return (
        (len(core) == 1 and core.isalpha())
        or low in _NEVER
        or low in _ENDS
        or _is_title(core)
        or _DOTTED.match(core) is not None
    )


def _split_full_stop(text: str, start: int, s: int, nxt: str, m: re.Match) -> bool:
    """Decide a bare full stop at ``text[s]`` in the sentence starting at ``start``, followed by the
    token ``nxt`` (without opening quotes/brackets; it does not start with a lowercase letter) after
    the whitespace of the candidate ``m``."""
    # The token the full stop belongs to, opening quotes/brackets removed.
    window = text[max(start, s - 40) : s]
    if not window or window[-1].isspace():
        return True  # detached full stop
    core = window.rsplit(None, 1)[-1].lstrip(_OPENERS)
    if not core:
        return True
    if nxt[0].isdigit():
        return not _is_abbrev(core)
    low = core.lower()
    if low in _NEVER and core != "V":
        return False
    if _is_title(core) or (len(core) == 1 and core.isalpha()):
        return _starts_sentence(nxt)
    if low in _ENDS:
        if low in _TIME or (low in _DATES and core[0].isupper()):
            return not _time_goes_on(text, start, s - len(core), nxt, m.end(3))
        return low != "etc" or _STATUTE.match(text, m.end(3)) is None
    if _DOTTED.match(core):
        return _starts_sentence(nxt)
    return True


def _time_goes_on(text: str, start: int, token: int, nxt: str, at: int) -> bool:
    """After a.m./p.m. (or "Jan.", "Fri."), before a capital: is it still the same sentence? Yes when
    the time goes on ("10 a.m. Monday", "9 p.m. GMT", "10 a.m. London time"), or when the sentence so
    far is only a time phrase, which is no sentence ("At 5 a.m. Mr Smith said ...")."""
    m = _WORD.match(nxt)
    if m and m.group().rstrip(".").lower() in _TIME_CONTINUATIONS or _ZONE_TIME.match(text, at):
        return True
    if token - start > 60:
        return False
    words = text[start:token].split()
    return bool(words) and all(w[0].isdigit() or w.strip(",.").lower() in _TIME_WORDS for w in words)


def _split_ellipsis(text: str, start: int, s: int, closers: str, nxt: str) -> bool:
    """Decide an ellipsis at ``text[s]``, before a token that does not start with a lowercase letter.
    One that opens the sentence, a quotation or a bracket ("… And then", "“…", "[…]") marks words left
    out and ends nothing; after closing quotes/brackets ("We will see…” Then") it ends the sentence;
    otherwise it does when a word that starts sentences and is never part of a name follows
    ("waited… Then the letter came") and not before a name or a number ("the trust … Peterborough
    City Hospital")."""
    if s == start or text[s - 1] in _OPENERS:
        return False
    return bool(closers) or not nxt or _starts_sentence(nxt)


def _marker(text: str, start: int, s: int, expected: frozenset) -> frozenset | None:
    """Is the full stop at ``text[s]`` that of a list marker ("1." "1.)" "(a." "iv.")?  It is when the
    marker opens the sentence, is the first of a list after a colon ("must: 1. Hire"), or is one of the
    ``expected`` places, those that follow the paragraph's previous marker ("1. Hire staff 2. Train").
    Returns the places of the marker that would follow this one, or None when it is no marker."""
    head = text[max(s - 5, start) : s]
    token = head.rsplit(None, 1)[-1] if head and not head[-1].isspace() else ""
    found = _ORDINALS.get(token.lstrip("("))
    if found is None or (len(token) == len(head) and s - len(head) > start):
        return None
    places, following = found
    at = s - len(token)
    if at == start or not places.isdisjoint(expected):
        return following
    if not places.isdisjoint(_FIRSTS) and text[max(at - 8, start) : at].rstrip()[-1:] == ":":
        return following
    return None


def _starts_sentence(nxt: str) -> bool:
    """After a title, initial or acronym: does ``nxt`` clearly start a sentence?"""
    m = _WORD.match(nxt)
    if not m or m.group(1):  # a symbol ("Mr. & Mrs."), or another initial ("K.")
        return False
    return m.group().lower() in _STARTERS


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) of every line, split a chunk at a time: never one list of all the lines, which
    for 9 million short lines would take a gigabyte."""
    pos, n = 0, len(text)
    while pos < n:
        end = text.find("\n", pos + _CHUNK)
        for line in text[pos : n if end < 0 else end].split("\n"):
            yield pos, line
            pos += len(line) + 1


def _paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    """Whitespace-stripped (start, end) spans of paragraphs (module docstring), in order. A block
    of more than ``MAX_BLOCK_LINES`` lines is taken as blocks of that many lines."""
    block: list[tuple[int, str]] = []  # (offset, line) of the current block
    for pos, line in _lines(text):
        if line and not line.isspace():
            block.append((pos, line))
            if len(block) < MAX_BLOCK_LINES:
                continue
        elif not block:
            continue
        yield from _block_spans(block)
        block = []
    if block:
        yield from _block_spans(block)


def _block_spans(block: list[tuple[int, str]]) -> list[tuple[int, int]]:
    if len(block) == 1:
        o, line = block[0]
        return [(o + len(line) - len(line.lstrip()), o + len(line.rstrip()))]
    lens = [len(line.rstrip()) for _, line in block]
    width = max(lens)
    if WRAP_MIN <= width <= WRAP_MAX:
        return _wrapped_block(block, lens, width)
    return [(o + len(line) - len(line.lstrip()), o + n) for (o, line), n in zip(block, lens)]  # one per line


def _ends_sentence(line: str) -> bool:
    """Does the (right-stripped) line end with sentence punctuation?"""
    return line.rstrip(_CLOSERS)[-1:] in (".", "!", "?", "…", ":")


def _ends_with_function_word(line: str) -> bool:
    return line.rsplit(None, 1)[-1] in _FUNCTION_WORDS


def _is_headline(line: str, nxt: str) -> bool:
    """Title Case / ALL CAPS line that ends no sentence, does not continue, and
    is followed by a line that does not start with a lowercase letter."""
    words = _WORDS.findall(line)
    if (
        len(words) < 2
        or nxt[0].islower()
        or line[-1] in _CONTINUES
        or _ends_sentence(line)
        or _DATELINE.match(line)
    ):
        return False
    caps = sum(1 for w in words if w[0].isupper())
    return caps >= 0.6 * len(words)


def _wrapped_block(block: list[tuple[int, str]], lens: list[int], width: int) -> list[tuple[int, int]]:
    """Decide soft/hard line breaks inside a block that may be hard-wrapped: its paragraphs' spans."""
    n = len(block)
    lines = [line for _, line in block]
    structural = [
        _STRUCTURAL.match(line) is not None or _ALNUM.search(line) is None
        for line in lines
    ]
    limit = WRAP_FILL * width
    fills = [False] * (n - 1)  # the line break after line i is a wrap if the block is wrapped
    short = []  # (i, line i, first word of line i + 1) of the lines that do not fill the width
    weak = strong = 0
    for i in range(n - 1):
        line = lines[i][: lens[i]]
        if structural[i + 1] or (
            structural[i] and (line.lstrip()[0] == "#" or _ALNUM.search(line) is None)
        ):
            continue  # before a list item / heading / rule, after a heading / rule
        first = lines[i + 1].split(None, 1)[0]
        if i == 0 and _is_headline(line, first):
            continue
        if lens[i] + 1 + len(first) <= limit:
            short.append((i, line, first))
            continue
        fills[i] = True
        if _ends_sentence(line):
            continue
        weak += 1
        if first[0].islower() or line[-1] in _CONTINUES or _ends_with_function_word(line):
            strong += 1
    wrapped = strong >= 1 or weak >= 2
    if wrapped:
        for i, line, first in short:  # a short line ends its paragraph, unless its sentence visibly runs on
            fills[i] = not _ends_sentence(line) and (
                first[0].islower()
                or line[-1] in _RUNS_ON
                or _ends_with_function_word(line)
                or _DATELINE.match(line) is not None
            )
    spans = []
    start = block[0][0] + len(lines[0]) - len(lines[0].lstrip())
    for i in range(n - 1):
        if not (wrapped and fills[i]):
            spans.append((start, block[i][0] + lens[i]))
            nxt = lines[i + 1]
            start = block[i + 1][0] + len(nxt) - len(nxt.lstrip())
    spans.append((start, block[-1][0] + lens[-1]))
    return spans


def segment(text: str, limit: int | None = None) -> list[Sentence]:
    """Split ``text`` into sentences; see the module docstring for the rules. With ``limit``, only
    the first ``limit`` sentences: the rest of the text is not looked at (sync caps huge files)."""
    return list(islice(_sentences(text), limit))


def _sentences(text: str) -> Iterator[Sentence]:
    letter = _LETTER.search
    candidates = _CANDIDATE.finditer
    para = 0
    for ps, pe in _paragraph_spans(text):
        if letter(text, ps, pe) is None:
            continue  # a letterless fragment such as "|" or "***"
        para += 1
        start = ps
        expected = _NONE  # the places of the list marker that would follow the paragraph's last one
        for m in candidates(text, ps, pe):
            rest, closers, _, nxt = m.groups()
            if nxt is None:
                break  # end of the paragraph
            s = m.start()
            c = text[s]
            if c == "." and not rest:  # a full stop
                if text[s - 2 : s] in _MARKER_ENDINGS:
                    following = _marker(text, start, s, expected)
                    if following is not None:
                        expected = following
                        continue  # "1." "(a." "iv.)" opens a list item
                if nxt and nxt[0].islower() and not (len(nxt) <= 5 and _MARKER.fullmatch(nxt)):
                    continue  # "etc. and", "e.g. the"; but not "b. Train"
                if not (closers or not nxt or _split_full_stop(text, start, s, nxt, m)):
                    continue
            elif c in _BULLETS:  # an item of a list written inline starts here
                if s > start and text[s - 1].isspace():
                    end = start + len(text[start:s].rstrip())
                    if letter(text, start, end):
                        yield Sentence(start, end, para)
                    start = s
                continue
            else:
                if nxt and nxt[0].islower() and not (len(nxt) <= 5 and _MARKER.fullmatch(nxt)):
                    continue  # "“Why?” he asked", "wait... what"
                if c + rest in _ELLIPSES and not _split_ellipsis(text, start, s, closers, nxt):
                    continue
            end = m.end()
            if text[start].isalpha() or letter(text, start, end):
                yield Sentence(start, end, para)
            start = m.end(3)
        if text[start].isalpha() or letter(text, start, pe):
            yield Sentence(start, pe, para)
