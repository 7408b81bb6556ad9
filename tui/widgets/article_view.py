"""The article as wrapped sentences with a tag gutter, drawn through the Line API.

Wrapping is done once per width into a flat list of display lines (plain
tuples of offsets); ``render_line`` turns one of them into a ``Strip`` and
caches it by everything that can change its look. So a 10,000-sentence
article costs one pass on open and a handful of strips per keypress.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.events import Click, Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from store.library import ArticleView as Article
from store.library import Tag

TEXT, NOTE, BLANK, OTHERS, SPEAKER = 0, 1, 2, 3, 4
_WORDS = re.compile(r"\S+\s*")
# Characters that are not exactly one cell wide: combining marks, East Asian wide and fullwidth
# forms, emoji. Text without any (nearly all news text) is wrapped by character counts.
_NOT_ONE_CELL = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0e31-\u0e3a\u1100-\u115f"
    "\u200b-\u200f\u20d0-\u20ff\u231a-\u23ff\u2600-\u27bf\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff"
    "\ufe00-\ufe2f\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U0001f000-\U0001faff\U00020000-\U0003fffd]")


def wrap(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of ``text[start:end]`` into (a, b) offsets of at most ``width`` cells."""
    width = max(width, 1)
    piece = text[start:end]
    if piece.isascii() or not _NOT_ONE_CELL.search(piece):  # one cell per character: wrap with str.rfind
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


class ArticleView(ScrollView, can_focus=True, inherit_bindings=False):
    """Sentences of one article; the cursor is a 1-based sentence number.

    It has no key bindings of its own (not even the scroll keys it would inherit):
    the screen that owns it maps keys to cursor moves.
    """

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    COMPONENT_CLASSES = {"article-view--cursor", "article-view--match", "article-view--note",
                         "article-view--gutter", "article-view--shared", "article-view--unaligned",
                         "article-view--partner"}

    cursor: reactive[int] = reactive(1, always_update=True)
    show_notes: reactive[bool] = reactive(True)

    class CursorMoved(Message):
        def __init__(self, view: ArticleView, n: int) -> None:
            super().__init__()
            self.view, self.n = view, n

        @property
        def control(self) -> ArticleView:
            return self.view

    def __init__(self, article: Article, codebook: list[Tag], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.article = article
        self.codebook = codebook
        self.matches: list[tuple[int, int]] = []  # search hits, sorted offsets into the text
        # Alignment with the other pane of a compare screen (None elsewhere): sentence ->
        # its partners' numbers there, what to call a sentence without one, and the
        # verbatim shared passages (sorted offsets) to emphasise.
        self.partners: dict[int, tuple[int, ...]] | None = None
        self.unaligned_label = ""
        self.shared: list[tuple[int, int]] = []
        self.highlighted: frozenset[int] = frozenset()  # partners of the other pane's cursor
        self.others: dict[int, str] = {}  # sentence -> a line of other annotators' tags, when shown
        self.show_suggestions = True
        self._lines: list[tuple[int, int, int, int]] = []  # (kind, sentence n, a, b)
        self._first_line: list[int] = [0]  # sentence n -> its first display line
        self._layout_width = -1
        self._generation = 0  # bumped whenever every cached strip is stale
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)

    # -- layout -----------------------------------------------------------------
    @property
    def gutter_width(self) -> int:
        # cursor bar, a slot per tag, note mark, space, and with an alignment its column
        return len(self.codebook) + 3 + (5 if self.partners is not None else 0)

    def _speaker_label(self, n: int) -> str:
        """Who speaks, under the first sentence of each stretch of quoted speech by one speaker."""
        speaker = self.article.speakers.get(n)
        if speaker is None or not speaker.quoted:
            return ""
        previous = self.article.speakers.get(n - 1)
        if previous is not None and previous.quoted and previous.name == speaker.name:
            return ""
        return f"“ {speaker.name}" + (f", {speaker.role}" if speaker.role else "")

    def set_others(self, others: dict[int, str]) -> None:
        self.others = others
        self.relayout()
        self.scroll_to_cursor()

    def set_alignment(self, partners: dict[int, tuple[int, ...]], shared: list[tuple[int, int]],
                      unaligned_label: str) -> None:
        self.partners, self.shared, self.unaligned_label = partners, sorted(shared), unaligned_label
        self.relayout()

    def highlight(self, sentences: frozenset[int]) -> None:
        """Mark the sentences aligned with the other pane's cursor, and bring the first into view."""
        if sentences == self.highlighted:
            return
        old, self.highlighted = self.highlighted, sentences
        for n in old | sentences:
            self._refresh_sentence_lines(n)
        if sentences:
            first, _ = self._sentence_lines(min(sentences))
            _, last = self._sentence_lines(max(sentences))
            self.scroll_to_region(Region(0, first, 1, max(last - first, 1)), animate=False, center=True,
                                  immediate=True)

    def _text_width(self) -> int:
        return max(self.scrollable_content_region.width - self.gutter_width, 10)

    def _sentence_layout(self, n: int, width: int) -> list[tuple[int, int, int, int]]:
        """Display lines of sentence ``n``: its wrapped text, then its note when notes are shown."""
        s = self.article.sentences[n - 1]
        lines = [(TEXT, n, a, b) for a, b in wrap(self.article.text, s.start, s.end, width)]
        if label := self._speaker_label(n):
            lines.extend((SPEAKER, n, a, b) for a, b in wrap(label, 0, len(label), width - 2))
        if n in self.others:
            lines.extend((OTHERS, n, a, b) for a, b in wrap(self.others[n], 0, len(self.others[n]), width - 2))
        note = self.article.notes.get(n) if self.show_notes else None
        if note:
            for chunk_start, chunk_end in _note_chunks(note):
                lines.extend((NOTE, n, a, b) for a, b in wrap(note, chunk_start, chunk_end, width - 2))
        return lines

    def relayout(self) -> None:
        """Wrap every sentence for the current width (and note visibility)."""
        width = self._text_width()
        lines: list[tuple[int, int, int, int]] = []
        first = [0] * (len(self.article.sentences) + 1)
        para = None
        for s in self.article.sentences:
            if para is not None and s.para != para:
                lines.append((BLANK, 0, 0, 0))
            para = s.para
            first[s.n] = len(lines)
            lines.extend(self._sentence_layout(s.n, width))
        self._lines, self._first_line = lines, first
        self._layout_width = self.scrollable_content_region.width
        self._relaid()

    def _relaid(self) -> None:
        """After the display lines changed: every cached strip is stale and the height may differ."""
        self._generation += 1
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._lines))
        self.refresh()

    def on_resize(self, event: Resize) -> None:
        # The first Resize comes right after mount, so this is also the first layout.
        if self.scrollable_content_region.width != self._layout_width:
            self.relayout()
            self.scroll_to_cursor(center=True)

    def watch_show_notes(self) -> None:
        if self.is_mounted:
            self.relayout()
            self.scroll_to_cursor()

    def refresh_sentence(self, n: int) -> None:
        """Redraw after ``n``'s tags or note changed; only a changed note re-wraps, and only ``n``."""
        if not 1 <= n < len(self._first_line):
            return
        first, last = self._sentence_lines(n)
        lines = self._sentence_layout(n, self._text_width())
        if lines == self._lines[first:last]:
            self._refresh_sentence_lines(n)
            return
        self._lines[first:last] = lines
        shift = len(lines) - (last - first)
        if shift:
            for m in range(n + 1, len(self._first_line)):
                self._first_line[m] += shift
        self._relaid()
        if n == self.cursor:
            self.scroll_to_cursor()  # a new note under the cursor sentence must come into view

    def refresh_all(self) -> None:
        self._generation += 1
        self.refresh()

    def _sentence_lines(self, n: int) -> tuple[int, int]:
        """First display line of sentence ``n`` and one past its last (notes included)."""
        first = self._first_line[n]
        last = first + 1
        while last < len(self._lines) and self._lines[last][1] == n and self._lines[last][0] != BLANK:
            last += 1
        return first, last

    def _refresh_sentence_lines(self, n: int) -> None:
        if 1 <= n < len(self._first_line):
            first, last = self._sentence_lines(n)
            self.refresh_lines(first - int(self.scroll_offset.y), last - first)

    # -- cursor -------------------------------------------------------------------
    @property
    def count(self) -> int:
        return len(self.article.sentences)

    def validate_cursor(self, n: int) -> int:
        return min(max(n, 1), max(self.count, 1))

    def watch_cursor(self, old: int, new: int) -> None:
        if not self.is_mounted:
            return
        self._refresh_sentence_lines(old)
        self._refresh_sentence_lines(new)
        self.scroll_to_cursor()
        self.post_message(self.CursorMoved(self, new))

    def scroll_to_cursor(self, center: bool = False) -> None:
        if not self.count or not self._lines:
            return
        first, last = self._sentence_lines(self.cursor)
        self.scroll_to_region(Region(0, first, 1, last - first), animate=False, center=center, immediate=True)

    def sentence_at_line(self, line: int) -> int | None:
        if 0 <= line < len(self._lines):
            return self._lines[line][1] or None
        return None

    def page(self, direction: int) -> None:
        """Scroll a screenful and put the cursor on the first sentence that starts in view."""
        height = self.scrollable_content_region.height
        target = int(self.scroll_offset.y) + direction * max(height - 1, 1)
        self.scroll_to(y=target, animate=False, immediate=True)
        top = int(self.scroll_offset.y)
        n = self.sentence_at_line(top) or self.sentence_at_line(top + 1)
        if direction > 0 and top + height >= len(self._lines):
            n = self.count
        elif direction < 0 and top == 0:
            n = 1
        if n:
            if self._first_line[n] < top and n < self.count:
                n += 1
            self.cursor = n

    def para_step(self, direction: int) -> None:
        """Move to the first sentence of the next or previous paragraph."""
        sentences = self.article.sentences
        if not sentences:
            return
        para = sentences[self.cursor - 1].para
        if direction > 0:
            n = next((s.n for s in sentences[self.cursor:] if s.para != para), self.count)
        else:
            first_of_para = next(s.n for s in sentences if s.para == para)
            if first_of_para < self.cursor:
                n = first_of_para
            else:
                prev = sentences[first_of_para - 2].para if first_of_para > 1 else para
                n = next((s.n for s in sentences if s.para == prev), 1)
        self.cursor = n

    def on_focus(self) -> None:
        self.refresh()  # the cursor is drawn brighter in the focused pane

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: Click) -> None:
        n = self.sentence_at_line(event.y + int(self.scroll_offset.y))
        if n:
            self.cursor = n
        self.focus()

    # -- search -------------------------------------------------------------------
    def set_search(self, query: str) -> int:
        """Highlight every case-insensitive occurrence of ``query``; return the count."""
        self.matches = []
        if query:
            pattern = re.compile(re.escape(query), re.IGNORECASE)
            self.matches = [(m.start(), m.end()) for m in pattern.finditer(self.article.text)]
        self.refresh_all()
        return len(self.matches)

    def match_sentences(self) -> list[int]:
        """Sentence numbers containing a search hit, in order."""
        starts = [s.start for s in self.article.sentences]
        return sorted({bisect.bisect_right(starts, a) for a, _ in self.matches} - {0})

    # -- drawing ------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        if index >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        kind, n, a, b = self._lines[index]
        tags = frozenset(self.article.tags.get(n, ()))
        key = (index, width, self._generation, self.app.theme, self.has_focus, n == self.cursor, tags,
               n in self.article.notes, n in self.highlighted, self._suggested(n))
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render(index, tags, width)
            self._strips[key] = strip
        return strip.apply_offsets(0, index)

    def _render(self, index: int, tags: frozenset, width: int) -> Strip:
        kind, n, a, b = self._lines[index]
        base = self.rich_style
        if kind == BLANK:
            return Strip.blank(width, base)
        is_cursor = n == self.cursor
        style = base + self.get_component_rich_style("article-view--cursor") if is_cursor else base
        if n in self.highlighted and not is_cursor:
            style += self.get_component_rich_style("article-view--partner")
        gutter_style = self.get_component_rich_style("article-view--gutter")
        first_line = index == self._first_line[n]
        segments = [Segment("▌" if is_cursor else " ", style + gutter_style)]
        suggested = self._suggested(n) if first_line and kind == TEXT else frozenset()
        for tag in self.codebook:
            if first_line and kind == TEXT and tag.name in tags:
                segments.append(Segment(tag.letter, style + Style(color=tag.colour, bold=True)))
            elif tag.name in suggested:  # a suggestion, never mistaken for a tag: dim, lower case, and a ?
                segments.append(Segment(tag.key, style + Style(color=tag.colour, dim=True, italic=True)))
            else:
                segments.append(Segment(" ", style))
        note_mark = first_line and kind == TEXT and n in self.article.notes
        mark = "✎" if note_mark else "?" if suggested else " "
        segments.append(Segment(mark, style + gutter_style))
        segments.append(Segment(" ", style))
        unaligned = self.partners is not None and n not in self.partners
        if self.partners is not None:
            segments.append(Segment(self._pair_mark(n) if first_line and kind == TEXT else "     ",
                                    style + gutter_style))
        if kind in (NOTE, OTHERS, SPEAKER):
            note_style = style + self.get_component_rich_style("article-view--note")
            source = {NOTE: self.article.notes.get(n, ""), OTHERS: self.others.get(n, ""),
                      SPEAKER: self._speaker_label(n)}[kind]
            segments.append(Segment("  " + source[a:b].replace("\t", " "), note_style))
        else:
            text_style = style + self.get_component_rich_style("article-view--unaligned") if unaligned else style
            segments.extend(self._text_segments(a, b, text_style))
        return Strip(segments).crop_extend(0, width, style)

    def _suggested(self, n: int) -> frozenset[str]:
        """Tags suggested for sentence ``n`` that are shown (dimmed, with a ?) in the gutter."""
        if not self.show_suggestions or n in self.article.tags:
            return frozenset()
        return frozenset(g.tag for g in self.article.suggestions.get(n, ()))

    def _pair_mark(self, n: int) -> str:
        """Five gutter cells: the first partner's number (``+`` when there are more), or the label."""
        partners = self.partners.get(n)
        if not partners:
            return f"{self.unaligned_label:>4} "
        mark = f"→{partners[0]}"[-4:]
        return f"{mark:>4}{'+' if len(partners) > 1 else ' '}"

    def _text_segments(self, a: int, b: int, style: Style) -> list[Segment]:
        """``text[a:b]`` with two overlays: shared (copied) passages and search matches."""
        text = self.article.text
        layers = [(self.shared, self.get_component_rich_style("article-view--shared")),
                  (self.matches, self.get_component_rich_style("article-view--match"))]
        cuts = {a, b}
        for ranges, _ in layers:
            for start, end in _overlapping(ranges, a, b):
                cuts.update((max(start, a), min(end, b)))
        points = sorted(cuts)
        out = []
        for x, y in zip(points, points[1:]):
            piece_style = style
            for ranges, layer_style in layers:
                if _covers(ranges, x):
                    piece_style += layer_style
            out.append(Segment(text[x:y].replace("\t", " "), piece_style))
        return out


def _overlapping(ranges: list[tuple[int, int]], a: int, b: int) -> list[tuple[int, int]]:
    """The sorted, non-overlapping ``ranges`` that intersect [a, b)."""
    i = max(bisect.bisect_right(ranges, (a, a)) - 1, 0)
    out = []
    for start, end in ranges[i:]:
        if start >= b:
            break
        if end > a:
            out.append((start, end))
    return out


def _covers(ranges: list[tuple[int, int]], x: int) -> bool:
    i = bisect.bisect_right(ranges, (x, float("inf"))) - 1
    return i >= 0 and ranges[i][0] <= x < ranges[i][1]


def _note_chunks(note: str) -> list[tuple[int, int]]:
    """Offsets of each line of a (possibly multi-line) note."""
    out, pos = [], 0
    for line in note.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out
