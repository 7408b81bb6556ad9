"""Where each sentence of an article goes on screen: display lines, counted up front, wrapped on demand.

Opening a 1 MB article must not wrap its 12,000 sentences before the first paint. The
layout only *counts* each sentence's lines (a sentence no wider than the view is one
line, found by a length check) and keeps the running totals in an array, so the view
knows its height and where every sentence starts. The offsets of a sentence's lines
are worked out when it is first drawn, and kept.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Callable

from rich.cells import cell_len

from store.queries import Sentences

TEXT, NOTE, BLANK, OTHERS, SPEAKER = 0, 1, 2, 3, 4
Line = tuple[int, int, int, int]  # (kind, sentence n or 0 for a blank, a, b): text[a:b], or of the note/label
_BLANK: Line = (BLANK, 0, 0, 0)
_WORDS = re.compile(r"\S+\s*")
# Characters that are not exactly one cell wide: combining marks, East Asian wide and fullwidth
# forms, emoji. Text without any (nearly all news text) is wrapped by character counts.
_NOT_ONE_CELL = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0e31-\u0e3a\u1100-\u115f"
    "\u200b-\u200f\u20d0-\u20ff\u231a-\u23ff\u2600-\u27bf\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff"
    "\ufe00-\ufe2f\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U0001f000-\U0001faff\U00020000-\U0003fffd]")


def one_cell_per_char(text: str) -> bool:
    """True when every character of ``text`` takes exactly one cell (so cells == len)."""
    return text.isascii() or not _NOT_ONE_CELL.search(text)


def wrap(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of ``text[start:end]`` into (a, b) offsets of at most ``width`` cells."""
    width = max(width, 1)
    if one_cell_per_char(text[start:end]):  # one cell per character: wrap with str.rfind
        out, pos = [], start
        while end - pos > width:
            cut = text.rfind(" ", pos, pos + width + 1)
            if cut <= pos:
                out.append((pos, pos + width))
                pos += width
            else:
                out.append((pos, cut))
                pos = cut + 1
            while pos < end and text[pos] == " ":
                pos += 1
        if pos < end or not out:
            out.append((pos, end))
        return out
    out, line_start, used = [], start, 0
    for m in _WORDS.finditer(text, start, end):
        word = m.group()
        w = cell_len(word.rstrip())
        if used and used + w > width:
            out.append((line_start, m.start()))
            line_start, used = m.start(), 0
        while w > width:  # a word wider than the line: break it by characters
            cells, i = 0, m.start() if line_start < m.start() else line_start
            while i < m.end() and cells + cell_len(text[i]) <= width:
                cells += cell_len(text[i])
                i += 1
            out.append((line_start, i))
            line_start, w = i, cell_len(text[i:m.end()].rstrip())
        used += cell_len(word)
    out.append((line_start, end))
    return [(a, b) for a, b in out if b > a] or [(start, end)]


def note_chunks(note: str) -> list[tuple[int, int]]:
    """Offsets of each line of a (possibly multi-line) note."""
    out, pos = [], 0
    for line in note.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


class Layout:
    """The display lines of one article at one text width, as a read-only sequence of ``Line``.

    Sentence n's lines are its wrapped text, then its extra lines (speaker label, others'
    tags, note); a blank line separates paragraphs. ``first[n]`` and ``stop[n]`` bound
    sentence n's lines; only sentences that have been looked at are wrapped.
    """

    def __init__(self, text: str, sentences: Sentences, width: int, extras: Callable[[int], list[Line]],
                 with_extras: set[int]) -> None:
        """``extras(n)`` gives sentence n's extra lines (kind, n, a, b); ``with_extras`` is every n that has any."""
        self.text, self.sentences, self.width, self.extras = text, sentences, width, extras
        self.narrow = one_cell_per_char(text)
        self._wrapped: dict[int, list[Line]] = {}
        count = len(sentences)
        first, stop = array("q", bytes(8 * (count + 2))), array("q", bytes(8 * (count + 2)))
        extra = {n: len(self._lines_of(n)) for n in with_extras if 1 <= n <= count}  # wraps these few now
        narrow, y, previous = self.narrow, 0, None
        for n, (para, a, b) in enumerate(zip(sentences.paras, sentences.starts, sentences.ends), 1):
            if previous is not None and para != previous:
                y += 1  # the blank line between paragraphs
            previous = para
            first[n] = y
            if n in extra:
                y += extra[n]
            elif narrow and b - a <= width:
                y += 1
            else:
                y += len(wrap(text, a, b, width))
            stop[n] = y
        first[count + 1] = stop[count + 1] = y
        self.first, self.stop, self.count = first, stop, count

    def _lines_of(self, n: int) -> list[Line]:
        lines = self._wrapped.get(n)
        if lines is None:
            s = self.sentences
            a, b = s.starts[n - 1], s.ends[n - 1]
            text = [(TEXT, n, a, b)] if self.narrow and b - a <= self.width else \
                [(TEXT, n, x, y) for x, y in wrap(self.text, a, b, self.width)]
            lines = self._wrapped[n] = text + self.extras(n)
        return lines

    def __len__(self) -> int:
        return self.stop[self.count + 1]

    def __getitem__(self, y: int) -> Line:
        if not 0 <= y < len(self):
            raise IndexError(y)
        n = bisect_right(self.first, y, 1, self.count + 1) - 1
        if y >= self.stop[n]:
            return _BLANK
        return self._lines_of(n)[y - self.first[n]]

    def sentence_at(self, y: int) -> int:
        """The sentence whose line ``y`` is; 0 for a blank line or past the end."""
        if not 0 <= y < len(self):
            return 0
        n = bisect_right(self.first, y, 1, self.count + 1) - 1
        return n if y < self.stop[n] else 0

    def rewrap(self, n: int) -> int:
        """Sentence ``n``'s lines changed (e.g. its note): lay it out again; return the change in lines."""
        old = self.stop[n] - self.first[n]
        self._wrapped.pop(n, None)
        shift = len(self._lines_of(n)) - old
        if shift:
            first, stop = self.first, self.stop
            stop[n] += shift
            for m in range(n + 1, self.count + 2):
                first[m] += shift
                stop[m] += shift
        return shift
