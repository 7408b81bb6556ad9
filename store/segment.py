"""Rule-based English sentence segmentation with character offsets.

``segment(text)`` returns :class:`Sentence` spans such that ``text[s.start:s.end]``
is the sentence with surrounding whitespace removed.  Sentences are in order, never
overlap, never cross a paragraph break, and ``para`` (1-based) is non-decreasing.
Pure standard library; the hot paths are precompiled regexes plus one small Python
decision per *candidate* boundary (a ``.``/``?``/``!``/``…`` followed by whitespace),
never a loop per character.

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
  full stop, which still ends the sentence) and a short line ends it;
* "structural" lines always stand alone: list items (``- x``, ``* x``, ``• x``,
  ``1. x``, ``1) x``, ``(a) x``, ``a. x``), Markdown headings (``# x``) and lines
  without any letter or digit (``***``, ``|``, ``—``);
* the first line of a block is a headline (never wrapped) when it is in Title
  Case or ALL CAPS (at least 60% of its words, and at least two, start with a
  capital), ends with neither sentence punctuation nor a continuing character,
  and the next line does not start with a lowercase letter.  Sentence-case
  headlines are caught by the width test: they are rarely as long as the wrap
  width, and a lone looks-wrapped line is not enough.

A block of more than ``MAX_BLOCK_LINES`` (10,000) lines is decided as blocks of that many lines,
so that memory stays bounded on a huge file with no blank line.

Paragraphs (and sentences) without any letter are dropped; ``para`` numbers only
the paragraphs that keep at least one sentence, so they run 1..N without gaps.
List markers stay inside the item's sentence span.

Sentence boundaries
-------------------
A candidate is ``.``, ``?``, ``!``, ``…``, ``...`` or ``. . .``, optionally
followed by closing quotes/brackets (``” " ’ ' » ) ]``, which stay with the
sentence they close), then whitespace.  Colons and semicolons never end a
sentence.  A candidate followed by a word starting with a lowercase letter
never splits (``etc. and``, ``“Why?” he asked``, ``wait... what``).  Before a
capital (or a symbol) it splits, except after abbreviations:

* ``e.g. i.e. vs. v. cf. viz. approx. ca. incl. excl. esp.``: never split;
* titles and name suffixes (``Mr Mrs Ms Dr Prof Cllr Coun St Rev Sgt Insp
  Supt Capt Gen ... Jr Snr``), single-letter initials (``J. K. Rowling``,
  ``Mark J. Douglas``, ``p. 5``) and dotted acronyms (``U.S.``, ``Ph.D.``): do not split, unless the next word is a
  function word that cannot be part of a name (``The``, ``He``, ``But``, ``In``
  ...), e.g. ``lives on Elm St. The house`` or ``in the U.S. It was`` split;
* ``a.m.``/``p.m.``: split before a capital unless it is a time-like
  continuation (a weekday, month or time zone: ``10 a.m. Monday``,
  ``9 p.m. GMT``);
* ``etc.``, ``et al.``, ``Ltd. Inc. Co. plc``, month/weekday abbreviations,
  ``No. Nos. Fig. Vol. pp.``: split before a capital (``No. We won't``);
* before a digit, any known abbreviation, initial or acronym does not split
  (``No. 10``, ``Jan. 5``, ``approx. 30``); an ordinary word does (``in 2021. 2022``).

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
# token (openers skipped) -- or the end of the paragraph.
_CANDIDATE = re.compile(
    # a bare character class first lets the regex engine scan fast for it
    r"[.?!…]([.?!…]*(?:(?:[ \u00a0]\.){2,})?)"  # 1: rest of the punctuation
    r"([”\"’'»)\]}]*)"  # 2: closers
    r"(?=(\s+)[“\"‘'(\[{«]*(\S*)|\s*$)"  # 3: whitespace, 4: next token
)
_WORD = re.compile(r"[^\W\d_]+(\.?)")  # leading letters of a token (+ a dot)
_LETTER = re.compile(r"[^\W\d_]")
_WORDS = re.compile(r"[^\W\d_][\w’'-]*")
_ALNUM = re.compile(r"[^\W_]")
_CONTINUES = ",;-–—(/&"  # a line ending with one of these continues
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
    r"[ \t]*(?:[-*+•·‣▪◦][ \t]|\d{1,3}[.)][ \t]|\(?[A-Za-z0-9]{1,2}\)[ \t]|[a-z]\.[ \t]|#{1,6}[ \t])"
)
_BULLET_MARK = re.compile(r"(?:\d{1,3}|[a-z])[.)][ \t]+|\([A-Za-z0-9]{1,2}\)[ \t]+")

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
    thurs fri sat sun no nos nr fig figs vol vols art pp para paras ch chap sec
    sect ext tel ref op ave rd blvd sq dept govt univ est yr yrs hr hrs min mins
    oz lb lbs ft""".split()
)
_TIME = frozenset(["a.m", "p.m", "pm"])
# Words that may follow a.m./p.m. inside the same sentence.
_TIME_CONTINUATIONS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february
    march april may june july august september october november december gmt bst
    utc cet cest est edt cst cdt mst mdt pst pdt et pt ct ist aest aedt jst""".split()
)
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


def _split_full_stop(text: str, lo: int, s: int, nxt: str) -> bool:
    """Decide a bare full stop at ``text[s]`` followed by whitespace and ``nxt``
    (the next token without opening quotes/brackets; it does not start with a
    lowercase letter)."""
    # The token the full stop belongs to, opening quotes/brackets removed.
    window = text[max(lo, s - 40) : s]
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
        if low in _TIME:
            m = _WORD.match(nxt)
            return not (m and m.group().rstrip(".").lower() in _TIME_CONTINUATIONS)
        return True
    if _DOTTED.match(core):
        return _starts_sentence(nxt)
    return True


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
    fills = [False] * (n - 1)  # the line break after line i may be a wrap
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
            continue  # short line: the paragraph ends here
        fills[i] = True
        if _ends_sentence(line):
            continue
        weak += 1
        if first[0].islower() or line[-1] in _CONTINUES or _ends_with_function_word(line):
            strong += 1
    wrapped = strong >= 1 or weak >= 2
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
        bullet = _BULLET_MARK.match(text, ps, pe)  # "1. " is no boundary
        for m in candidates(text, bullet.end() if bullet else ps, pe):
            rest, closers, _, nxt = m.groups()
            if nxt is None:
                break  # end of the paragraph
            if nxt and nxt[0].islower():
                continue  # "etc. and", "“Why?” he asked", "wait... what"
            s = m.start()
            if rest or closers or not nxt or text[s] != "." or _split_full_stop(text, ps, s, nxt):
                end = m.end()
                if text[start].isalpha() or letter(text, start, end):
                    yield Sentence(start, end, para)
                start = m.end(3)
        if text[start].isalpha() or letter(text, start, pe):
            yield Sentence(start, pe, para)
